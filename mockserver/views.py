"""The only request-time Flask code: adapt the request, call the engine, build the response."""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from .behaviour import cors_headers, planned_delay_ms, planned_fault, preflight_headers
from .config import MockConfig
from .engine import CompiledOperation, Reply, problem_reply
from .examples import parse_prefer
from .journal import Journal, JournalEntry
from .problems import Problem, Violation, render_violations_header
from .recordings import HOP_BY_HOP, Exchange, RecordingIndex
from .validation import IncomingRequest

__all__ = ["OperationHandler", "fast_dispatch", "handle_preflight", "handle_routing_error", "make_view",
           "replay", "to_response"]

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


class OperationHandler:
    """Answers the requests of one operation; called by Flask's view or by the fast dispatch."""

    def __init__(self, operation: CompiledOperation, names: dict[str, str], journal: Journal | None,
                 recordings: RecordingIndex | None = None) -> None:
        self.operation = operation
        self.names = names
        self.journal = journal
        self.recordings = recordings
        config = operation.api.config
        self.config = config
        self.behaviour = bool(config.delay_ms or config.delay_jitter_ms or config.error_rates)

    def __call__(self, req: Request, kwargs: dict[str, str]) -> Response:
        """The response to ``req`` (``kwargs``: the matched rule's variables)."""
        operation, config = self.operation, self.config
        started = time.perf_counter()
        violations: list[Violation] = []
        names = self.names
        incoming = _incoming(req, {names.get(k, k): v for k, v in kwargs.items()}, operation.needs_cookies)
        headers = req.headers
        prefer = parse_prefer(headers.get("Prefer"))
        accept = req.accept_mimetypes if "Accept" in headers else None
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
            recorded = self.recordings.match(req.method, req.path, list(req.args.items(multi=True)), incoming.body) \
                if self.recordings is not None else None
            reply = replay(recorded, self.recordings, config) if recorded is not None and self.recordings else \
                operation.handle(incoming, prefer, accept)
        except Problem as problem:
            if log.isEnabledFor(logging.INFO):
                _log_problem(req, operation.operation.label, problem)
            violations = problem.violations
            reply = operation.error_reply(problem, req.path)
        if self.journal is not None:
            _record(self.journal, operation, req, incoming, reply, violations, started)
        if config.cors and "Origin" in headers:
            reply.headers.update(cors_headers(config, headers.get("Origin"), operation.exposed_headers))
        return to_response(reply)


def replay(exchange: Exchange, index: RecordingIndex, config: MockConfig) -> Reply:
    """The recorded answer, with the violations of a recording that no longer conforms in the usual header."""
    headers = {k: v for k, v in exchange.response_headers.items()
               if k.lower() not in HOP_BY_HOP and k.lower() != "content-type"}
    headers["x-apitwin-recording"] = exchange.source.name if exchange.source else "recorded"
    stale = next((v for e, v in index.stale if e is exchange), None)
    if stale:
        headers[config.violations_header] = render_violations_header(stale)
    return Reply(exchange.status, exchange.response_body, exchange.media_type, headers)


def make_view(operation: CompiledOperation, names: dict[str, str], journal: Journal | None = None,
              recordings: RecordingIndex | None = None) -> Callable[..., Response]:
    """The Flask view function of one operation (``names``: rule variable -> spec parameter name)."""
    handler = OperationHandler(operation, names, journal, recordings)

    def view(**kwargs: Any) -> Response:
        return handler(request._get_current_object(), kwargs)  # type: ignore[attr-defined]

    view.__name__ = f"op_{operation.operation.operation_id}"
    view.handler = handler  # type: ignore[attr-defined]  # used by the fast dispatch
    return view


def fast_dispatch(app: Flask, owners: Callable[[str], set[str] | None] | None = None,
                  ) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """A WSGI entry point that answers operations without Flask's per-request machinery.

    Flask pushes contexts, sends signals and runs hooks for every request, which
    costs as much as the mock's own work. Requests that match an operation go
    straight to its handler; everything else (admin, CORS preflights, 404, 405)
    goes through Flask as usual. ``owners(path)`` gives the methods of a more specific
    path that owns the request path: another method there is a 405, not a match of a
    templated sibling.
    """
    flask_wsgi = app.wsgi_app
    url_map = app.url_map
    handlers = {endpoint: getattr(view, "handler", None) for endpoint, view in app.view_functions.items()}
    lookup = owners or (lambda path: None)

    def dispatch(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        methods = lookup(environ.get("PATH_INFO", ""))
        if methods is not None and environ.get("REQUEST_METHOD") not in methods:
            return flask_wsgi(environ, start_response)  # a concrete path without this method: Flask's 405
        adapter = url_map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException:
            return flask_wsgi(environ, start_response)
        handler = handlers.get(endpoint)
        if handler is None:
            return flask_wsgi(environ, start_response)
        req = Request(environ)
        try:
            response = handler(req, args)
        except ConnectionAbortedError:
            raise
        except Exception as exc:  # as Flask would: log it and answer 500, here as a problem
            log.exception("error answering %s %s", req.method, req.path)
            problem = Problem("internal-error", f"the mock failed to answer: {type(exc).__name__}: {exc}")
            response = to_response(problem_reply(problem, req.path, handler.config))
        return response(environ, start_response)  # type: ignore[no-any-return]

    return dispatch


def _log_problem(req: Request, label: str, problem: Problem) -> None:
    level = logging.WARNING if problem.status >= 500 else logging.INFO
    details = "; ".join(str(v) for v in problem.violations) or problem.detail
    log.log(level, "%s %s %s -> %d: %s", req.method, req.full_path.rstrip("?"), label, problem.status, details)


def handle_preflight(config: MockConfig, methods: Iterable[str], documented_headers: Iterable[str]) -> Response | None:
    """A 204 answer to a CORS preflight, or None when the request is not one."""
    headers = preflight_headers(config, request.headers, methods, documented_headers)  # type: ignore[arg-type]
    if headers is None:
        return None
    return Response(status=204, headers=headers)


def handle_routing_error(error: HTTPException, config: MockConfig, known: Callable[[str], list[str]],
                         owner: Callable[[str], CompiledOperation | None] | None = None) -> Response:
    """404 / 405 (with ``Allow``) / trailing-slash mismatches.

    Under the prefix of one API, in that API's documented error model (``owner(path)``
    gives an operation of it that documents the status), as a real server does;
    elsewhere as problem+json.
    """
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
    operation = owner(request.path) if owner is not None else None
    reply = operation.error_reply(problem, request.path) if operation is not None else problem_reply(
        problem, request.path, config)
    if config.cors and "Origin" in request.headers:
        reply.headers.update(cors_headers(config, request.headers.get("Origin"), ()))
    return to_response(reply)
