"""The only request-time Flask code: adapt the request, call the engine, build the response."""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from .behaviour import cors_headers, planned_delay_ms, planned_fault, preflight_headers
from .config import MockConfig
from .engine import CompiledOperation, Reply, problem_reply
from .examples import parse_prefer
from .journal import Journal, JournalEntry
from .problems import Problem, Violation
from .validation import IncomingRequest

__all__ = ["handle_preflight", "handle_routing_error", "make_view", "to_response"]

log = logging.getLogger("apitwin")
_rng = random.Random()


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
    """A Flask response for a :class:`~mockserver.engine.Reply`."""
    if reply.media_type:
        return Response(reply.body, status=reply.status, headers=reply.headers, content_type=reply.media_type)
    response = Response(reply.body, status=reply.status, headers=reply.headers)
    response.headers.pop("Content-Type", None)
    return response


def _incoming(req: Request, path_params: dict[str, str], cookies: bool) -> IncomingRequest:
    headers = req.headers
    return IncomingRequest(
        method=req.method,
        path=req.path,
        path_params=path_params,
        query=req.args,
        headers=headers,  # type: ignore[arg-type]  # case-insensitive
        cookies=req.cookies if cookies else {},
        content_type=headers.get("Content-Type"),
        body=req.get_data(cache=True),
        query_string=req.query_string,
    )


def _record(journal: Journal, operation: CompiledOperation, req: Request, incoming: IncomingRequest, reply: Reply,
            violations: list[Violation], started: float) -> None:
    body = incoming.body.decode("utf-8", "replace") if incoming.body else None
    journal.record(JournalEntry(
        method=req.method, path=req.path, query=req.query_string.decode("latin-1"), api=operation.api.name,
        operation=operation.operation.operation_id, status=reply.status,
        headers=list(req.headers.items()), body=body,
        violations=[v.as_dict() for v in violations], duration_ms=(time.perf_counter() - started) * 1000))


def make_view(operation: CompiledOperation, names: dict[str, str],
              journal: Journal | None = None) -> Callable[..., Response]:
    """The view function of one operation (``names``: rule variable -> spec parameter name)."""

    def view(**kwargs: Any) -> Response:
        started = time.perf_counter()
        violations: list[Violation] = []
        req: Request = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
        incoming = _incoming(req, {names.get(k, k): v for k, v in kwargs.items()}, operation.needs_cookies)
        prefer = parse_prefer(req.headers.get("Prefer"))
        accept = req.accept_mimetypes if "Accept" in req.headers else None
        config = operation.api.config
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
            reply = operation.handle(incoming, prefer, accept)
        except Problem as problem:
            if log.isEnabledFor(logging.INFO):
                _log_problem(operation.operation.label, problem)
            violations = problem.violations
            reply = operation.error_reply(problem, req.path)
        if journal is not None:
            _record(journal, operation, req, incoming, reply, violations, started)
        if config.cors and "Origin" in req.headers:
            reply.headers.update(cors_headers(config, req.headers.get("Origin"), operation.exposed_headers))
        return to_response(reply)

    view.__name__ = f"op_{operation.operation.operation_id}"
    return view


def _log_problem(label: str, problem: Problem) -> None:
    level = logging.WARNING if problem.status >= 500 else logging.INFO
    details = "; ".join(str(v) for v in problem.violations) or problem.detail
    log.log(level, "%s %s %s -> %d: %s", request.method, request.full_path.rstrip("?"), label, problem.status, details)


def handle_preflight(config: MockConfig, methods: Iterable[str], documented_headers: Iterable[str]) -> Response | None:
    """A 204 answer to a CORS preflight, or None when the request is not one."""
    headers = preflight_headers(config, request.headers, methods, documented_headers)  # type: ignore[arg-type]
    if headers is None:
        return None
    return Response(status=204, headers=headers)


def handle_routing_error(error: HTTPException, config: MockConfig, known: Callable[[str], list[str]]) -> Response:
    """404 / 405 (with ``Allow``) / trailing-slash mismatches as problem+json."""
    if isinstance(error, RequestRedirect):
        target = error.new_url.split("://", 1)[-1].split("/", 1)[-1]
        problem = Problem("not-found", f"no operation at {request.path}; the spec has /{target.split('?')[0]}",
                          [Violation("path", request.path, "unknown path (trailing slash differs)")])
    elif isinstance(error, MethodNotAllowed):
        allowed = sorted(set(error.valid_methods or []))
        problem = Problem("method-not-allowed", f"{request.method} is not documented for {request.path}; "
                          f"allowed: {', '.join(allowed)}",
                          [Violation("method", request.method, f"allowed: {', '.join(allowed)}")],
                          headers={"Allow": ", ".join(allowed)})
    elif isinstance(error, NotFound):
        apis = ", ".join(known(request.path)) or "none"
        problem = Problem("not-found", f"no operation of the served APIs matches {request.method} {request.path}",
                          [Violation("path", request.path, f"unknown path; served APIs: {apis}")])
    else:
        return Response(error.get_body(), status=error.code or 500, headers=error.get_headers())
    log.info("%s %s -> %d: %s", request.method, request.full_path.rstrip("?"), problem.status, problem.detail)
    reply = problem_reply(problem, request.path, config)
    if config.cors and "Origin" in request.headers:
        reply.headers.update(cors_headers(config, request.headers.get("Origin"), ()))
    return to_response(reply)
