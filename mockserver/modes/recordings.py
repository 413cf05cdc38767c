"""Recorded exchanges: one readable YAML file per request and answer, written atomically, secrets redacted.

A recording file::

    operation: getProject            # operationId, when the request matched one
    request:
      method: GET
      path: /public/api/projects/CHURN
      query: [[limit, "10"]]
      headers: {Authorization: "[redacted]", Accept: application/json}
      json: {...}                     # or text: ..., or base64: ...
    response:
      status: 200
      headers: {Content-Type: application/json}
      json: {...}
    violations: []                   # what the validation proxy found, request and response

:class:`RecordingIndex` answers a request from the recordings (matched on method,
path, query and body; the newest recording wins).
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import write_atomically
from ..pipeline.problems import Violation
from ..pipeline.request import media_base
from .redaction import Redactor

__all__ = ["Exchange", "RecordingIndex", "decode_body", "encode_body", "load_recordings", "write_recording"]

log = logging.getLogger("apitwin")

#: headers that belong to one connection and are never recorded nor replayed
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "content-length", "content-encoding", "host", "date",
                        "server"})
_counter = itertools.count(1)
_lock = threading.Lock()
_DEFAULT_REDACTOR = Redactor()


@dataclass
class Exchange:
    """One recorded request and its answer."""

    method: str
    path: str
    query: list[tuple[str, str]]
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    operation: str | None = None
    violations: list[dict[str, str]] = field(default_factory=list)
    source: Path | None = None

    @property
    def media_type(self) -> str | None:
        """The recorded answer's Content-Type."""
        for name, value in self.response_headers.items():
            if name.lower() == "content-type":
                return value
        return None


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def encode_body(body: bytes, media_type: str) -> dict[str, Any]:
    """A body as readable YAML data: ``json``, ``text`` or ``base64``.

    JSON is recognised by its media type, or when it has none (dataikuapi sends JSON without a
    Content-Type).
    """
    if not body:
        return {}
    if media_type == "application/json" or media_type.endswith("+json") or not media_type:
        try:
            return {"json": json.loads(body)}
        except (ValueError, RecursionError):
            pass
    if media_type.startswith("text/") or media_type in ("application/xml", "application/x-www-form-urlencoded"):
        try:
            return {"text": body.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"base64": base64.b64encode(body).decode("ascii")}


def decode_body(data: dict[str, Any]) -> bytes:
    """The bytes of a body written by :func:`encode_body`."""
    if "json" in data:
        return json.dumps(data["json"], ensure_ascii=False).encode("utf-8")
    if "text" in data:
        return str(data["text"]).encode("utf-8")
    if "base64" in data:
        return base64.b64decode(str(data["base64"]))
    return b""


def _encoded(body: bytes, headers: dict[str, str], redactor: Redactor) -> dict[str, Any]:
    """A body redacted on its bytes (under its full Content-Type: a multipart boundary), then encoded:
    a body kept as ``base64`` (multipart, binary) is redacted too."""
    content_type = _content_type(headers)
    return encode_body(redactor.body(body, content_type or None), media_base(content_type))


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")[:60] or "root"


def write_recording(folder: Path, exchange: Exchange, redactor: Redactor = _DEFAULT_REDACTOR) -> Path:
    """Write ``exchange`` as one YAML file in ``folder``, atomically (a temporary file renamed into place).

    Secrets are redacted by ``redactor``: headers, query parameters, both bodies. The
    violations are written as given (the proxy scrubs the request's secrets from them).
    """
    folder.mkdir(parents=True, exist_ok=True)
    with _lock:
        number = next(_counter)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{number:04d}-{exchange.method}-{_slug(exchange.path)}.yaml"
    document = {
        "operation": exchange.operation,
        "request": {"method": exchange.method, "path": exchange.path,
                    "query": [list(p) for p in redactor.pairs(exchange.query)],
                    "headers": redactor.headers(exchange.request_headers),
                    **_encoded(exchange.request_body, exchange.request_headers, redactor)},
        "response": {"status": exchange.status,
                     "headers": {k: v for k, v in redactor.headers(exchange.response_headers).items()
                                 if k.lower() not in HOP_BY_HOP},
                     **_encoded(exchange.response_body, exchange.response_headers, redactor)},
        "violations": exchange.violations,
    }
    import yaml  # here: a start without recordings imports no YAML

    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return write_atomically(folder / name, text, durable=True)


def load_recordings(folder: Path) -> list[Exchange]:
    """Every recording under ``folder`` (sorted by file name: oldest first). Unreadable files are reported."""
    import yaml

    out = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            request, response = data["request"], data["response"]
            out.append(Exchange(
                method=str(request["method"]).upper(), path=str(request["path"]),
                query=[(str(k), str(v)) for k, v in request.get("query") or []],
                request_headers={str(k): str(v) for k, v in (request.get("headers") or {}).items()},
                request_body=decode_body(request), status=int(response["status"]),
                response_headers={str(k): str(v) for k, v in (response.get("headers") or {}).items()},
                response_body=decode_body(response), operation=data.get("operation"),
                violations=list(data.get("violations") or []), source=path))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            log.warning("%s: not a recording (%s: %s), skipped", path, type(exc).__name__, exc)
    return out


def _body_key(body: bytes) -> str:
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return body.decode("latin-1")


class RecordingIndex:
    """Recorded answers by (method, path, sorted query, normalised body); the newest wins.

    Recordings keep no secrets, so requests are matched with their secrets redacted by
    ``redactor`` (the one that wrote them): a recorded login matches the next login.
    """

    def __init__(self, exchanges: list[Exchange], redactor: Redactor = _DEFAULT_REDACTOR) -> None:
        self.exchanges = exchanges
        self.redactor = redactor
        self._index: dict[tuple[str, str, tuple[tuple[str, str], ...], str], Exchange] = {}
        for exchange in exchanges:
            self._index[self._key(exchange.method, exchange.path, exchange.query, exchange.request_body,
                                  _content_type(exchange.request_headers))] = exchange
        #: recordings whose answer no longer conforms to the spec: (exchange, violations)
        self.stale: list[tuple[Exchange, list[Violation]]] = []

    def _key(self, method: str, path: str, query: list[tuple[str, str]], body: bytes,
             content_type: str | None) -> tuple[str, str, tuple[tuple[str, str], ...], str]:
        """The lookup key of a request, its secrets redacted."""
        return (method.upper(), path, tuple(sorted(self.redactor.pairs(query))),
                _body_key(self.redactor.body(body, content_type or None)))

    def match(self, method: str, path: str, query: list[tuple[str, str]], body: bytes,
              content_type: str | None = None) -> Exchange | None:
        """The recorded exchange for this request, or None."""
        return self._index.get(self._key(method, path, query, body, content_type))
