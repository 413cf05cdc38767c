"""The outcome of ``verify``: per-operation scores, check tallies and distinct failures."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PHASES", "CheckFailure", "CheckTally", "OperationScore", "VerifyReport"]


#: the engine's phases, in the order they run
PHASES = ("examples", "coverage", "fuzzing", "stateful")

@dataclass
class CheckFailure:
    """One distinct failure: which check, a one-line reason and a curl command reproducing it.

    ``sequence`` holds the curls of the calls that led to it, oldest first, when the
    failure needs more than one call (stateful sequences along links); the last is ``curl``.
    """

    operation: str
    check: str
    title: str
    reason: str
    curl: str
    message: str = ""
    sequence: list[str] = field(default_factory=list)


@dataclass
class CheckTally:
    """How often one check passed and failed on one operation."""

    passed: int = 0
    failed: int = 0


@dataclass
class OperationScore:
    """Checks run against one operation."""

    label: str
    cases: int = 0
    passed: int = 0
    failed: int = 0
    failures: list[CheckFailure] = field(default_factory=list)
    skipped: str | None = None
    checks: dict[str, CheckTally] = field(default_factory=dict)

    def tally(self, check: str, ok: bool) -> None:
        """Count one run of ``check``."""
        counts = self.checks.setdefault(check, CheckTally())
        if ok:
            counts.passed += 1
            self.passed += 1
        else:
            counts.failed += 1
            self.failed += 1


@dataclass
class VerifyReport:
    """The outcome of a run.

    ``cut`` says why the run ended early (``--max-time`` spent), ``None`` when it ran whole.
    """

    spec: str
    base_url: str
    seed: int | None
    operations: dict[str, OperationScore] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    #: what a run against the mock showed about the spec itself (not failures of the implementation)
    spec_findings: list[str] = field(default_factory=list)
    cut: str | None = None
    #: requests sent, by phase (examples, coverage, fuzzing, stateful)
    requests: dict[str, int] = field(default_factory=dict)

    @property
    def failures(self) -> list[CheckFailure]:
        """Every distinct failure, operation by operation."""
        return [f for score in self.operations.values() for f in score.failures]

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing went wrong."""
        return not self.failures and not self.errors

    @property
    def tested(self) -> int:
        """How many operations received at least one request."""
        return sum(1 for s in self.operations.values() if s.cases)

    def totals(self) -> tuple[int, int]:
        """(checks passed, checks failed)."""
        return (sum(s.passed for s in self.operations.values()), sum(s.failed for s in self.operations.values()))

    def by_check(self) -> dict[str, list[CheckFailure]]:
        """The distinct failures grouped by check, in order of first appearance."""
        groups: dict[str, list[CheckFailure]] = {}
        for failure in self.failures:
            groups.setdefault(failure.check, []).append(failure)
        return groups

    def failed_count(self, check: str) -> int:
        """How many times ``check`` failed, on every operation."""
        return sum(s.checks[check].failed for s in self.operations.values() if check in s.checks)
