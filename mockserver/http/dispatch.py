"""Dispatch: the WSGI entry point in front of Flask, and the request-time code of every operation.

:class:`Dispatcher` answers every request that is not for apitwin's own endpoints
without Flask's per-request machinery (contexts, signals, hooks cost as much as the
mock's own work): it asks the :class:`~.router.Router`, then hands the request to the
operation's :class:`OperationHandler`, which adapts it (:func:`.incoming.incoming`), applies
delays and faults, replays a recording if one matches, and otherwise calls the
spine (:meth:`CompiledOperation.handle`). Admin endpoints go to Flask.
"""

from __future__ import annotations

import errno
import logging
import random
import socket
import time
from collections.abc import Callable, Iterable
from functools import partial
from operator import attrgetter
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

from ..config import MockConfig
from ..errors import bounded_traceback, one_line
from ..modes.callbacks import Callbacks, Trigger
from ..modes.cors import cors_headers, preflight_headers
from ..modes.faults import planned_delay_ms, planned_fault
from ..modes.journal import EnvironHeaders, Journal, environ_kept
from ..modes.recordings import HOP_BY_HOP, Exchange, RecordingIndex
from ..modes.redaction import REDACTED, Redactor
from ..modes.redaction_messages import clean_problem, request_secrets
from ..modes.store import StoreUnavailable
from ..pipeline.operation import CompiledOperation
from ..pipeline.problems import Problem, Reply, Violation, problem_reply, render_violations_header
from ..pipeline.request import (
    IncomingRequest,
    is_json,
    parse_accept,
    query_items,
)
from .incoming import RequestHeaders, incoming, size_body
from .request_log import RequestLog
from .router import Preflight, RouteMiss, Router

__all__ = ["Dispatcher", "OperationHandler", "miss_reply", "replay", "send", "to_response"]

log = logging.getLogger("apitwin")
#: the refused requests' lines: each written once a second, its repeats counted (:mod:`.request_log`)
REQUEST_LOG = RequestLog(log)
_rng = random.Random()
#: what a journal entry keeps of a violation, a tuple of text (a Violation held is an object the collector tracks)
_VIOLATION_FIELDS = attrgetter("location", "pointer", "message")

#: a WSGI application
WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def _drop_connection(req: Request, fault: str, hold_s: float) -> None:
    """Reset the client's TCP connection (SO_LINGER 0), as a crashed or overloaded server would;
    ``fault=timeout`` holds it ``hold_s`` first.

    Only a server that hands the connection's socket to the app can (gunicorn, werkzeug's);
    granian keeps it in Rust, and no answer it can be given closes a connection unanswered:
    there the request gets a 501 problem that names the server that can.
    """
    sock = req.environ.get("gunicorn.socket") or req.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        server = str(req.environ.get("SERVER_SOFTWARE") or "this server").split("/")[0]
        raise Problem("fault-unsupported", f"Prefer: fault={fault} needs a server that can reset a connection: "
                      f"{server} cannot; run apitwin serve --server gunicorn")
    if fault == "timeout":
        time.sleep(hold_s)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    # ECONNRESET: the servers take it for a client gone away, never an error worth a traceback
    raise ConnectionResetError(errno.ECONNRESET, "apitwin: connection reset on purpose (Prefer: fault)")


def to_response(reply: Reply) -> Response:
    """A werkzeug response for a :class:`~mockserver.pipeline.problems.Reply`."""
    if reply.media_type:
        return Response(reply.body, status=reply.status, headers=reply.headers, content_type=reply.media_type)
    response = Response(reply.body, status=reply.status, headers=reply.headers)
    response.headers.pop("Content-Type", None)
    return response


#: status lines as werkzeug writes them ("200 OK")
_STATUS_LINES: dict[int, str] = {}
#: headers werkzeug rewrites or that change the framing: a reply with one goes through werkzeug's Response
_SPECIAL_HEADERS = frozenset({"location", "content-location", "content-type", "content-length"})


