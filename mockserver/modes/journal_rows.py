"""One journal entry and its row: what a request leaves on the request path (:class:`JournalEntry`,
:class:`EnvironHeaders`), and the row written for it, named, bounded and redacted (:func:`row`)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from .redaction import REDACTED, may_hold_secret, redact_body, redact_headers, redact_query

__all__ = ["BINARY", "BODY_LIMIT", "EnvironHeaders", "JournalEntry", "row"]

#: the longest body (request or answer) kept, in characters; longer ones are cut and marked truncated
BODY_LIMIT = 16384

class EnvironHeaders:
    """A request's headers as the WSGI environ holds them (``HTTP_X_API_KEY``...): a copy of the environ
    taken in a fraction of a microsecond on the request path; picked, named (``X-Api-Key``) and
    redacted when written, off the request path."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    @classmethod
    def of(cls, environ: dict[str, Any]) -> EnvironHeaders:
        kept = environ.copy()
        for key in _HEAVY_KEYS:  # the body stream, the socket, werkzeug's request: not held while buffered
            kept.pop(key, None)
        return cls(kept)

    def raw(self) -> tuple[tuple[str, Any], ...]:
        """The environ's header entries, as they are (a cache key)."""
        return tuple((k, v) for k, v in self.environ.items() if k.startswith("HTTP_") or k in _CONTENT_KEYS)

    def items(self) -> list[tuple[str, str]]:
        """(name, value) pairs, named as werkzeug names them."""
        out = []
        for key, value in self.environ.items():
            if key in _CONTENT_KEYS:
                if value:
                    out.append((key.replace("_", "-").title(), value))
            elif key.startswith("HTTP_") and key not in _HTTP_CONTENT_KEYS:
                out.append((key[5:].replace("_", "-").title(), value))
        return out


_CONTENT_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HEAVY_KEYS = ("wsgi.input", "wsgi.errors", "wsgi.file_wrapper", "werkzeug.request", "werkzeug.socket",
               "gunicorn.socket")
_HTTP_CONTENT_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


@dataclass(slots=True)
class JournalEntry:
    """One answered request. Secrets are redacted when the entry is written, off the request path."""

    method: str
    path: str
    query: str
    api: str
    operation: str
    status: int
    headers: Any  # a mapping, (name, value) pairs, or EnvironHeaders
    body: str | bytes | None  # the body as received (text, or bytes decoded when written)
    violations: list[dict[str, str]]
    duration_ms: float
    ts: float = field(default_factory=time.time)
    response_headers: dict[str, str] | None = None  # as sent (a copy)
    response_body: bytes | None = None  # as sent
    secret_names: frozenset[str] = frozenset()  # lower-case header and query names of the spec's API keys


BINARY = "\x00binary"  # stored for a body that is not UTF-8 text (never a valid text body: NUL first)


_CACHE_LIMIT = 1024
#: serialised, redacted forms already computed: clients send the same headers again and again, and an answer
#: from the spec's examples is the same bytes each time (the journal's cost is mostly serialising)
_headers_json: dict[tuple[Any, ...], str] = {}
_bodies: dict[bytes | str, tuple[str | None, int | None]] = {}


def _cached(cache: dict[Any, Any], key: Any, make: Any) -> Any:
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


def _headers_text(headers: Any, secret_names: frozenset[str]) -> str:
    """The JSON text of ``headers``, secrets redacted."""
    key = headers.raw() if isinstance(headers, EnvironHeaders) else tuple(
        headers.items() if hasattr(headers, "items") else headers)
    return str(_cached(_headers_json, (key, secret_names),
                       lambda: json.dumps(redact_headers(headers, secret_names))))


def _body(raw: str | bytes | None) -> tuple[str | None, int | None]:
    """(the body as stored, its size) of a body as received or sent."""
    if raw is None:
        return None, None
    if len(raw) > 4096:
        text = _text(raw)
        return _stored_body(text), _size(text, raw)

    def make() -> tuple[str | None, int | None]:
        text = _text(raw)
        return _stored_body(text), _size(text, raw)

    return _cached(_bodies, raw, make)  # type: ignore[no-any-return]


def row(e: JournalEntry) -> tuple[Any, ...]:
    """The ``requests`` row of an entry, secrets redacted."""
    body, body_size = _body(e.body)
    response, response_size = _body(e.response_body)
    return (e.ts, e.method, e.path, redact_query(e.query, e.secret_names), e.api, e.operation,
            e.status, _headers_text(e.headers, e.secret_names), body,
            json.dumps(e.violations) if e.violations else "[]", e.duration_ms, body_size,
            None if e.response_headers is None else _headers_text(e.response_headers, frozenset()),
            response, response_size)


def _text(body: str | bytes | None) -> str | None:
    """A body as text, or :data:`BINARY` when it is not UTF-8."""
    if body is None or isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return BINARY


def _size(text: str | None, raw: str | bytes | None) -> int | None:
    """The size of a body: in characters for text, in bytes for binary data."""
    if raw is None:
        return None
    return len(raw) if text == BINARY or text is None else len(text)


def _stored_body(text: str | None) -> str | None:
    """The body as stored: JSON bodies with secret-named fields redacted; at most :data:`BODY_LIMIT` characters."""
    if text is None or text == BINARY:
        return text
    if may_hold_secret(text):
        try:
            text = json.dumps(redact_body(json.loads(text)), ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON (or too deep to read), but mentions a secret
            return REDACTED  # not JSON, but mentions a secret: keep nothing
    return text[:BODY_LIMIT]


