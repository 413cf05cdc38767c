"""The JSON line scan gives every pointer the line the YAML composer gives it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.spec.documents import _composed, line_of
from mockserver.spec.json_lines import json_line_tree
from mockserver.spec.pointers import escape_token

ROOT = Path(__file__).resolve().parents[3]

TRICKY = (
    '{"openapi": "3.0.0",\r\n "a\\"b": {"x": [1, 2.5e3, -0, {"deep": [[], {}]}], "x2": null},\r\n'
    ' "caf\\u00e9": "line\u2028separator", "dup": 1, "dup": {"later": true},\n'
    '  "list": [\n    "s,with:punctuation{}[]",\n    {"k": "v"}\n  ],\n'
    '  "escaped\\\\": "\\\\", "empty": "", "tilde~/slash": {"in": "x"}\n}\n'
)


def _pointers(node: Any, pointer: str = "") -> Iterator[str]:
    yield pointer
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _pointers(value, f"{pointer}/{escape_token(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _pointers(value, f"{pointer}/{index}")


def _yaml_line(text: str, pointer: str) -> int:
    """The line PyYAML's composer (libyaml's when installed, as ``line_of`` uses) gives the pointer."""
    node: Any = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for token in [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == token), None)
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            child = node.value[int(token)]
        else:
            child = None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


@pytest.mark.parametrize("source", ["tricky", "rules-30-valid.json", "structure-30.json", "rules-31-minified.json"])
def test_every_pointer_has_the_yaml_line(tmp_path: Path, source: str) -> None:
    text = TRICKY if source == "tricky" else (ROOT / "tests" / "data" / "lint" / source).read_text(encoding="utf-8")
    path = tmp_path / "spec.json"
    path.write_bytes(text.encode("utf-8"))
    assert isinstance(_composed(path), tuple)  # the scan, not YAML nodes
    for pointer in _pointers(json.loads(text)):
        assert line_of(path, pointer) == _yaml_line(text, pointer), pointer
    assert line_of(path, "/list/7/missing") == _yaml_line(text, "/list/7/missing")


def test_a_missing_member_answers_its_deepest_parent(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(TRICKY, encoding="utf-8")
    assert line_of(path, "/list/7") == line_of(path, "/list") == 5  # LS (in "caf\u00e9") ends line 3
    assert line_of(path, "/a\"b/x/3/nothing/here") == 2


def test_not_json_is_not_scanned() -> None:
    assert json_line_tree("{openapi: 3.0.0}") is None
    assert json_line_tree('{"a": 1') is None
