"""The request journal: every request the mock answered, with its validation outcome, in SQLite.

SQLite (a file in a private temporary folder by default) lets every server worker
share one journal. Requests append to a per-process buffer; every 16th request
writes the batch itself (a fraction of a millisecond), and a background thread
writes what is left after 20 ms of quiet. Writing in the request thread keeps the
GIL hand-offs of a busy background writer out of the tail latency.
Each entry keeps the request (method, path, query, headers, body) and the answer
(status, headers, body), bodies bounded to :data:`BODY_LIMIT` characters, so that the
dashboard can show a request in full and replay it. Secrets are redacted before
anything is stored: secret-named headers (``Authorization``, ``Cookie``,
``Set-Cookie``, ``X-Api-Key``), query parameters and JSON fields.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..pipeline.selection import contains
from .redaction import REDACTED, may_hold_secret, redact_body, redact_headers, redact_query

__all__ = ["BODY_LIMIT", "FLUSH_INTERVAL_S", "EnvironHeaders", "Journal", "JournalEntry"]

FLUSH_INTERVAL_S = 0.02
_BUFFER_LIMIT = 64
_KEEP = 5000
log = logging.getLogger("apitwin")

#: the longest body (request or answer) kept, in characters; longer ones are cut and marked truncated
BODY_LIMIT = 16384

_SCHEMA = """
create table if not exists requests (
  id integer primary key autoincrement,
  ts real not null,
  method text not null,
  path text not null,
  query text not null,
  api text not null,
  operation text not null,
  status integer not null,
  headers text not null,
  body text,
  violations text not null,
  duration_ms real not null
)
"""
#: columns added since the first version (a journal file given with journal_path may predate them)
_ADDED_COLUMNS = (("body_size", "integer"), ("response_headers", "text"), ("response_body", "text"),
                  ("response_size", "integer"))
#: the columns of a listing (the answer's headers and body only in one entry's detail)
_LIST_COLUMNS = "id, ts, method, path, query, api, operation, status, headers, body, violations, duration_ms"


class EnvironHeaders:
    """A request's headers as the WSGI environ holds them (``HTTP_X_API_KEY``...): a copy of the environ
    taken in a fraction of a microsecond on the request path; picked, named (``X-Api-Key``) and
    redacted when written, off the request path."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    @classmethod
    def of(cls, environ: dict[str, Any]) -> EnvironHeaders:
        return cls(environ.copy())

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


