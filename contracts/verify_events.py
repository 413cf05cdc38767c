"""The engine's events of a ``verify`` run turned into its report, as they arrive (a thread of their own).

:class:`EventConsumer` reads schemathesis' event stream: each finished scenario's checks tallied per operation,
each distinct failure kept once with its curl, a request that got no answer made a failure of its own
(:data:`TIMEOUT_CHECK`, :data:`CONNECTION_CHECK`), other errors listed in one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .failures import describe_failure
from .sent_curl import bash_curl
from .verify_report import CheckFailure, OperationScore, VerifyReport, fuzzed_of, mutation_of, refused_for_rate

__all__ = ["CONNECTION_CHECK", "TIMEOUT_CHECK", "EventConsumer", "one_line"]

#: checks of apitwin's own, for what schemathesis reports as errors rather than failures
TIMEOUT_CHECK = "request_timeout"
CONNECTION_CHECK = "connection"


class EventConsumer:
    """The state of one run, shared by the thread that consumes the engine's events and the caller.

    ``request_timeout``: the run's, named in a timeout's failure; ``waits``: the run waits out 429s
    (``--rate-limit auto``)."""

    def __init__(self, report: VerifyReport, total: int, progress: Callable[[str, int, int], None] | None,
                 request_timeout: float, waits: bool, sanitization: Any = None) -> None:
        import threading

        self.report = report
        self.request_timeout = request_timeout
        self.waits = waits
        #: schemathesis' ``output.sanitization`` config: what a failure's :attr:`CheckFailure.sent` hides
        self.sanitization = sanitization
        self.total = total
        self.progress = progress
        self.lock = threading.Lock()
        self.abandoned = False
        self.seen: set[tuple[str, str, str]] = set()
        self.finished_labels: set[str] = set()
        self.stop_reason = "completed"
        self.crash: BaseException | None = None

    def consume(self, stream: Any) -> None:
        from schemathesis.engine import events

        try:
            for event in stream:
                with self.lock:
                    if self.abandoned:
                        return
                    self.handle(event, events)
        except BaseException as exc:  # reported by verify() in the caller's thread
            self.crash = exc

    def handle(self, event: Any, events: Any) -> None:
        report = self.report
        if isinstance(event, events.ScenarioFinished):
            _record(report, event, self.seen, waits=self.waits, sanitization=self.sanitization)
            label = event.recorder.label
            if self.progress is not None and event.phase.value != "stateful" and label not in self.finished_labels:
                self.finished_labels.add(label)
                self.progress(label, len(self.finished_labels), self.total)
        elif isinstance(event, events.NonFatalError):
            self.error(event)
        elif isinstance(event, events.FatalError):
            report.errors.append(one_line(f"fatal: {type(event.exception).__name__}: {event.exception}"))
        elif isinstance(event, events.EngineFinished):
            self.stop_reason = str(getattr(event.stop_reason, "value", event.stop_reason))

    def error(self, event: Any) -> None:
        """A request that got no answer is a failure of its operation, with its curl; other errors are listed."""
        import requests

        value, report = event.value, self.report
        curl = event.info.code_sample or ""
        if isinstance(value, (requests.Timeout, requests.ConnectionError)):
            timeout = isinstance(value, requests.Timeout)
            check = TIMEOUT_CHECK if timeout else CONNECTION_CHECK
            reason = (f"no answer in {self.request_timeout:g}s" if timeout
                      else "the connection closed without an answer")
            score = report.operations.setdefault(event.label, OperationScore(event.label))
            score.tally(check, False)
            key = (event.label, check, "")
            if key not in self.seen:
                self.seen.add(key)
                score.failures.append(CheckFailure(event.label, check, "No answer" if timeout else "Connection error",
                                                   reason, curl, str(event.info.message)))
            return
        report.errors.append(one_line(f"{event.label}: {event.info.title}: {event.info.message}"))


def one_line(text: str) -> str:
    return " ".join(str(text).split())[:400]


def _record(report: VerifyReport, event: Any, seen: set[tuple[str, str, str]], waits: bool = False,
            sanitization: Any = None) -> None:
    recorder = event.recorder
    phase = event.phase.value
    report.requests[phase] = report.requests.get(phase, 0) + len(recorder.interactions)
    if event.phase.value == "stateful":
        labels = {node.value.operation.label for node in recorder.cases.values()}
    else:
        labels = {recorder.label}
    for label in labels:
        report.operations.setdefault(label, OperationScore(label))
    if event.status.value == "skip" and event.phase.value != "stateful":
        score = report.operations[recorder.label]
        score.skipped = score.skipped or event.skip_reason
    for case_id, checks in recorder.checks.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        score = report.operations.setdefault(label, OperationScore(label))
        for check in checks:
            if check.status.value == "success":
                score.tally(check.name, True)
                continue
            info = check.failure_info
            if info is not None and refused_for_rate(score, label, recorder, case_id, info, seen, waits):
                continue
            score.tally(check.name, False)
            if info is None:
                continue
            failure = info.failure
            key = (label, check.name, str(getattr(failure, "_unique_key", failure.title)))
            if key in seen:
                continue
            seen.add(key)
            message = str(failure.message or "")
            interaction = recorder.interactions.get(failure.case_id or case_id) or recorder.interactions.get(case_id)
            response = getattr(interaction, "response", None)
            status = getattr(response, "status_code", None)
            steps = [step.curl for step in info.steps or []]
            request = getattr(interaction, "request", None)
            generated = getattr(node.value, "headers", None) if node is not None else None
            sent = _sent(request, sanitization, generated or ()) if request is not None else ""
            score.failures.append(CheckFailure(label, check.name, str(failure.title), describe_failure(failure, status),
                                               info.code_sample, message, steps if len(steps) > 1 else [],
                                               mutation_of(node.value) if node is not None else None,
                                               fuzzed_of(node.value) if node is not None else (), sent))
    for case_id in recorder.cases:
        node = recorder.cases[case_id]
        label = node.value.operation.label
        if label in report.operations:
            report.operations[label].cases += 1


#: headers the HTTP client or schemathesis adds to every request (lower case): a failure's curl leaves them out
#: unless the case itself generated them, and so does :func:`_sent` (a finding asks whether the case sent a header)
_ADDED_HEADERS = frozenset({"user-agent", "accept-encoding", "accept", "connection", "content-length",
                            "transfer-encoding", "x-schemathesis-testcaseid"})


def _sent(request: Any, sanitization: Any, generated: Any = ()) -> str:
    """The recorded ``request`` as one bash curl: the headers the case sent (``generated``: its own; those the client
    adds to every request left out, as in the curl shown), its secret headers and query values hidden as schemathesis
    hides them there (``[Filtered]``); the body as sent (the findings read its parts)."""
    from schemathesis.core.output.sanitization import sanitize_url, sanitize_value

    own = {str(name).lower() for name in generated}
    headers = {name: list(values) for name, values in request.headers.items()
               if name.lower() not in _ADDED_HEADERS or name.lower() in own}
    url = request.uri
    if sanitization is not None and sanitization.enabled:
        sanitize_value(headers, config=sanitization)
        url = sanitize_url(url, config=sanitization)
    return bash_curl(request.method, url, headers, request.body)
