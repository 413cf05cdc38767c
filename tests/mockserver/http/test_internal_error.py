"""A failure inside the mock answers 500 as a problem, and neither that answer nor the log line quotes the
exception in full: ``referencing`` quotes the whole document it searched (DigitalOcean's PointerToNowhere
carried its 1 MB spec into the log and the detail)."""

from __future__ import annotations

import logging

import pytest

from mockserver.errors import bounded_traceback
from mockserver.http.dispatch import OperationHandler

from ..conftest import AUTH, PETSTORE, client_for

HUGE = "{'openapi': '3.0.0', 'paths': " + "x" * 1_000_000 + "}"


def _fail() -> None:
    try:
        raise KeyError("items")
    except KeyError as exc:
        raise LookupError(f"'/paths/~1v2/get' does not exist within {HUGE}") from exc


def test_a_bounded_traceback_keeps_the_frames_and_the_chain_and_cuts_the_messages() -> None:
    try:
        _fail()
    except LookupError as exc:
        text = bounded_traceback(exc)
    assert len(text) < 3000
    assert "KeyError: 'items'" in text and "LookupError: '/paths/~1v2/get' does not exist" in text
    assert text.index("KeyError") < text.index("LookupError")  # the cause first, as logging prints it
    assert "in _fail" in text and "raise KeyError" in text


def test_an_internal_error_is_logged_and_answered_at_a_bounded_length(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_: object) -> None:
        _fail()

    monkeypatch.setattr(OperationHandler, "answer", broken)
    client = client_for(PETSTORE)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        answer = client.get("/api/v1/pets/1", headers=AUTH)
    assert answer.status_code == 500
    assert len(answer.get_data()) < 2000
    assert "does not exist" in answer.get_json()["detail"]
    logged = [r for r in caplog.records if "error answering" in r.getMessage()]
    assert logged and all(len(r.getMessage()) < 5000 and r.exc_info is None for r in logged)
    assert "LookupError" in logged[0].getMessage()
