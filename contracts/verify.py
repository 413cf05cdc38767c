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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockserver import MockConfig, create_app, load_spec, running
from mockserver.spec import HTTP_METHODS, server_prefixes

from .failures import one_line_reason
from .generation import for_generation
from .spec_findings import move_spec_findings
from .verify_credentials import MOCK_CREDENTIAL, BadIdentities, identity_names, mock_api_keys, mock_credential_headers
from .verify_events import CONNECTION_CHECK, TIMEOUT_CHECK, EventConsumer
from .verify_inprocess import in_process
from .verify_options import NothingSelected, VerifyOptions
from .verify_report import PHASES, CheckFailure, CheckTally, OperationScore, VerifyReport
from .verify_split import in_processes, process_count

__all__ = ["CONNECTION_CHECK", "PHASES", "TIMEOUT_CHECK", "BadIdentities", "CheckFailure", "CheckTally",
           "NothingSelected", "OperationScore", "Unreachable", "VerifyOptions", "VerifyReport", "identity_names",
           "mock_api_keys", "mock_credential_headers", "one_line_reason", "reachable", "verify",
           "verify_against_mock"]

#: checks that need a server that keeps state; a stateless mock cannot pass them
STATEFUL_CHECKS = ("use_after_free", "ensure_resource_availability")
#: the host schemathesis' WSGI transport puts in the requests it passes to an app
WSGI_HOST = "localhost"


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
    if options.max_response_time:  # schemathesis' opt-in check: an answer slower than this many seconds fails
        checks["max_response_time"] = options.max_response_time
    data: dict[str, Any] = {
        "base-url": base_url,
        "workers": options.workers,
        "continue-on-failure": True,
        "request-timeout": options.request_timeout,
        # no shrinking: it replays a failing case hundreds of times beyond --max-examples (the failure is
        # reported as found); no example database: nothing written in the caller's folder, nothing replayed
        "generation": {"max-examples": options.max_examples, "mode": "all", "no-shrink": True, "database": "none"},
        # no cache either: schemathesis would keep a .schemathesis/ folder in the current folder (run counts, which
        # user each operation settled on), and carry what an earlier run learned into this one
        "cache": {"enabled": False},
        "checks": checks,
        "phases": {name: {"enabled": name in options.phases} for name in PHASES},
    }
    if options.cacert:
        data["tls-verify"] = options.cacert
    if options.api_keys:
        data["auth"] = {"openapi": {name: {"api_key": key} for name, key in options.api_keys}}
    if options.identities:  # schemathesis' Web Fuzzing Commons support: one identity per operation, peers probed
        if options.api_keys or options.auth:
            raise BadIdentities("give the credentials in the identities document, not with --auth or --api-key too")
        data["auth"] = {"wfc": {"path": options.identities,
                                "peers": identity_names(options.identities, options.peers)}}
    if headers:
        data["headers"] = headers
    if options.parameters:
        data["parameters"] = dict(options.parameters)
    if options.seed is not None:
        data["seed"] = options.seed
    if options.rate_limit:
        data["rate-limit"] = options.rate_limit
    # --max-time is not given to schemathesis: with a time budget its engine repeats the fuzzing and
    # stateful phases until the budget is spent, whatever --max-examples says. apitwin runs each phase
    # once and stops the engine itself when the time is up (see verify()).
    return schemathesis.Config.from_dict(data)


class Unreachable(Exception):
    """The implementation under test cannot be reached at all (refused, unknown host, TLS handshake failed)."""


