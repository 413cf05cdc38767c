"""The outcome of ``verify``: per-operation scores, check tallies and distinct failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PHASES", "RATE_LIMIT_CHECK", "CheckFailure", "CheckTally", "Mutation", "OperationScore", "VerifyReport",
           "fuzzed_of", "mutation_of", "refused_for_rate"]

#: a request the server refused with 429: the check that saw it never saw the operation's own answer
RATE_LIMIT_CHECK = "rate_limited"


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
    #: what the suite changed to make the request invalid (negative cases of the coverage phase), if it says
    mutation: Mutation | None = None
    #: the same, one per mutated place, for a negative case of another phase (fuzzing): the ``scenario`` is its operator
    #: (``change_type``...), the ``parameter`` of a body its media type
    fuzzed: tuple[Mutation, ...] = ()
    #: the request as the transport recorded it sent, as one bash curl whatever ``$SHELL`` is (:mod:`.sent_curl`);
    #: ``""`` when none was recorded
    sent: str = ""

    @property
    def wire(self) -> str:
        """The request as sent, as the spec findings read it: :attr:`sent`, else the displayed :attr:`curl`."""
        return self.sent or self.curl


@dataclass(frozen=True)
class Mutation:
    """How the suite made a request invalid: its coverage ``scenario`` (``incorrect_type``...), the part of the
    request (``query``, ``body``...), the parameter's name (``""`` for a body) and the pointer into its schema."""

    scenario: str
    where: str
    parameter: str
    pointer: str


def mutation_of(case: Any) -> Mutation | None:
    """The :class:`Mutation` a schemathesis case records in its metadata (None when it records none)."""
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    scenario = getattr(data, "scenario", None)
    if scenario is None:
        return None
    where = getattr(data, "parameter_location", None)
    return Mutation(str(getattr(scenario, "value", scenario)), str(getattr(where, "value", where or "")),
                    str(getattr(data, "parameter", None) or ""), str(getattr(data, "location", None) or ""))


def fuzzed_of(case: Any) -> tuple[Mutation, ...]:
    """The :class:`Mutation` of each place a negative case mutated, as the phases but coverage record it (none else)."""
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    if getattr(data, "scenario", None) is not None:
        return ()
    found = []
    for mutation in getattr(data, "mutations", None) or ():
        where = getattr(mutation, "parameter_location", None)
        where = str(getattr(where, "value", where or ""))
        name = getattr(case, "media_type", None) if where == "body" else getattr(mutation, "parameter", None)
        operator = getattr(mutation, "operator", "")
        found.append(Mutation(str(getattr(operator, "value", operator)), where, str(name or ""),
                              str(getattr(mutation, "schema_pointer", ""))))
    return tuple(found)


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
        """True when something was tested, nothing failed and nothing went wrong."""
        return self.tested > 0 and not self.failures and not self.errors

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


def refused_for_rate(score: OperationScore, label: str, recorder: Any, case_id: str,
                     info: Any, seen: set[tuple[str, str, str]], waits: bool = False) -> bool:
    """A failure seen on a 429 answer is the server's rate limit, reported once per operation with Retry-After.

    ``waits``: the run waited as Retry-After asked and checked the answer that followed (``--rate-limit auto``,
    schemathesis retries up to 3 times); the refusals are still reported, since the spec did not prepare
    clients for them.
    """
    interaction = recorder.interactions.get(info.failure.case_id or case_id) or recorder.interactions.get(case_id)
    response = getattr(interaction, "response", None)
    # a 429 waited out (--rate-limit auto) is checked too, but the case keeps the answer that followed it
    status = getattr(info.failure, "status_code", None) or getattr(response, "status_code", None)
    if status != 429:
        return False
    score.tally(RATE_LIMIT_CHECK, False)
    if (label, RATE_LIMIT_CHECK, "429") not in seen:
        seen.add((label, RATE_LIMIT_CHECK, "429"))
        after = (getattr(response, "headers", None) or {}).get("retry-after") if getattr(
            response, "status_code", None) == 429 else None
        then = ("waited as it asked (--rate-limit auto) and checked the answers that followed" if waits else
                "their answers were not checked: pace the run with --rate-limit N/s, or --rate-limit auto to wait "
                "as Retry-After asks")
        score.failures.append(CheckFailure(
            label, RATE_LIMIT_CHECK, "Rate limited",
            f"the server refused requests with 429 Too Many Requests"
            f"{f' (Retry-After: {after[0]})' if after else ''}; {then}",
            info.code_sample, "", []))
    return True
