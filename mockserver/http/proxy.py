"""``apitwin record``: a validating, recording proxy in front of one real implementation.

Every request is forwarded to the configured upstream (and only there: the target
is the upstream's base URL plus the request's path, never a URL taken from the
request), the request and the real answer are validated against the spec, each
deviation is logged and counted, and the exchange is written as a recording
(:mod:`mockserver.recordings`) with secrets redacted.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from flask import Flask, Response, request

from ..config import MockConfig
from ..errors import MockServerError
from ..files import display_path
from ..modes.recordings import HOP_BY_HOP, Exchange, write_recording
from ..modes.redaction import Redactor
from ..modes.redaction_messages import clean_violations, request_secrets, scrub
from ..pipeline.problems import Problem, Violation, render_violations_header
from ..pipeline.selfcheck import check_response
from .app import create_app
from .incoming import incoming
from .router import RouteMatch, Router

__all__ = ["ProxyStats", "RecordingFolderError", "RecordingProxy", "create_proxy_app"]

log = logging.getLogger("apitwin")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ProxyStats:
    """What the proxy saw: exchanges forwarded and recorded, and those with deviations.

    The counts live in shared memory made before the server starts its worker processes
    (forked): each worker adds to them, and the master (``apitwin record``'s summary) reads
    them after the workers stopped.
    """

    _FIELDS = ("exchanges", "deviations", "unknown", "unrecorded")

    def __init__(self) -> None:
        self._counts = multiprocessing.Array("q", len(self._FIELDS))  # with its own lock

    def add(self, *, deviation: bool, unknown: bool, unrecorded: bool) -> None:
        """Count one exchange."""
        with self._counts.get_lock():
            for index, value in enumerate((True, deviation, unknown, unrecorded)):
                self._counts[index] += int(value)

    def _count(self, name: str) -> int:
        return int(self._counts[self._FIELDS.index(name)])

    @property
    def exchanges(self) -> int:
        """Exchanges forwarded (the upstream answered)."""
        return self._count("exchanges")

    @property
    def deviations(self) -> int:
        """Exchanges with a deviation from the spec (the request's or the answer's)."""
        return self._count("deviations")

    @property
    def unknown(self) -> int:
        """Requests that no operation of the spec matches."""
        return self._count("unknown")

    @property
    def unrecorded(self) -> int:
        """Exchanges answered (the upstream's answer passed through) whose recording could not be written."""
        return self._count("unrecorded")


class RecordingFolderError(MockServerError):
    """The ``--out`` folder cannot be created or written: refused at start, before any request is forwarded."""


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and write (then remove) a file in it; :class:`RecordingFolderError` if it fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".apitwin-probe-"):
            pass
    except OSError as exc:
        raise RecordingFolderError(f"cannot write recordings into {display_path(folder)}: "
                                   f"{exc.strerror or exc}") from None


def contained_path(path: str) -> str | None:
    """``path`` with its dot segments resolved, or None when they climb above its root.

    The segments are looked for after decoding percent-escapes repeatedly (``%2e%2e``,
    ``%252e%252e``, ``..%2f``, any case) and with backslashes read as slashes, as some
    servers do: the upstream must never see a path that leaves its base path.
    """
    decoded = path
    for _ in range(4):
        again = unquote(decoded)
        if again == decoded:
            break
        decoded = again
    segments = decoded.replace("\\", "/").split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if not kept:
                return None
            kept.pop()
        elif segment != ".":
            kept.append(segment)
    return "/" + "/".join(kept)


class RecordingProxy:
    """Forwards each request to ``upstream``, validates both sides against the spec, records the exchange."""

    def __init__(self, router: Router, upstream: str, folder: Path | None, config: MockConfig,
                 timeout: float = 30.0, redactor: Redactor | None = None) -> None:
        self.router = router
        self.redactor = redactor or Redactor(config.redact)
        self.base = upstream.rstrip("/")
        self.folder = folder
        self.config = config
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        self.stats = ProxyStats()

    def request_violations(self, route: RouteMatch) -> list[Violation]:
        """What is wrong with the current request per the spec (security and validation)."""
        operation, data = route.operation, incoming(request, route.params, cookies=True, prism_query=False)[0]
        try:
            operation.security.check(data)
            operation.validator.validate(data)
        except Problem as problem:
            return [Violation(f"request {v.location}", v.pointer, v.message)
                    for v in problem.violations or [Violation("request", "", problem.detail)]]
        return []

    def forward(self, path: str = "") -> Response:
        """The upstream's answer to the current request (recorded, with deviations in the violations header)."""
        contained = contained_path(request.path)
        if contained is None:
            log.warning("record: %s %s refused: it leaves the upstream's base path", request.method,
                        request.path[:200])
            return Response(f"apitwin record: the path {request.path[:200]!r} leaves the upstream's base path: "
                            "refused, nothing forwarded\n", status=400, mimetype="text/plain")
        path = contained
        body = request.get_data(cache=True)
        route = self.router.match(request.method, path)
        operation = route.operation if isinstance(route, RouteMatch) else None
        violations: list[Violation] = []
        if not isinstance(route, RouteMatch):
            violations.append(Violation("path", request.path, "no operation of the spec matches this request"))
        else:
            violations.extend(self.request_violations(route))
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        query = request.query_string.decode("latin-1")
        target = self.base + path + (f"?{query}" if query else "")
        try:
            answer = self.client.request(request.method, target, headers=headers, content=body)
        except httpx.HTTPError as exc:
            said = scrub(self.redactor.target(str(exc)), request_secrets(
                self.redactor, request.headers, query, body, request.headers.get("Content-Type")))
            log.warning("record: %s %s: upstream %s failed: %s", request.method, request.path, self.base, said)
            return Response(f"apitwin record: the upstream {self.base} did not answer: {said}\n", status=502,
                            mimetype="text/plain")
        if operation is not None:
            violations.extend(check_response(operation.responses, answer.status_code,
                                             answer.headers.get("Content-Type"), answer.content))
        if violations:  # what the proxy says (logs, sl-violations, the recording) quotes no secret of either side
            secrets = request_secrets(self.redactor, request.headers, query, body,
                                      request.headers.get("Content-Type")) \
                | request_secrets(self.redactor, answer.headers.items(), "", answer.content,
                                  answer.headers.get("Content-Type"))
            violations = clean_violations(violations, secrets, self.config.max_echo_chars)
        exchange = Exchange(method=request.method, path=path,
                            query=list(request.args.items(multi=True)),
                            request_headers=dict(request.headers.items()), request_body=body,
                            status=answer.status_code, response_headers=dict(answer.headers.items()),
                            response_body=answer.content,
                            operation=operation.operation.operation_id if operation else None,
                            violations=[v.as_dict() for v in violations])
        unrecorded = False
        if self.folder is not None:
            try:
                written = write_recording(self.folder, exchange, self.redactor)
            except Exception as exc:  # the upstream already ran the request: its answer is passed through anyway
                unrecorded = True
                log.error("record: %s %s -> %d NOT RECORDED: cannot write into %s: %s (the upstream's answer was "
                          "passed through)", request.method, request.path, answer.status_code,
                          display_path(self.folder), exc)
            else:
                log.info("record: %s %s -> %d recorded in %s", request.method, request.path, answer.status_code,
                         written.name)
        self.stats.add(deviation=bool(violations), unknown=operation is None, unrecorded=unrecorded)
        out_headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
        if violations:
            label = operation.operation.label if operation else f"{request.method} {request.path}"
            log.warning("record: deviation in %s -> %d: %s", label, answer.status_code,
                        "; ".join(str(v) for v in violations))
            out_headers.append((self.config.violations_header, render_violations_header(violations)))
        return Response(answer.content, status=answer.status_code, headers=out_headers)


def create_proxy_app(spec_paths: Sequence[str | os.PathLike[str]], upstream: str, folder: Path | None,
                     config: MockConfig | None = None, timeout: float = 30.0) -> Flask:
    """A Flask app forwarding every request to ``upstream``, validating and recording each exchange in ``folder``."""
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--upstream must be an http(s) URL, got {upstream!r}")
    if folder is not None:
        check_writable(folder)
    config = config or MockConfig(cors=False)
    mock = create_app(spec_paths, config)
    proxy = RecordingProxy(mock.extensions["apitwin_router"], upstream, folder, config, timeout,
                           mock.extensions["apitwin_redactor"])
    app = Flask("apitwin-record")
    app.extensions["apitwin_proxy"] = proxy.stats
    app.extensions["apitwin_redactor"] = proxy.redactor
    app.add_url_rule("/", "forward", proxy.forward, defaults={"path": ""}, methods=_METHODS)
    app.add_url_rule("/<path:path>", "forward", proxy.forward, methods=_METHODS)
    return app
