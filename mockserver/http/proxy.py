"""``apitwin record``: a validating, recording proxy in front of one real implementation.

Every request is forwarded to the configured upstream (and only there: the target
is the upstream's base URL plus the request's path, never a URL taken from the
request), the request and the real answer are validated against the spec, each
deviation is logged and counted, and the exchange is written as a recording
(:mod:`mockserver.recordings`) with secrets redacted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from flask import Flask, Response, request

from ..config import MockConfig
from ..modes.recordings import HOP_BY_HOP, Exchange, write_recording
from ..pipeline.problems import Problem, Violation, render_violations_header
from ..pipeline.selfcheck import check_response
from .app import create_app
from .dispatch import incoming
from .router import RouteMatch, Router

__all__ = ["ProxyStats", "RecordingProxy", "create_proxy_app"]

log = logging.getLogger("apitwin")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@dataclass
class ProxyStats:
    """What the proxy saw: exchanges forwarded and recorded, and those with deviations."""

    exchanges: int = 0
    deviations: int = 0
    unknown: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class RecordingProxy:
    """Forwards each request to ``upstream``, validates both sides against the spec, records the exchange."""

    def __init__(self, router: Router, upstream: str, folder: Path | None, config: MockConfig,
                 timeout: float = 30.0) -> None:
        self.router = router
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
        body = request.get_data(cache=True)
        route = self.router.match(request.method, request.path)
        operation = route.operation if isinstance(route, RouteMatch) else None
        violations: list[Violation] = []
        if not isinstance(route, RouteMatch):
            violations.append(Violation("path", request.path, "no operation of the spec matches this request"))
        else:
            violations.extend(self.request_violations(route))
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        target = self.base + request.full_path.rstrip("?") if request.query_string else self.base + request.path
        try:
            answer = self.client.request(request.method, target, headers=headers, content=body)
        except httpx.HTTPError as exc:
            log.warning("record: %s %s: upstream %s failed: %s", request.method, request.path, self.base, exc)
            return Response(f"apitwin record: the upstream {self.base} did not answer: {exc}\n", status=502,
                            mimetype="text/plain")
        if operation is not None:
            violations.extend(check_response(operation.responses, answer.status_code,
                                             answer.headers.get("Content-Type"), answer.content))
        exchange = Exchange(method=request.method, path=request.path,
                            query=list(request.args.items(multi=True)),
                            request_headers=dict(request.headers.items()), request_body=body,
                            status=answer.status_code, response_headers=dict(answer.headers.items()),
                            response_body=answer.content,
                            operation=operation.operation.operation_id if operation else None,
                            violations=[v.as_dict() for v in violations])
        if self.folder is not None:
            written = write_recording(self.folder, exchange)
            log.info("record: %s %s -> %d recorded in %s", request.method, request.path, answer.status_code,
                     written.name)
        with self.stats.lock:
            self.stats.exchanges += 1
            self.stats.deviations += bool(violations)
            self.stats.unknown += operation is None
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
    config = config or MockConfig(cors=False)
    mock = create_app(spec_paths, config)
    proxy = RecordingProxy(mock.extensions["apitwin_router"], upstream, folder, config, timeout)
    app = Flask("apitwin-record")
    app.extensions["apitwin_proxy"] = proxy.stats
    app.add_url_rule("/", "forward", proxy.forward, defaults={"path": ""}, methods=_METHODS)
    app.add_url_rule("/<path:path>", "forward", proxy.forward, methods=_METHODS)
    return app
