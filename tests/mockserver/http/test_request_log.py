"""The refused requests' log lines: written at once, repeats within a second counted (http/request_log.py)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from mockserver.http.request_log import RequestLog

from ..conftest import client_for

NOTES = Path(__file__).resolve().parents[2] / "data" / "specs" / "notes.yaml"


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "test-request-log"]


def test_a_repeated_line_is_written_once_then_counted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-request-log")
    log = RequestLog(logger, window_s=60)
    with caplog.at_level(logging.INFO, logger="test-request-log"):
        for _ in range(500):
            log.line(logging.INFO, "POST /a -> 400: body: bad")
        log.line(logging.INFO, "GET /b -> 404: no such path")
        log.line(logging.WARNING, "POST /a -> 400: body: bad")  # another level: another kind
        assert _lines(caplog) == ["POST /a -> 400: body: bad", "GET /b -> 404: no such path",
                                  "POST /a -> 400: body: bad"]
        log.flush()
    assert _lines(caplog)[3:] == ["POST /a -> 400: body: bad (and 499 more times in the last 60.0 s)"]


def test_the_count_is_written_when_the_window_ends_without_another_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-request-log")
    log = RequestLog(logger, window_s=0.05)
    expected = ["GET /x -> 401: no key", "GET /x -> 401: no key (and 1 more time in the last 0.1 s)"]
    with caplog.at_level(logging.INFO, logger="test-request-log"):
        log.line(logging.INFO, "GET /x -> 401: no key")
        log.line(logging.INFO, "GET /x -> 401: no key")
        deadline = time.monotonic() + 30  # the timer thread writes it: waited for, however loaded the machine
        while _lines(caplog) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
    assert _lines(caplog) == expected


def test_lines_below_the_level_cost_nothing_and_are_not_counted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-request-log")
    log = RequestLog(logger, window_s=60)
    with caplog.at_level(logging.WARNING, logger="test-request-log"):
        log.line(logging.INFO, "GET /x -> 401: no key")
        log.flush()
    assert _lines(caplog) == []


def test_the_mock_logs_a_flood_of_one_bad_request_once(caplog: pytest.LogCaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.http import dispatch

    monkeypatch.setattr(dispatch, "REQUEST_LOG", RequestLog(logging.getLogger("apitwin"), window_s=60))
    client = client_for(NOTES)
    with caplog.at_level(logging.INFO, logger="apitwin"):
        for _ in range(20):
            assert client.post("/api/notes", headers={"X-Key": "k"}, json={"title": 5}).status_code == 400
        assert client.get("/api/nowhere").status_code == 404
        dispatch.REQUEST_LOG.flush()
    lines = [r.getMessage() for r in caplog.records if r.name == "apitwin" and "->" in r.getMessage()]
    assert len(lines) == 3, lines
    assert "POST /api/notes" in lines[0] and "-> 400" in lines[0] and "title" in lines[0]
    assert "GET /api/nowhere -> 404" in lines[1]
    assert lines[2] == lines[0] + " (and 19 more times in the last 60.0 s)"


def test_a_forked_worker_starts_with_no_count_of_its_parent(caplog: pytest.LogCaptureFixture) -> None:
    import os

    logger = logging.getLogger("test-request-log")
    log = RequestLog(logger, window_s=60)
    with caplog.at_level(logging.INFO, logger="test-request-log"):
        log.line(logging.INFO, "GET /x -> 401: no key")
        log.line(logging.INFO, "GET /x -> 401: no key")  # counted, a timer armed in this process
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its first line is written, not counted against the parent's window
            code = 0 if log._timer is None and not log._counts else 1
            os.write(write, str(code).encode())
            os._exit(0)
        os.close(write)
        answer = os.read(read, 10)
        os.waitpid(pid, 0)
        log.flush()
    assert answer == b"0"
