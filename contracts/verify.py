"""``verify``: schemathesis 4 property-based conformance tests of any implementation of a spec.

The run uses schemathesis' own engine (the one behind ``schemathesis run``), so every
phase and check it has applies: documented examples replayed as they are, the
coverage phase (boundary and negative values), random fuzzing in positive and
negative modes, and stateful sequences built from OpenAPI ``links``; checks for
server errors, status codes, content types, response schemas and headers,
negative data rejection, positive data acceptance, ignored authentication and
more. apitwin turns the engine's events into a per-operation scorecard.

schemathesis is pinned to 4.32.x in ``pyproject.toml``: the engine's event types
are not part of its documented API, and the tests in ``tests/contracts`` catch
any drift on upgrade.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockserver import MockConfig, create_app, example_credential, load_spec, running
from mockserver.spec import HTTP_METHODS, deref, server_prefixes

from .generation import for_generation

__all__ = ["CheckFailure", "OperationScore", "VerifyOptions", "VerifyReport", "verify", "verify_against_mock"]

#: checks that need a server that keeps state; a stateless mock cannot pass them
STATEFUL_CHECKS = ("use_after_free", "ensure_resource_availability")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
MOCK_CREDENTIAL = "apitwin-verify"


@dataclass(frozen=True)
class VerifyOptions:
    """Everything ``apitwin verify`` can be told.

    ``base_url`` without a path gets the spec's first server path appended
    (``http://host:11200`` + ``/public/api``). ``rate_limit`` is schemathesis'
    syntax, e.g. ``"100/s"``. Filters select operations by tag, operationId,
    path (exact template) or method; an empty filter selects all.
    """

    base_url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    auth: tuple[str, str] | None = None
    max_examples: int = 25
    seed: int | None = None
    workers: int = 1
    tags: tuple[str, ...] = ()
    operation_ids: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    request_timeout: float = 10.0
    rate_limit: str | None = None
    phases: tuple[str, ...] = PHASES
    max_time: float | None = None


@dataclass
class CheckFailure:
    """One distinct failure: which check, a one-line reason and a curl command reproducing it."""

    operation: str
    check: str
    title: str
    reason: str
    curl: str
    message: str = ""


@dataclass
class OperationScore:
    """Checks run against one operation."""

    label: str
    cases: int = 0
    passed: int = 0
    failed: int = 0
    failures: list[CheckFailure] = field(default_factory=list)
    skipped: str | None = None


@dataclass
class VerifyReport:
    """The outcome of a run."""

    spec: str
    base_url: str
    seed: int | None
    operations: dict[str, OperationScore] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    #: what a run against the mock showed about the spec itself (not failures of the implementation)
    spec_findings: list[str] = field(default_factory=list)

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


def one_line_reason(title: str, message: str, status: int | None = None) -> str:
    """One line in ``Received: ... / Documented: ...`` form where the failure allows it.

    ``status`` is the status code the server answered, when known.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    received = next((line for line in lines if line.startswith("Received")), None)
    documented = next((line for line in lines if line.startswith("Documented")), None)
    expected = next((line for line in lines if line.startswith("Expected")), None)
    if received and documented:
        return f"{received} / {documented}"
    if status is not None and expected:
        return f"{title}: Received: {status} / Documented: {expected.split(':', 1)[1].strip()}"
    first = next((line for line in lines if line != title), "")
    detail = f"Received: {status}" if status is not None else ""
    parts = [p for p in (first, detail) if p]
    return f"{title}: {'; '.join(parts)}" if parts else title


def _resolve_base_url(base_url: str, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The base URL the suite uses, and the document it tests.

    A ``base_url`` without a path gets the spec's first server path. When some path
    items or operations have servers of their own (another prefix, e.g. an ingest
    host), the base URL stays at the host root and each path is tested under its
    own prefix instead: the document's paths are rewritten to full paths.
    """
    base = base_url.rstrip("/")
    if urlsplit(base).path not in ("", "/"):
        return base, document
    root = server_prefixes(document.get("servers"))[0]
    paths = document.get("paths") or {}
    own = any(isinstance(item, dict) and (item.get("servers") or any(
        isinstance(op, dict) and op.get("servers") for m, op in item.items() if m in HTTP_METHODS))
        for item in paths.values())
    if not own:
        return base + root, document
    rewritten: dict[str, Any] = {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        item_prefix = server_prefixes(item["servers"])[0] if item.get("servers") else root
        shared = {k: v for k, v in item.items() if k not in HTTP_METHODS and k != "servers"}
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            prefix = server_prefixes(operation["servers"])[0] if operation.get("servers") else item_prefix
            target = rewritten.setdefault(prefix + path, dict(shared))
            target[method] = {k: v for k, v in operation.items() if k != "servers"}
    return base, {**document, "servers": [{"url": "/"}], "paths": rewritten}


def _config(options: VerifyOptions, base_url: str) -> Any:
    import schemathesis

    headers = dict(options.headers)
    if options.auth is not None:
        user, password = options.auth
        headers.setdefault("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    checks: dict[str, Any] = {"enabled": True}
    for name in options.exclude_checks:
        checks[name] = {"enabled": False}
    data: dict[str, Any] = {
        "base-url": base_url,
        "workers": options.workers,
        "continue-on-failure": True,
        "request-timeout": options.request_timeout,
        "generation": {"max-examples": options.max_examples, "mode": "all"},
        "checks": checks,
        "phases": {name: {"enabled": name in options.phases} for name in PHASES},
    }
    if headers:
        data["headers"] = headers
    if options.seed is not None:
        data["seed"] = options.seed
    if options.rate_limit:
        data["rate-limit"] = options.rate_limit
    if options.max_time:
        data["max-time"] = options.max_time
    return schemathesis.Config.from_dict(data)


def verify(spec_path: str | Path, options: VerifyOptions,
           progress: Callable[[str, int, int], None] | None = None) -> VerifyReport:
    """Run the conformance suite of ``spec_path`` against ``options.base_url``.

    ``progress(label, done, total)`` is called as operations finish.
    """
    import schemathesis
    from schemathesis.engine import events, from_schema

    loaded = load_spec(spec_path)
    base_url, document = _resolve_base_url(options.base_url, loaded.document)
    schema = schemathesis.openapi.from_dict(for_generation(document), config=_config(options, base_url))
    filters: dict[str, Any] = {
        f"{kind}_{what}": ()
        for kind in ("include", "exclude")
        for what in ("path", "method", "name", "tag", "operation_id", "path_regex", "method_regex", "name_regex",
                     "tag_regex", "operation_id_regex")
    }
    filters.update(include_tag=options.tags, include_operation_id=options.operation_ids, include_path=options.paths,
                   include_method=tuple(m.upper() for m in options.methods),
                   include_by=None, exclude_by=None, exclude_deprecated=False)
    schema.filter_set = schema.config.operations.create_filter_set(**filters)
    report = VerifyReport(str(spec_path), base_url, options.seed)
    total = sum(1 for result in schema.get_all_operations() if hasattr(result, "ok") and result.ok())
    started = time.monotonic()
    seen_failures: set[tuple[str, str, str]] = set()
    finished_labels: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event, seen_failures)
            label = event.recorder.label
            if progress is not None and event.phase.value != "stateful" and label not in finished_labels:
                finished_labels.add(label)
                progress(label, len(finished_labels), total)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception}")
        elif isinstance(event, events.Interrupted):
            report.errors.append("interrupted")
    report.duration = time.monotonic() - started
    return report


def _record(report: VerifyReport, event: Any, seen: set[tuple[str, str, str]]) -> None:
    recorder = event.recorder
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
                score.passed += 1
                continue
            score.failed += 1
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            key = (label, check.name, str(getattr(failure, "_unique_key", failure.title)))
            if key in seen:
                continue
            seen.add(key)
            message = str(failure.message or "")
            interaction = recorder.interactions.get(case_id)
            response = getattr(interaction, "response", None)
            status = getattr(response, "status_code", None)
            score.failures.append(CheckFailure(label, check.name, str(failure.title),
                                               one_line_reason(str(failure.title), message, status),
                                               info.code_sample, message))
    for case_id in recorder.cases:
        node = recorder.cases[case_id]
        label = node.value.operation.label
        if label in report.operations:
            report.operations[label].cases += 1


def _mock_credential_headers(document: dict[str, Any]) -> dict[str, str]:
    """Headers carrying the mock's one accepted credential in every security scheme the spec uses (at the
    root or per operation; the first scheme that claims a header keeps it). Keys in a query or a cookie are
    not sent (the suite's own values for them stand)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    requirements = list(document.get("security") or [])
    for item in (document.get("paths") or {}).values():
        for method, operation in (deref(document, item) or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                requirements.extend(operation.get("security") or [])
    headers: dict[str, str] = {}
    for requirement in requirements:
        for name in requirement:
            scheme = deref(document, schemes.get(name) or {})
            header = example_credential(scheme, MOCK_CREDENTIAL) if isinstance(scheme, dict) else None
            if header is not None:
                headers.setdefault(header[0], header[1])
    return headers


_CLIENT_ERRORS = re.compile(r"Received:\s*(4\d\d)\b")


def _spec_findings(report: VerifyReport, document: dict[str, Any]) -> None:
    """Move the mock's undocumented 4xx answers to invalid requests, on operations that document no 4xx
    (nor ``default``), from the failures to ``spec_findings``: the mock cannot answer an invalid request in
    a documented way, the spec should document it (lint's ``error-responses`` warns too). A 401 or 403 whose
    reproduction carried the mock's credential headers stays a failure (best effort: one request is kept
    per distinct failure)."""
    credential_headers = [name.lower() for name in _mock_credential_headers(document)]
    silent: set[str] = set()
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (deref(document, item) or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                statuses = [str(code).upper() for code in (operation.get("responses") or {})]
                if not any(code.startswith("4") or code == "DEFAULT" for code in statuses):
                    silent.add(f"{method.upper()} {path}")
    for score in report.operations.values():
        kept: list[CheckFailure] = []
        for failure in score.failures:
            found = _CLIENT_ERRORS.search(failure.message) or _CLIENT_ERRORS.search(failure.reason)
            refused = found is not None and found.group(1) in ("401", "403") and all(
                f"-h '{name}:" in failure.curl.lower() for name in credential_headers)
            if failure.check == "status_code_conformance" and found and not refused and score.label in silent:
                report.spec_findings.append(f"{score.label} documents no 4xx response: the mock answered an "
                                            f"invalid request with {found.group(1)} (lint: error-responses)")
                score.failed = max(score.failed - 1, 0)
            else:
                kept.append(failure)
        score.failures = kept


@contextmanager
def _mock(spec_path: str | Path) -> Iterator[str]:
    config = MockConfig(accept_any_credential=False, credentials=frozenset({MOCK_CREDENTIAL}))
    with running(create_app([spec_path], config)) as url:
        yield url


def verify_against_mock(spec_path: str | Path, options: VerifyOptions,
                        progress: Callable[[str, int, int], None] | None = None) -> VerifyReport:
    """Run the suite against apitwin's own mock of ``spec_path``, in process.

    The mock accepts one credential, which the suite sends (so that the
    ``ignored_auth`` check is meaningful); checks that need a stateful server are
    left out.
    """
    document = load_spec(spec_path).document
    headers = dict(options.headers)
    for key, value in _mock_credential_headers(document).items():
        headers.setdefault(key, value)
    excluded = tuple(dict.fromkeys((*options.exclude_checks, *STATEFUL_CHECKS)))
    with _mock(spec_path) as url:
        opts = VerifyOptions(**{**options.__dict__, "base_url": url, "headers": tuple(headers.items()),
                                "exclude_checks": excluded})
        report = verify(spec_path, opts, progress)
    _spec_findings(report, document)
    return report