def reachable(base_url: str, timeout: float, cacert: str | None = None) -> None:
    """Raise :class:`Unreachable` with a one-line reason when nothing answers at ``base_url``.

    One TCP connection (and TLS handshake for https, with ``cacert`` as the only trusted
    CA when given); no HTTP request is sent.
    """
    import socket
    import ssl

    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if parts.scheme == "https":
                context = ssl.create_default_context(cafile=cacert)
                with context.wrap_socket(sock, server_hostname=host):
                    pass
    except ssl.SSLError as exc:
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        raise Unreachable(f"TLS handshake with {host}:{port} failed: {reason}"
                          + ("" if cacert else " (give the CA with --cacert)")) from None
    except TimeoutError:
        raise Unreachable(f"no answer from {host}:{port} in {timeout:g}s") from None
    except OSError as exc:
        raise Unreachable(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None


#: seconds past --max-time that verify() waits for requests in flight before it gives up on them
GRACE = 2.0


def verify(spec_path: str | Path, options: VerifyOptions,
           progress: Callable[[str, int, int], None] | None = None, *, app: Any = None) -> VerifyReport:
    """Run the conformance suite of ``spec_path`` against ``options.base_url``.

    ``progress(label, done, total)`` is called as operations finish. With
    ``options.max_time`` the run returns within that many seconds (plus
    :data:`GRACE`): the engine is told to stop, what ran is reported, and
    ``report.cut`` says it was cut. Raises :class:`Unreachable` when nothing
    answers at the base URL.
    """
    import threading

    import schemathesis
    from schemathesis.engine import from_schema

    started = options.started if options.started is not None else time.monotonic()
    loaded = load_spec(spec_path)
    base_url, document = _resolve_base_url(options.base_url, loaded.document)
    if app is None:
        reachable(base_url, min(options.request_timeout, 10.0), options.cacert)
    schema = schemathesis.openapi.from_dict(for_generation(document), config=_config(options, base_url))
    if app is not None:  # verify_against_mock: each request is a call of the mock's WSGI app
        in_process(schema, app)
    filters: dict[str, Any] = {
        f"{kind}_{what}": ()
        for kind in ("include", "exclude")
        for what in ("path", "method", "name", "tag", "operation_id", "path_regex", "method_regex", "name_regex",
                     "tag_regex", "operation_id_regex")
    }
    filters.update(include_by=_selector(options), exclude_by=None, exclude_deprecated=False)
    schema.filter_set = schema.config.operations.create_filter_set(**filters)
    report = VerifyReport(str(spec_path), base_url, options.seed)
    total = sum(1 for result in schema.get_all_operations() if hasattr(result, "ok") and result.ok())
    if total == 0:
        filters_given = (("tag", options.tags), ("operation-id", options.operation_ids), ("path", options.paths),
                         ("method", options.methods))
        given = [f"--{flag} {value}" for flag, values in filters_given for value in values]
        raise NothingSelected(f"no operation of {spec_path} matches {' '.join(given)}" if given
                              else f"{spec_path} has no operation to test")
    run = EventConsumer(report, total, progress, options.request_timeout, waits=options.rate_limit == "auto",
                        sanitization=schema.config.output.sanitization)
    stream = from_schema(schema).execute()
    consumer = threading.Thread(target=run.consume, args=(stream,), name="apitwin-verify", daemon=True)
    consumer.start()
    if options.max_time:
        deadline = started + options.max_time
        consumer.join(max(deadline - time.monotonic(), 0))
        if consumer.is_alive():
            stream.stop()  # the engine finishes the cases in flight and reports what ran
            consumer.join(GRACE)
        with run.lock:
            run.abandoned = consumer.is_alive()
            if run.abandoned or run.stop_reason == "interrupted":
                report.cut = f"cut at --max-time {options.max_time:g}s: the results are those of the requests sent"
    else:
        consumer.join()
    if run.crash is not None and not isinstance(run.crash, (KeyboardInterrupt, SystemExit)):
        raise run.crash
    report.duration = time.monotonic() - started
    return report


def _selector(options: VerifyOptions) -> Callable[[Any], bool] | None:
    """Whether an operation is selected: it matches every kind of filter given (tag, operationId, path,
    method, label), and any value of each kind. (schemathesis' own filters select what matches any one filter:
    ``--path /a --method POST`` would test every POST.)"""
    if not (options.tags or options.operation_ids or options.paths or options.methods or options.operations):
        return None

    def selected(ctx: Any) -> bool:
        operation = ctx.operation
        raw = getattr(operation.definition, "raw", None) or {}
        return _selects(options, raw, operation.method, operation.path)

    return selected


def _selects(options: VerifyOptions, operation: dict[str, Any], method: str, path: str) -> bool:
    """Whether ``options``' filters select the operation ``method`` ``path``."""
    return ((not options.tags or bool(set(options.tags) & set(operation.get("tags") or ())))
            and (not options.operation_ids or operation.get("operationId") in options.operation_ids)
            and (not options.paths or path in options.paths)
            and (not options.methods or method.upper() in {m.upper() for m in options.methods})
            and (not options.operations or f"{method.upper()} {path}" in options.operations))


def selected_labels(document: dict[str, Any], options: VerifyOptions) -> list[str]:
    """The labels (``GET /pets/{id}``) of the operations of ``document`` (as tested) that ``options`` select,
    in document order."""
    return [f"{method.upper()} {path}" for path, item in (document.get("paths") or {}).items()
            if isinstance(item, dict)
            for method, operation in item.items()
            if method in HTTP_METHODS and isinstance(operation, dict) and _selects(options, operation, method, path)]


@contextmanager
def mock_of(spec_path: str | Path) -> Iterator[str]:
    """apitwin's mock of ``spec_path`` in a thread, accepting only ``MOCK_CREDENTIAL``; yields its URL.
    Callbacks are off: the suite's generated URLs would be called."""
    config = MockConfig(accept_any_credential=False, credentials=frozenset({MOCK_CREDENTIAL}), callbacks=False)
    with running(create_app([spec_path], config)) as url:
        yield url


def verify_against_mock(spec_path: str | Path, options: VerifyOptions,
                        progress: Callable[[str, int, int], None] | None = None) -> VerifyReport:
    """Run the suite against apitwin's own mock of ``spec_path``, in process.

    The mock accepts one credential, which the suite sends (so that the
    ``ignored_auth`` check is meaningful); checks that need a stateful server are
    left out. The suite calls the mock's WSGI app directly (schemathesis' WSGI
    transport): the same app and answers as over HTTP, without a socket, a server
    thread or an HTTP client per request. ``options.workers`` above 1: the operations are dealt out
    to that many processes (:mod:`.verify_split`), when there are enough of them.
    """
    with fewer_collections():
        return _against_mock(spec_path, options, progress)


#: the collector's first threshold during a run against the mock (Python's default: 700 allocations)
GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic collector run far less often for the block, then as before: a run against the mock allocates
    millions of short-lived objects (cases, requests, answers) that reference counting frees, and the default
    threshold spent 8% of the DSS spec's CPU time in collections that found little (issue 14: 96 -> 89 CPU s)."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _against_mock(spec_path: str | Path, options: VerifyOptions,
                  progress: Callable[[str, int, int], None] | None) -> VerifyReport:
    document = load_spec(spec_path).document
    if options.workers > 1:
        labels = selected_labels(_resolve_base_url(f"http://{WSGI_HOST}", document)[1], options)
        processes = process_count(options.workers, len(labels))
        if processes > 1:
            return in_processes(spec_path, options, labels, processes, progress, verify_against_mock)
    headers = dict(options.headers)
    for key, value in mock_credential_headers(document).items():
        headers.setdefault(key, value)
    excluded = tuple(dict.fromkeys((*options.exclude_checks, *STATEFUL_CHECKS)))
    config = MockConfig(accept_any_credential=False, credentials=frozenset({MOCK_CREDENTIAL}), callbacks=False)
    api_keys = tuple(dict((*mock_api_keys(document), *options.api_keys)).items())
    opts = VerifyOptions(**{**options.__dict__, "base_url": f"http://{WSGI_HOST}", "headers": tuple(headers.items()),
                            "exclude_checks": excluded, "api_keys": api_keys, "workers": 1})
    report = verify(spec_path, opts, progress, app=create_app([spec_path], config))
    # the labels are the tested document's paths (full paths when operations have servers of their own)
    tested = _resolve_base_url(opts.base_url, document)[1]
    move_spec_findings(report, tested, [name.lower() for name in mock_credential_headers(document)])
    return report