def send(reply: Reply, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Send ``reply`` as werkzeug's ``to_response(reply)`` would, without building its Response and Headers
    (a quarter of a request's own work): the plain case written directly, any other through werkzeug."""
    status = reply.status
    body = reply.body
    plain = 200 <= status != 204 and status != 304 and isinstance(body, bytes)
    headers: list[tuple[str, str]] = []
    if plain:
        for name, value in reply.headers.items():
            if (not isinstance(value, str) or "\n" in value or "\r" in value
                    or name.lower() in _SPECIAL_HEADERS):
                plain = False
                break
            headers.append((name, value))
    media_type = reply.media_type
    if not plain or (media_type and ("\n" in media_type or "\r" in media_type)):
        return to_response(reply)(environ, start_response)
    if media_type:
        headers.append(("Content-Type", media_type))
    headers.append(("Content-Length", str(len(body))))
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = Response(status=status).status
    start_response(line, headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _record(journal: Journal, operation_id: str, api: str, req: Request, body: bytes | None, reply: Reply,
            violations: list[Violation], started: float, redactor: int, headers: EnvironHeaders | None = None) -> None:
    """Journal the request and the answer as sent: a :data:`~..modes.journal_rows.RawEntry` of the values
    as they are (named, decoded, redacted and serialised when written, off the request path), bodies cut to
    what the journal keeps; one with short bodies appended by the buffer's own append (:attr:`Journal.hold`)
    (``operation_id`` empty: no operation matched; ``started``: ``perf_counter()`` when the request arrived;
    ``redactor``: its key in the journal; ``headers``: taken from the environ already, else the entry keeps the
    environ, itself or a copy (:func:`~..modes.journal_rows.environ_kept`), cheaper than picking them)."""
    environ = req.environ
    response_body = reply.body
    size = len(response_body) if body is None else len(body) + len(response_body)
    body_size = response_size = None
    short = size <= journal.uncounted_bytes
    if not short:
        limit = 4 * journal.body_limit
        if body is not None and len(body) > limit:
            body_size, body = len(body), body[:limit]
        if len(response_body) > limit:
            response_size, response_body = len(response_body), response_body[:limit]
    names: str | None
    values: tuple[Any, ...] | dict[str, Any]
    if headers is None:
        names, values = None, environ_kept(environ)
    else:
        names, values = headers.names, headers.values
    sent = reply.headers
    entry = (time.perf_counter(), req.method, req.path, environ.get("QUERY_STRING", ""), api, operation_id,
             reply.status, names, values, body, body_size,
             tuple(map(_VIOLATION_FIELDS, violations)) if violations else (),
             started, sent.copy() if sent else (), reply.media_type, response_body, response_size, redactor)
    if short:
        journal.hold(entry)
        if journal.closed:  # closed while this entry was on its way: written at once, as record() does
            journal.flush_logged()
    else:
        journal.record(entry)


def cleaned(problem: Problem, req: Request, body: bytes | None, redactor: Redactor, config: MockConfig,
            request: IncomingRequest | None = None, headers: EnvironHeaders | None = None) -> Problem:
    """``problem`` without the secret values ``req`` carries, the values it quotes cut to the echo limit
    (``request``: the request as the pipeline read it, whose parsed JSON body is not parsed again;
    ``headers``: its headers, taken from the environ already)."""
    parsed = request.json if request is not None and request.media_type and is_json(request.media_type) else None
    environ = req.environ
    content_type = request.content_type if request is not None else req.headers.get("Content-Type")
    secrets = request_secrets(redactor, headers if headers is not None else EnvironHeaders(environ),
                              environ.get("QUERY_STRING", ""), body, content_type, parsed,
                              request.path_params if request else None)
    return clean_problem(problem, secrets, config.max_echo_chars)


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
                 recordings: RecordingIndex | None = None, redactor: Redactor | None = None,
                 callbacks: Callbacks | None = None) -> None:
        self.operation = operation
        self.journal = journal
        self.recordings = recordings
        self.redactor = redactor or Redactor(operation.api.config.redact)
        self.callbacks = callbacks
        #: the redactor's key in the journal (what a journal entry holds)
        self.redactor_key = journal.redactor_key(self.redactor) if journal is not None else -1
        config = operation.api.config
        self.config = config
        self.behaviour = bool(config.delay_ms or config.delay_jitter_ms or config.error_rates)
        self.api_name = operation.api.name

    def __call__(self, req: Request, path_params: dict[str, str]) -> Response:
        """The response to ``req`` (``path_params``: under the spec's names)."""
        reply, after = self.answer(req, path_params)
        response = to_response(reply)
        if after is not None:
            response.call_on_close(after)
        return response

    def reply(self, req: Request, path_params: dict[str, str]) -> Reply:
        """The answer to ``req`` (``path_params``: under the spec's names)."""
        return self.answer(req, path_params)[0]

    def answer(self, req: Request, path_params: dict[str, str]) -> tuple[Reply, Callable[[], None] | None]:
        """The answer to ``req`` and what to do once it has been sent (its callbacks), if anything."""
        operation, config = self.operation, self.config
        started = time.perf_counter()
        violations: list[Violation] = []
        captured = None
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
            if fault in ("timeout", "reset"):
                _drop_connection(req, fault, config.fault_timeout_s)
            recorded = self.recordings.match(req.method, req.path, query_items(request.query), request.body,
                                             request.content_type) if self.recordings is not None else None
            reply = replay(recorded, self.recordings, config) if recorded is not None and self.recordings else \
                operation.handle(request, prefer, accept)
        except Problem as raised:
            # the traceback's frames hold the problem that holds them: a reference cycle per refused request,
            # left to the garbage collector (a tenth of such a request's work); the answer needs none of it
            raised.__traceback__ = None
            captured = EnvironHeaders(req.environ)
            problem = cleaned(raised, req, request.body, self.redactor, config, request, captured)
            path = _shown_path(req.path, path_params, self.redactor)
            if log.isEnabledFor(logging.INFO):
                _log_problem(req, path, operation.operation.label, problem, self.redactor)
            violations = problem.violations
            reply = operation.error_reply(problem, path)
        if config.cors and "Origin" in headers:
            reply.headers.update(cors_headers(config, headers.get("Origin"), operation.exposed_headers))
        if self.journal is not None:
            _record(self.journal, operation.operation.operation_id, self.api_name, req, request.body or None, reply,
                    violations, started, self.redactor_key, captured)
        after = None
        if self.callbacks is not None and 200 <= reply.status < 300 and req.method != "HEAD":
            trigger = Trigger(req.url, req.method, request, reply.status, dict(reply.headers), reply.body,
                              reply.media_type)
            after = partial(self.callbacks.fire, trigger)
        return reply, after


def miss_reply(miss: RouteMiss, req: Request, config: MockConfig, redactor: Redactor | None = None) -> Reply:
    """The answer to a request no operation matches: in the owning API's error model, else problem+json."""
    problem = miss.problem
    if log.isEnabledFor(logging.INFO):
        target = (redactor or Redactor(config.redact)).target(req.full_path.rstrip("?"))
        REQUEST_LOG.line(logging.INFO, f"{req.method} {target} -> {problem.status}: {problem.detail}")
    reply = miss.owner.error_reply(problem, req.path) if miss.owner is not None else problem_reply(
        problem, req.path, config)
    if config.cors and "Origin" in req.headers:
        reply.headers.update(cors_headers(config, req.headers.get("Origin"), ()))
    return reply


def _shown_path(path: str, path_params: dict[str, str], redactor: Redactor) -> str:
    """``path`` as an error answer or a log line shows it: the values of secret path parameters replaced."""
    for name, value in path_params.items():
        if value and redactor.is_secret(name):
            path = path.replace(value, REDACTED)
    return path


def _log_problem(req: Request, path: str, label: str, problem: Problem, redactor: Redactor) -> None:
    status = problem.status
    details = "; ".join([str(v) for v in problem.violations]) or problem.detail
    query = "?" + redactor.query(req.query_string.decode("latin-1")) if req.query_string else ""
    REQUEST_LOG.line(logging.WARNING if status >= 500 else logging.INFO,
                     f"{req.method} {path}{query} {label} -> {status}: {details}")


class Dispatcher:
    """The mock's WSGI entry point: apitwin's own endpoints (under ``admin_prefix``) to ``admin``, the rest routed.

    ``handlers`` maps each operation to its handler; ``documented_headers`` are the header
    parameters of the specs, which CORS preflights may ask for.
    """

    def __init__(self, router: Router, handlers: dict[int, OperationHandler], admin: WSGIApp, admin_prefix: str,
                 config: MockConfig, documented_headers: list[str], redactor: Redactor | None = None,
                 journal: Journal | None = None) -> None:
        self.router = router
        self.redactor = redactor or Redactor(config.redact)
        #: where requests no operation answers are journaled too (operation ``""``; their body is not read)
        self.journal = journal
        self.redactor_key = journal.redactor_key(self.redactor) if journal is not None else -1
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
        # no ``environ["werkzeug.request"]``: that back-reference made each request a cycle for the collector
        req = Request(environ, populate_request=False)
        req.headers = RequestHeaders(environ)
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
            started = time.perf_counter()
            reply = miss_reply(route, req, self.config, self.redactor)
            if self.journal is not None:
                owner = route.owner.api.name if route.owner is not None else ""
                _record(self.journal, "", owner, req, None, reply, route.problem.violations, started, self.redactor_key)
            return to_response(reply)(environ, start_response)
        handler = self.handlers[id(route.operation)]
        req.max_content_length = self.config.max_body_bytes
        try:
            size_body(environ, self.config.max_body_bytes)
            reply, after = handler.answer(req, route.params)
            sent = send(reply, environ, start_response)
            # callbacks go when the server closes the answer: after it was sent
            return sent if after is None else ClosingIterator(sent, after)
        except ConnectionResetError:
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
            log.error("error answering %s %s\n%s", req.method, req.path, bounded_traceback(exc))
            problem = Problem("internal-error",
                              f"the mock failed to answer: {type(exc).__name__}: {one_line(str(exc))}")
            problem = cleaned(problem, req, req.get_data(cache=True), self.redactor, self.config)
            response = to_response(problem_reply(problem, req.path, self.config))
        return response(environ, start_response)
