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
from werkzeug.exceptions import HTTPException

from .app import create_app
from .config import MockConfig
from .engine import CompiledOperation
from .problems import Problem, Violation, render_violations_header
from .recordings import HOP_BY_HOP, Exchange, write_recording
from .validation import IncomingRequest

__all__ = ["ProxyStats", "create_proxy_app"]

log = logging.getLogger("apitwin")


@dataclass
class ProxyStats:
    """What the proxy saw: exchanges forwarded and recorded, and those with deviations."""

    exchanges: int = 0
    deviations: int = 0
    unknown: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_proxy_app(spec_paths: Sequence[str | os.PathLike[str]], upstream: str, folder: Path | None,
                     config: MockConfig | None = None, timeout: float = 30.0) -> Flask:
    """A Flask app forwarding every request to ``upstream``, validating and recording each exchange in ``folder``."""
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--upstream must be an http(s) URL, got {upstream!r}")
    base = upstream.rstrip("/")
    mock = create_app(spec_paths, config or MockConfig(cors=False))
    adapter_map = mock.url_map
    handlers = {endpoint: getattr(view, "handler", None) for endpoint, view in mock.view_functions.items()}
    client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    stats = ProxyStats()
    app = Flask("apitwin-record")
    app.extensions["apitwin_proxy"] = stats

    def locate() -> tuple[CompiledOperation | None, dict[str, str]]:
        try:
            endpoint, args = adapter_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return None, {}
        handler = handlers.get(endpoint)
        if handler is None:
            return None, {}
        return handler.operation, {handler.names.get(k, k): v for k, v in args.items()}

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    def forward(path: str) -> Response:
        body = request.get_data(cache=True)
        operation, params = locate()
        violations: list[Violation] = []
        if operation is None:
            violations.append(Violation("path", request.path, "no operation of the spec matches this request"))
        else:
            incoming = IncomingRequest(method=request.method, path=request.path, path_params=params,
                                       query=request.args, headers=request.headers,  # type: ignore[arg-type]
                                       cookies=request.cookies, content_type=request.headers.get("Content-Type"),
                                       body=body, query_string=request.query_string)
            try:
                operation.security.check(incoming.headers, incoming.query, incoming.cookies)
                operation.validator.validate(incoming)
            except Problem as problem:
                violations.extend(Violation(f"request {v.location}", v.pointer, v.message)
                                  for v in problem.violations or [Violation("request", "", problem.detail)])
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        target = base + request.full_path.rstrip("?") if request.query_string else base + request.path
        try:
            answer = client.request(request.method, target, headers=headers, content=body)
        except httpx.HTTPError as exc:
            log.warning("record: %s %s: upstream %s failed: %s", request.method, request.path, base, exc)
            return Response(f"apitwin record: the upstream {base} did not answer: {exc}\n", status=502,
                            mimetype="text/plain")
        if operation is not None:
            violations.extend(operation.check_response(answer.status_code, answer.headers.get("Content-Type"),
                                                       answer.content))
        exchange = Exchange(method=request.method, path=request.path,
                            query=list(request.args.items(multi=True)),
                            request_headers=dict(request.headers.items()), request_body=body,
                            status=answer.status_code, response_headers=dict(answer.headers.items()),
                            response_body=answer.content,
                            operation=operation.operation.operation_id if operation else None,
                            violations=[v.as_dict() for v in violations])
        if folder is not None:
            written = write_recording(folder, exchange)
            log.info("record: %s %s -> %d recorded in %s", request.method, request.path, answer.status_code,
                     written.name)
        with stats.lock:
            stats.exchanges += 1
            stats.deviations += bool(violations)
            stats.unknown += operation is None
        out_headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
        if violations:
            label = operation.operation.label if operation else f"{request.method} {request.path}"
            log.warning("record: deviation in %s -> %d: %s", label, answer.status_code,
                        "; ".join(str(v) for v in violations))
            out_headers.append(("sl-violations", render_violations_header(violations)))
        return Response(answer.content, status=answer.status_code, headers=out_headers)

    return app