class Journal:
    """The journal of one app, shared by its worker processes through one SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._buffer: list[JournalEntry] = []
        self._pid = -1
        self._flusher: threading.Thread | None = None
        with self._connect() as conn:
            conn.execute(_SCHEMA)
            present = {row[1] for row in conn.execute("pragma table_info(requests)")}
            for name, kind in _ADDED_COLUMNS:
                if name not in present:
                    conn.execute(f"alter table requests add column {name} {kind}")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=off")  # a journal of a mock: speed over durability
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self._connect()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _ensure_flusher(self) -> None:
        if self._pid != os.getpid():  # first use in this (possibly forked) process
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._buffer = []
            self._flusher = threading.Thread(target=self._run_flusher, name="apitwin-journal", daemon=True)
            self._flusher.start()

    def _run_flusher(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL_S)
            try:
                self.flush()
            except Exception:  # logged and survived: the flusher must outlive any entry and any disk error
                log.exception("journal: cannot write to %s", self.path)

    def record(self, entry: JournalEntry) -> None:
        """Append ``entry`` (written within :data:`FLUSH_INTERVAL_S`)."""
        self._ensure_flusher()
        with self._lock:
            self._buffer.append(entry)  # serialised by the flusher, off the request path
            full = len(self._buffer) >= _BUFFER_LIMIT
        if full:
            try:
                self.flush()
            except Exception as exc:  # the journal must never break an answer
                log.warning("journal: cannot write to %s: %s", self.path, exc)

    def flush(self) -> None:
        """Write this process's buffered entries."""
        with self._lock:
            entries, self._buffer = self._buffer, []
        if not entries:
            return
        rows = []
        for e in entries:
            try:
                rows.append(_row(e))
            except Exception:  # one entry that cannot be stored must not take the others (nor the flusher) along
                log.exception("journal: %s %s -> %s not recorded", e.method, e.path, e.status)
        if not rows:
            return
        conn = self._conn()
        conn.execute("begin immediate")
        try:
            conn.executemany(
                "insert into requests (ts, method, path, query, api, operation, status, headers, body, violations,"
                " duration_ms, body_size, response_headers, response_body, response_size)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("delete from requests where id <= (select max(id) from requests) - ?", (_KEEP,))
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise

    def _flush_logged(self) -> None:
        """Flush before a read; a failure is logged and the read answers from what is stored."""
        try:
            self.flush()
        except Exception as exc:
            log.warning("journal: cannot write to %s: %s", self.path, exc)

    def entries(self, *, limit: int = 100, method: str | None = None, path: str | None = None,
                operation: str | None = None) -> list[dict[str, Any]]:
        """The most recent entries first, optionally filtered."""
        self._flush_logged()
        sql = f"select {_LIST_COLUMNS} from requests where 1=1"
        args: list[Any] = []
        for column, value in (("method", method and method.upper()), ("path", path), ("operation", operation)):
            if value:
                sql += f" and {column} = ?"
                args.append(value)
        sql += " order by id desc limit ?"
        args.append(max(1, min(limit, _KEEP)))
        cursor = self._conn().execute(sql, args)
        names = [d[0] for d in cursor.description]
        out = []
        for row in cursor.fetchall():
            item = dict(zip(names, row, strict=True))
            for key in ("headers", "violations"):
                item[key] = json.loads(item[key])
            item["body"] = _loaded_body(item["body"])
            out.append(item)
        return out

    def entry(self, entry_id: int) -> dict[str, Any] | None:
        """One entry in full: the request, and the answer as sent (``response``), or None when it is gone.

        ``body_text`` and ``response.body_text`` are the bodies as stored (for a replay);
        ``*_truncated`` says when a body was longer than :data:`BODY_LIMIT`; a body that is not
        text is not kept (``binary``: its size only).
        """
        self._flush_logged()
        cursor = self._conn().execute("select * from requests where id = ?", (entry_id,))
        row = cursor.fetchone()
        if row is None:
            return None
        item = dict(zip([d[0] for d in cursor.description], row, strict=True))
        body, size = item.pop("body"), item.pop("body_size")
        response_body, response_size = item.pop("response_body"), item.pop("response_size")
        response_headers = item.pop("response_headers")
        item["headers"] = json.loads(item["headers"])
        item["violations"] = json.loads(item["violations"])
        item.update(_body_fields(body, size))
        item["response"] = {"status": item["status"],
                            "headers": json.loads(response_headers) if response_headers else {},
                            **_body_fields(response_body, response_size)}
        return item

    def count(self, *, method: str, path: str, body: Any = None) -> int:
        """How many recorded requests match ``method`` and ``path`` (and contain ``body``, if given)."""
        matches = self.entries(limit=_KEEP, method=method, path=path)
        if body is None:
            return len(matches)
        return sum(1 for m in matches if contains(m["body"], body))

    def reset(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._buffer = []
        self._conn().execute("delete from requests")


_BINARY = "\x00binary"  # stored for a body that is not UTF-8 text (never a valid text body: NUL first)


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


def _row(e: JournalEntry) -> tuple[Any, ...]:
    """The ``requests`` row of an entry, secrets redacted."""
    body, body_size = _body(e.body)
    response, response_size = _body(e.response_body)
    return (e.ts, e.method, e.path, redact_query(e.query, e.secret_names), e.api, e.operation,
            e.status, _headers_text(e.headers, e.secret_names), body,
            json.dumps(e.violations) if e.violations else "[]", e.duration_ms, body_size,
            None if e.response_headers is None else _headers_text(e.response_headers, frozenset()),
            response, response_size)


def _text(body: str | bytes | None) -> str | None:
    """A body as text, or :data:`_BINARY` when it is not UTF-8."""
    if body is None or isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _BINARY


def _size(text: str | None, raw: str | bytes | None) -> int | None:
    """The size of a body: in characters for text, in bytes for binary data."""
    if raw is None:
        return None
    return len(raw) if text == _BINARY or text is None else len(text)


def _stored_body(text: str | None) -> str | None:
    """The body as stored: JSON bodies with secret-named fields redacted; at most :data:`BODY_LIMIT` characters."""
    if text is None or text == _BINARY:
        return text
    if may_hold_secret(text):
        try:
            text = json.dumps(redact_body(json.loads(text)), ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON (or too deep to read), but mentions a secret
            return REDACTED  # not JSON, but mentions a secret: keep nothing
    return text[:BODY_LIMIT]


def _body_fields(text: str | None, size: int | None) -> dict[str, Any]:
    """``body`` (parsed when JSON), ``body_text``, ``body_size``, ``body_truncated`` and ``binary`` of a stored body."""
    binary = text == _BINARY
    shown = None if binary else text
    return {"body": _loaded_body(shown), "body_text": shown, "body_size": size, "binary": binary,
            "body_truncated": shown is not None and size is not None and size > BODY_LIMIT}


def _loaded_body(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
