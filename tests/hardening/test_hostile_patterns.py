"""A backtracking ``pattern`` in an OpenAPI 3.0 spec must not hold a worker: matched by a linear-time engine.

Python's ``re`` takes exponential time on ``^(a+)+$`` against ``"aaaa...!"`` (20 to 30 s at 29
characters). The test proves the 3.0 path never calls ``re`` for ``pattern`` (so it cannot
backtrack) and that answers stay right, on a string ``re`` could not finish in a lifetime.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..mockserver.conftest import client_for, make_spec, write_spec

EVIL = "^(a+)+$"


def _spec() -> dict[str, Any]:
    spec = make_spec(openapi="3.0.3")
    operation = spec["paths"]["/items/{id}"]["get"]
    operation["parameters"].append({"name": "tag", "in": "query", "schema": {"type": "string", "pattern": EVIL}})
    return spec


@pytest.fixture()
def client(tmp_path: Path) -> FlaskClient:
    return client_for(write_spec(tmp_path, _spec()))


def test_patterns_of_a_30_spec_never_go_through_pythons_backtracking_re(client: FlaskClient,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pattern matched with Python's backtracking re")

    monkeypatch.setattr(re, "search", refuse)
    hostile = client.get("/items/1", query_string={"tag": "a" * 5000 + "!"})
    assert hostile.status_code == 400
    assert "does not match" in hostile.headers["sl-violations"]
    assert client.get("/items/1", query_string={"tag": "aaaa"}).status_code == 200
