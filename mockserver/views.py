"""The only request-time Flask code: adapt the request, call the engine, build the response."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Request, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from .config import MockConfig
from .engine import CompiledOperation, Reply, problem_reply
from .examples import parse_prefer
from .problems import Problem, Violation
from .validation import IncomingRequest

__all__ = ["handle_routing_error", "make_view", "to_response"]

log = logging.getLogger("apitwin")


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


def make_view(operation: CompiledOperation, names: dict[str, str]) -> Callable[..., Response]:
    """The view function of one operation (``names``: rule variable -> spec parameter name)."""

    def view(**kwargs: Any) -> Response:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
        incoming = _incoming(req, {names.get(k, k): v for k, v in kwargs.items()}, operation.needs_cookies)
        prefer = parse_prefer(req.headers.get("Prefer"))
        accept = req.accept_mimetypes if "Accept" in req.headers else None
        try:
            reply = operation.handle(incoming, prefer, accept)
        except Problem as problem:
            if log.isEnabledFor(logging.INFO):
                _log_problem(operation.operation.label, problem)
            reply = operation.error_reply(problem, req.path)
        return to_response(reply)

    view.__name__ = f"op_{operation.operation.operation_id}"
    return view


def _log_problem(label: str, problem: Problem) -> None:
    level = logging.WARNING if problem.status >= 500 else logging.INFO
    details = "; ".join(str(v) for v in problem.violations) or problem.detail
    log.log(level, "%s %s %s -> %d: %s", request.method, request.full_path.rstrip("?"), label, problem.status, details)


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
    return to_response(problem_reply(problem, request.path, config))
