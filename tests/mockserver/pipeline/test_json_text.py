"""The encoders made once (mockserver/pipeline/json_text.py) write what ``json.dumps`` writes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from mockserver.pipeline.json_text import compact, compact_ascii, spaced

VALUES: list[Any] = [
    {"message": "body: [1,2] is not of type \"object\"", "status": 400},
    {"nested": {"list": [1, 2.5, -0.0, 1e300, None, True, False], "empty": {}, "none": []}},
    {"unicode": "café ☕ \u2028 \ud83d\ude00", "control": "\x00\x1f\t\n"},
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    {"big": 2**80, "negative": -(2**70), "nan": math.nan, "inf": math.inf, "-inf": -math.inf},
    ["a", ("tuple", "items")],
    "a bare string with \"quotes\" and é",
    12,
    3.25,
    None,
    [],
]


@pytest.mark.parametrize("value", VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert compact_ascii(value) == json.dumps(value, separators=(",", ":"))
    assert spaced(value) == json.dumps(value, ensure_ascii=False)


def test_header_text_is_ascii() -> None:
    assert compact_ascii([{"message": "'é' is not one of ['☕']"}]).isascii()


def test_unserialisable_value_raises_type_error_as_json_does() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        compact({"when": object()})
    with pytest.raises(TypeError):
        compact({("tuple", "key"): 1})


def test_value_containing_itself_raises() -> None:
    """Where ``json.dumps`` says ValueError (it tracks the containers it is in), a RecursionError: no hang."""
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        compact(loop)
