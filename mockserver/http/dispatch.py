"""Dispatch: the WSGI entry point in front of Flask, and the request-time code of every operation.

:class:`Dispatcher` answers every request that is not for apitwin's own endpoints
without Flask's per-request machinery (contexts, signals, hooks cost as much as the
mock's own work): it asks the :class:`~.router.Router`, then hands the request to the
operation's :class:`OperationHandler`, which adapts it (:func:`incoming`), applies
delays and faults, replays a recording if one matches, and otherwise calls the
spine (:meth:`CompiledOperation.handle`). Admin endpoints go to Flask.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ..config import MockConfig
from ..modes.callbacks import Callbacks, Trigger
from ..modes.cors import cors_headers, preflight_headers
from ..modes.faults import planned_delay_ms, planned_fault
from ..modes.journal import Journal, JournalEntry
from ..modes.recordings import HOP_BY_HOP, Exchange, RecordingIndex
from ..modes.store import StoreUnavailable
from ..pipeline.operation import CompiledOperation
from ..pipeline.problems import Problem, Reply, Violation, problem_reply, render_violations_header
from ..pipeline.request import (
    Headers,
    IncomingRequest,
    Prefer,
    parse_accept,
    parse_prefer,
    query_items,
    split_prism_query,
)
from .router import Preflight, RouteMiss, Router

__all__ = ["Dispatcher", "OperationHandler", "incoming", "miss_reply", "replay", "to_response"]

log = logging.getLogger("apitwin")
_rng = random.Random()

#: a WSGI application
WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def _drop_connection(req: Request) -> None:
    """Reset the client's TCP connection (SO_LINGER 0), as a crashed or overloaded server would."""
    sock = req.environ.get("gunicorn.socket") or req.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
    raise ConnectionAbortedError("apitwin: connection reset on purpose (Prefer: fault)")


def to_response(reply: Reply) -> Response:
    """A werkzeug response for a :class:`~mockserver.pipeline.problems.Reply`."""
    if reply.media_type:
        return Response(reply.body, status=reply.status, headers=reply.headers, content_type=reply.media_type)
    response = Response(reply.body, status=reply.status, headers=reply.headers)
    response.headers.pop("Content-Type", None)
    return response


def incoming(req: Request, path_params: dict[str, str], cookies: bool,
             prism_query: bool = True) -> tuple[IncomingRequest, Prefer]:
    """The request as plain data for the pipeline (``cookies``: read them, for operations that use them),
    and its ``Prefer`` directives: the header, and (``prism_query``, for the mock) Prism's ``__code``,
    ``__example`` and ``__dynamic``, taken out of the query."""
    headers: Headers = req.headers
    query, directives = split_prism_query(dict(req.args.lists())) if prism_query else (dict(req.args.lists()), {})
    return IncomingRequest(
        method=req.method,
        path=req.path,
        path_params=path_params,
        query=query,
        headers=headers,
        cookies=req.cookies if cookies else {},
        content_type=headers.get("Content-Type"),
        body=req.get_data(cache=True),
        query_string=req.query_string,
    ), parse_prefer(headers.get("Prefer"), directives)


def _record(journal: Journal, operation: CompiledOperation, req: Request, request: IncomingRequest, reply: Reply,
            violations: list[Violation], started: float) -> None:
    """Journal the request and the answer as sent (decoded and redacted later, off the request path)."""
    headers = dict(reply.headers)
    if reply.media_type:
        headers["Content-Type"] = reply.media_type
    journal.record(JournalEntry(
        method=req.method, path=req.path, query=req.query_string.decode("latin-1"), api=operation.api.name,
        operation=operation.operation.operation_id, status=reply.status,
        headers=list(req.headers.items()), body=request.body or None,
        violations=[v.as_dict() for v in violations], duration_ms=(time.perf_counter() - started) * 1000,
        response_headers=headers, response_body=reply.body, secret_names=operation.security.key_names))


def replay(exchange: Exchange, index: RecordingIndex, config: MockConfig) -> Reply:
    """The recorded answer, with the violations of a recording that no longer conforms in the usual header."""
    headers = {k: v for k, v in exchange.response_headers.items()
               if k.lower() not in HOP_BY_HOP and k.lower() != "content-type"}
    headers["x-apitwin-recording"] = exchange.source.name if exchange.source else "recorded"
    stale = next((v for e, v in index.stale if e is exchange), None)
    if stale:
        headers[config.violations_header] = render_violations_header(stale)
    return Reply(exchange.status, exchange.response_body, exchange.media_type, headers)


