"""``--max-examples`` bounds each phase of ``verify``: counted in requests the server received, not in seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from contracts.verify import STATEFUL_CHECKS, VerifyOptions, VerifyReport, verify
from mockserver import MockConfig, create_app, running

from ..conftest import DATA

PETSTORE = DATA / "specs" / "petstore.yaml"  # five operations, no links
WIDGETS = DATA / "specs" / "widgets.yaml"  # three operations linked: the stateful phase runs
#: schemathesis' longest stateful scenario (steps), its default
MAX_STEPS = 6
#: the requests schemathesis sends before the phases to learn how the server treats odd input
PROBES = 2


class Counting:
    """WSGI middleware: how many requests reached the app."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            self.count += 1
        return self.app(environ, start_response)


def run(spec: Path, max_examples: int) -> tuple[VerifyReport, int]:
    app = create_app([spec], MockConfig())
    counter = Counting(app.wsgi_app)
    app.wsgi_app = counter  # type: ignore[method-assign]
    with running(app) as url:
        # the mock keeps no state: the checks that need a server which remembers writes are left out
        report = verify(spec, VerifyOptions(base_url=url, max_examples=max_examples, seed=1,
                                            exclude_checks=STATEFUL_CHECKS))
    return report, counter.count


def test_each_phase_sends_what_max_examples_allows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    few, received_few = run(PETSTORE, 2)
    more, received_more = run(PETSTORE, 5)
    operations = len(few.operations)
    assert operations == 5
    for report, received, n in ((few, received_few, 2), (more, received_more, 5)):
        assert report.cut is None
        assert sum(report.requests.values()) + PROBES == received  # the report counts what the server received
        assert set(report.requests) >= {"examples", "coverage", "fuzzing"}
        assert 0 < report.requests["fuzzing"] <= n * operations  # N cases an operation
        # stateful: inferred links here, and the mock's undocumented 400s are failures, so a suite repeats
        # until one finds nothing new (README); the bound per suite is tested on the widgets below
    assert more.requests["fuzzing"] > few.requests["fuzzing"]
    # the examples replay the spec's own examples, and coverage follows the schemas: N changes neither
    assert more.requests["examples"] == few.requests["examples"]
    assert more.requests["coverage"] == few.requests["coverage"]
    again, _ = run(PETSTORE, 2)
    assert again.requests == few.requests  # the same seed sends the same requests: nothing replayed from a database
    assert list(tmp_path.iterdir()) == []  # and nothing (.hypothesis) is written in the current folder


def test_stateful_scenarios_are_bounded_by_max_examples() -> None:
    report, received = run(WIDGETS, 3)
    assert report.ok  # nothing fails: one stateful suite, N scenarios of at most MAX_STEPS calls
    assert sum(report.requests.values()) + PROBES == received
    assert 0 < report.requests["stateful"] <= 3 * MAX_STEPS
    assert report.requests["fuzzing"] <= 3 * len(report.operations)
