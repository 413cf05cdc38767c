"""verify --against-mock dealt out to processes (``--workers``): one report, as one process would give."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contracts import cli_verify
from contracts.verify import VerifyOptions, verify_against_mock
from contracts.verify_report import CheckFailure, CheckTally, OperationScore, VerifyReport
from contracts.verify_split import SplitRunFailed, in_processes, merge_reports, process_count

from ..mockserver.conftest import make_spec, write_spec

OK: dict[str, Any] = {"200": {"description": "ok", "content": {"application/json": {
    "schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
    "example": {"ok": True}}}}}
QUERY = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}]


def test_no_split_where_processes_cannot_be_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no fork: the operations run in this process, not in a start method that fails."""
    assert process_count(8, 1000) > 1
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert process_count(8, 1000) == 1


def test_the_default_share_counts_the_cores_where_the_system_cannot_say_which(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows have no sched_getaffinity: the default processes come from the core count."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert cli_verify._usable_cores() == 3


def test_process_count_leaves_small_specs_to_one_process() -> None:
    assert process_count(8, 3) == 1
    assert process_count(2, 419) == 2
    assert process_count(8, 20) == 2
    assert process_count(1, 419) == 1


def test_a_split_run_tests_every_operation_and_keeps_every_finding(tmp_path: Path) -> None:
    """16 operations, 2 processes and one for the stateful phase: the merged report has each operation once,
    tested, in document order, and every spec finding of each share; a seed is chosen and reported."""
    paths = {f"/r{index}": {"get": {"operationId": f"r{index}", "parameters": QUERY, "responses": OK}}
             for index in range(16)}
    spec = write_spec(tmp_path, make_spec(paths=paths))
    progressed: list[tuple[str, int, int]] = []
    split = verify_against_mock(spec, VerifyOptions(max_examples=3, workers=2),
                                lambda label, done, total: progressed.append((label, done, total)))
    assert split.seed is not None  # chosen by the split run (one process reports the seed it was given)
    assert list(split.operations) == [f"GET /r{index}" for index in range(16)]
    assert all(score.cases for score in split.operations.values())
    assert {phase for phase, count in split.requests.items() if count} >= {"coverage", "fuzzing"}
    assert sorted(label for label, _, _ in progressed) == sorted(split.operations)
    assert progressed[-1][1:] == (16, 16)
    single = verify_against_mock(spec, VerifyOptions(max_examples=3, seed=split.seed))
    assert single.seed == split.seed and list(single.operations) == list(split.operations)
    assert sorted(split.spec_findings) == sorted(single.spec_findings) and len(split.spec_findings) == 16
    again = verify_against_mock(spec, VerifyOptions(max_examples=3, workers=2, seed=split.seed))
    assert {k: v.cases for k, v in again.operations.items()} == {k: v.cases for k, v in split.operations.items()}


def _score(label: str, check: str, passed: int, failed: int, reason: str = "") -> OperationScore:
    score = OperationScore(label, cases=passed + failed, passed=passed, failed=failed,
                           checks={check: CheckTally(passed, failed)})
    if reason:
        score.failures.append(CheckFailure(label, check, "title", reason, "curl"))
    return score


def test_merged_reports_add_tallies_and_keep_each_failure_once() -> None:
    first = VerifyReport("s.yaml", "http://localhost", 7, requests={"coverage": 10, "fuzzing": 4})
    first.operations = {"GET /b": _score("GET /b", "status_code_conformance", 3, 1, "Received: 500")}
    second = VerifyReport("s.yaml", "http://localhost", 7, requests={"stateful": 5, "fuzzing": 2},
                          cut="cut at --max-time 5s")
    second.operations = {"GET /a": _score("GET /a", "not_a_server_error", 2, 0),
                         "GET /b": _score("GET /b", "status_code_conformance", 1, 1, "Received: 500")}
    second.spec_findings = ["GET /a documents no 4xx"]
    merged = merge_reports([first, second], "s.yaml", 7, ["GET /a", "GET /b"])
    assert list(merged.operations) == ["GET /a", "GET /b"]
    b = merged.operations["GET /b"]
    assert (b.cases, b.passed, b.failed) == (6, 4, 2)
    assert b.checks["status_code_conformance"] == CheckTally(4, 2)
    assert [f.reason for f in b.failures] == ["Received: 500"]
    assert merged.requests == {"coverage": 10, "fuzzing": 6, "stateful": 5}
    assert merged.cut == "cut at --max-time 5s" and merged.spec_findings == ["GET /a documents no 4xx"]
    assert not merged.ok


def _failing(spec: str | Path, options: VerifyOptions, progress: Callable[[str, int, int], None] | None) -> Any:
    if options.phases == ("stateful",):
        return VerifyReport(str(spec), "http://localhost", options.seed)
    raise ValueError("boom\nsecond line")


def test_a_process_that_fails_is_one_line_of_the_run(tmp_path: Path) -> None:
    with pytest.raises(SplitRunFailed, match=r"^ValueError: boom second line$"):
        in_processes(tmp_path / "s.yaml", VerifyOptions(workers=2), [f"GET /r{i}" for i in range(16)], 2, None,
                     _failing)
