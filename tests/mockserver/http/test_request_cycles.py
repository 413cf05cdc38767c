"""A request leaves no reference cycle behind: what each left (werkzeug's request held by its environ, a
refused request's traceback) the garbage collector had to find, about a tenth of a request's work."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from mockserver import MockConfig, create_app

NOTES = Path(__file__).resolve().parents[2] / "data" / "specs" / "notes.yaml"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/api/notes", None, "200"),
    ("POST", "/api/notes", b'{"title": "x"}', "201"),
    ("POST", "/api/notes", b'{"title": 5}', "400"),
    ("GET", "/api/nowhere", None, "404"),
])
def test_an_answered_request_leaves_no_cycle(method: str, path: str, body: bytes | None, status: str) -> None:
    app = create_app([NOTES], MockConfig(journal=False))
    statuses: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(line.split()[0])
        return None

    def call() -> None:
        headers = [("X-Key", "k"), ("Content-Type", "application/json")]
        environ = EnvironBuilder(path=path, method=method, data=body, headers=headers).get_environ()
        b"".join(app(environ, start_response))

    call()  # first-use caches
    gc.collect()
    gc.disable()  # no collection in between: every cycle the requests leave is found below
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            call()
        gc.collect()
        left = [getattr(o, "__qualname__", type(o).__name__) for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        gc.collect()
    assert statuses[-1] == status
    # nor an unmatched path's (werkzeug's matcher made itself a closure cycle per path not matched before)
    assert left == []
