"""Prism's harness cases against apitwin's mock: each passes, or TRIAGE.md says why not (and it still does not).

``python -m tests.corpus.triage`` reruns every case and rewrites TRIAGE.md (hand-written reasons kept).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import CASES_DIR, Case, all_cases, parse_curl, run_case
from .triage import apply_rules, read_triage

CASES = all_cases()
TRIAGED = read_triage()


def test_the_corpus_is_all_there() -> None:
    assert len(CASES) == 313
    assert (CASES_DIR.parent / "LICENSE").is_file()
    assert all(case.spec and case.command and case.expect for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_harness_case(case: Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder: Path = tmp_path_factory.getbasetemp() / "prism-harness"
    folder.mkdir(exist_ok=True)
    outcome = run_case(case, folder)
    row = TRIAGED.get(case.name)
    if row is None:
        assert outcome.verdict == "pass", f"{case.name}: {outcome.verdict}: {outcome.detail}"
        return
    if row.verdict == "not-run":
        assert outcome.verdict == "not-run"
        pytest.skip(row.reason)
    assert outcome.verdict == "fail", f"{case.name} passes now: remove its row from TRIAGE.md"
    if row.reason.startswith("rule:"):  # a rule-explained difference must still be that difference
        assert apply_rules(case, outcome) == row.reason, outcome.detail
    pytest.xfail(f"{row.verdict}: {row.reason}")


def test_curl_commands_are_read_as_curl_sends_them() -> None:
    request = parse_curl("curl -sIXGET http://localhost:4010/users?x=1 -H 'Accept:' -H \"X-A: b c\"")
    assert (request.method, request.path, request.query, request.head_only) == ("GET", "/users", "x=1", True)
    assert request.headers == [("X-A", "b c")]
    form = parse_curl('curl -i -X POST http://localhost:4010/p -F "id=123" -F "s=open"')
    assert form.body is not None and b'name="id"\r\n\r\n123' in form.body
    assert dict(form.headers)["Content-Type"].startswith("multipart/form-data; boundary=")
    data = parse_curl("curl -i http://localhost:4010/p --data-urlencode 'a=b c'")
    assert (data.method, data.body) == ("POST", b"a=b%20c")