class OperationHandler:
    """Answers the requests of one operation: faults and delays, a recorded replay, else the spine."""

    def __init__(self, operation: CompiledOperation, journal: Journal | None,
                 recordings: RecordingIndex | None = None, callbacks: Callbacks | None = None) -> None:
        self.operation = operation
        self.journal = journal
        self.recordings = recordings
        self.callbacks = callbacks
        config = operation.api.config
        self.config = config
        self.behaviour = bool(config.delay_ms or config.delay_jitter_ms or config.error_rates)

    def __call__(self, req: Request, path_params: dict[str, str]) -> Response:
        """The response to ``req`` (``path_params``: under the spec's names)."""
        operation, config = self.operation, self.config
        started = time.perf_counter()
        violations: list[Violation] = []
        request, prefer = incoming(req, path_params, operation.needs_cookies)
        headers = req.headers
        accept = parse_accept(headers.get("Accept"))
        fault = None
        if self.behaviour or prefer.delay_ms is not None or prefer.fault is not None:
            delay = planned_delay_ms(config, prefer, _rng)
            if delay:
                time.sleep(delay / 1000)
            fault = planned_fault(config, prefer, operation.operation.operation_id, _rng)
        try:
            if fault == "500":
                raise Problem("injected-fault", f"fault injected for {operation.operation.label}")
            if fault == "timeout":
                time.sleep(config.fault_timeout_s)
            if fault in ("timeout", "reset"):
                _drop_connection(req)
            recorded = self.recordings.match(req.method, req.path, query_items(request.query), request.body) \
                if self.recordings is not None else None
            reply = replay(recorded, self.recordings, config) if recorded is not None and self.recordings else \
                operation.handle(request, prefer, accept)
        except Problem as problem:
            if log.isEnabledFor(logging.INFO):
                _log_problem(req, operation.operation.label, problem)
            violations = problem.violations
            reply = operation.error_reply(problem, req.path)
        if config.cors and "Origin" in headers:
            reply.headers.update(cors_headers(config, headers.get("Origin"), operation.exposed_headers))
        if self.journal is not None:
            _record(self.journal, operation, req, request, reply, violations, started)
        response = to_response(reply)
        if self.callbacks is not None and 200 <= reply.status < 300 and req.method != "HEAD":  # sent on WSGI close
            trigger = Trigger(req.url, req.method, request, reply.status, dict(reply.headers), reply.body,
                              reply.media_type)
            response.call_on_close(lambda: self.callbacks.fire(trigger) if self.callbacks is not None else None)
        return response


def miss_reply(miss: RouteMiss, req: Request, config: MockConfig) -> Reply:
    """The answer to a request no operation matches: in the owning API's error model, else problem+json."""
    problem = miss.problem
    log.info("%s %s -> %d: %s", req.method, req.full_path.rstrip("?"), problem.status, problem.detail)
    reply = miss.owner.error_reply(problem, req.path) if miss.owner is not None else problem_reply(
        problem, req.path, config)
    if config.cors and "Origin" in req.headers:
        reply.headers.update(cors_headers(config, req.headers.get("Origin"), ()))
    return reply


def _log_problem(req: Request, label: str, problem: Problem) -> None:
    level = logging.WARNING if problem.status >= 500 else logging.INFO
    details = "; ".join(str(v) for v in problem.violations) or problem.detail
    log.log(level, "%s %s %s -> %d: %s", req.method, req.full_path.rstrip("?"), label, problem.status, details)


class Dispatcher:
    """The mock's WSGI entry point: apitwin's own endpoints (under ``admin_prefix``) to ``admin``, the rest routed.

    ``handlers`` maps each operation to its handler; ``documented_headers`` are the header
    parameters of the specs, which CORS preflights may ask for.
    """

    def __init__(self, router: Router, handlers: dict[int, OperationHandler], admin: WSGIApp, admin_prefix: str,
                 config: MockConfig, documented_headers: list[str]) -> None:
        self.router = router
        self.handlers = handlers
        self.admin = admin
        self.admin_prefix = admin_prefix
        self.config = config
        self.documented_headers = documented_headers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # WSGI hands the path as latin-1 text of the raw bytes; URLs are UTF-8 (werkzeug's Request.path does the same)
        path = (environ.get("PATH_INFO", "") or "/").encode("latin-1").decode("utf-8", "replace")
        if path == self.admin_prefix or path.startswith(self.admin_prefix + "/"):
            return self.admin(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        preflight = (self.config.cors and method == "OPTIONS"
                     and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)
        route = self.router.match(method, path, preflight=preflight)
        req = Request(environ)
        if isinstance(route, Preflight):
            headers = preflight_headers(self.config, req.headers, route.methods, self.documented_headers)
            if headers is not None:
                return Response(status=204, headers=headers)(environ, start_response)
            route = route.otherwise
        if isinstance(route, RouteMiss):
            if method == "OPTIONS" and route.problem.kind == "method-not-allowed" and self.config.cors:
                # an undocumented OPTIONS on a known path: what it allows (RFC 9110 section 9.3.7)
                allowed = [m.strip() for m in route.problem.headers.get("Allow", "").split(",") if m.strip()]
                allowed = sorted({*allowed, "OPTIONS", *(["HEAD"] if "GET" in allowed else [])})
                return Response(status=204, headers={"Allow": ", ".join(allowed)})(environ, start_response)
            return to_response(miss_reply(route, req, self.config))(environ, start_response)
        handler = self.handlers[id(route.operation)]
        req.max_content_length = self.config.max_body_bytes
        try:
            response = handler(req, route.params)
        except ConnectionAbortedError:
            raise
        except RequestEntityTooLarge:  # the body is not read: nothing beyond the limit reaches memory
            problem = Problem("payload-too-large", f"the request body is larger than the limit of "
                              f"{self.config.max_body_bytes} bytes (--max-body-bytes)",
                              [Violation("body", "", f"larger than {self.config.max_body_bytes} bytes")])
            response = to_response(route.operation.error_reply(problem, req.path))
        except StoreUnavailable as exc:  # Redis down: the mock is unavailable, not broken; clients may retry
            log.error("%s %s -> 503: %s", req.method, req.path, exc)
            problem = Problem("unavailable", f"the mock's state store is unavailable: {exc}")
            response = to_response(route.operation.error_reply(problem, req.path))
            response.headers["Retry-After"] = "1"
        except Exception as exc:  # log it and answer 500, as a problem
            log.exception("error answering %s %s", req.method, req.path)
            problem = Problem("internal-error", f"the mock failed to answer: {type(exc).__name__}: {exc}")
            response = to_response(problem_reply(problem, req.path, self.config))
        return response(environ, start_response)
