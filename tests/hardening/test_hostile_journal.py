"""The journal under hostile bodies: nothing kills its flusher, failures are logged and survived.

Invariants: a body nested deeper than Python's recursion limit, with a secret-named key,
is recorded (its secret redacted) and later requests are still recorded; an entry that
cannot be stored is logged and skipped, the others are written; ``GET /__apitwin/requests``
keeps answering 200.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests

from mockserver import ADMIN_PREFIX, MockConfig, create_app, running
from mockserver.modes.journal import Journal, JournalEntry
from mockserver.modes.redaction import REDACTED, redact_body

from ..mockserver.conftest import AUTH, PETSTORE


def _deep(depth: int) -> str:
    return '{"token": "s3cret", "a": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [600, 5_000])
def test_a_deep_body_with_a_secret_does_not_stop_the_journal(depth: int) -> None:
    with running(create_app([PETSTORE], MockConfig(journal=True))) as url:
        deep = requests.post(f"{url}/api/v1/pets", data=_deep(depth), timeout=10,
                             headers={**AUTH, "Content-Type": "application/json"})
        assert deep.status_code < 500
        for _ in range(3):  # the flusher runs meanwhile (every 20 ms); later requests are still recorded
            assert requests.get(f"{url}/api/v1/pets", headers=AUTH, timeout=10).status_code == 200
        listing = requests.get(f"{url}{ADMIN_PREFIX}/requests?limit=10", timeout=10)  # flushes what is left
        assert listing.status_code == 200, listing.text[:300]
        entries = listing.json()
        assert [e["method"] for e in entries] == ["GET", "GET", "GET", "POST"]
        assert "s3cret" not in listing.text


def test_redaction_is_not_bounded_by_the_recursion_limit() -> None:
    value: object = {"token": "x", "keep": 1}
    for _ in range(10_000):
        value = [{"inner": value}]
    redacted = redact_body(value)
    for _ in range(10_000):
        assert isinstance(redacted, list)
        redacted = redacted[0]["inner"]
    assert redacted == {"token": REDACTED, "keep": 1}


def test_an_entry_that_cannot_be_stored_is_logged_and_the_others_are_kept(tmp_path: Path,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal(str(tmp_path / "journal.sqlite"))
    broken = JournalEntry("POST", "/broken", "", "api", "op", 200, {"X-Odd": object()}, None, [], 1.0)
    journal.record(broken)
    journal.record(JournalEntry("GET", "/fine", "", "api", "op", 200, {}, json.dumps({"a": 1}), [], 1.0))
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        listed = journal.entries()
    assert [e["path"] for e in listed] == ["/fine"]
    assert any("/broken" in r.getMessage() and "not recorded" in r.getMessage() for r in caplog.records)
