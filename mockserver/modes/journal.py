"""The request journal: every request the mock answered, with its validation outcome, in SQLite.

SQLite (a file in a private temporary folder by default) lets every server worker
share one journal. Requests append to a per-process buffer; every 16th request
writes the batch itself (a fraction of a millisecond), and a background thread
writes what is left after 20 ms of quiet. Writing in the request thread keeps the
GIL hand-offs of a busy background writer out of the tail latency.
Each entry keeps the request (method, path, query, headers, body) and the answer
(status, headers, body), so that the dashboard can show a request in full and replay
it. Bodies are bounded (``MockConfig.journal_body_chars``, default :data:`BODY_LIMIT`
characters): a longer one is cut on the request path already (an entry never holds a
whole 10 MB body), kept cut and marked ``body_truncated`` with its full size. Secrets are
redacted before anything is stored, by the app's :class:`~.redaction.Redactor`: secret
headers (``Authorization``, ``Cookie``, the specs' API-key headers such as DSS's
``X-DKU-APITicket``), query parameters, and secret-named fields of JSON (with or
without a Content-Type), form, multipart and XML bodies.
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
from .redaction import Redactor

__all__ = ["BODY_LIMIT", "FLUSH_INTERVAL_S", "EnvironHeaders", "Journal", "JournalEntry", "cut_body"]

FLUSH_INTERVAL_S = 0.02
_BUFFER_LIMIT = 64
_KEEP = 5000
log = logging.getLogger("apitwin")

#: the longest body (request or answer) kept by default, in characters; longer ones are cut and marked truncated
BODY_LIMIT = 16384
_DEFAULT_REDACTOR = Redactor()

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
    body: str | bytes | None  # the body as received (text, or bytes decoded when written), or its start
    violations: list[dict[str, str]]
    duration_ms: float
    ts: float = field(default_factory=time.time)
    response_headers: dict[str, str] | None = None  # as sent (a copy)
    response_body: bytes | None = None  # as sent, or its start
    redactor: Redactor = _DEFAULT_REDACTOR  # what is secret (the app's: the specs' scheme names, --redact)
    body_size: int | None = None  # the size of the whole body, when ``body`` is its start (see cut_body)
    response_size: int | None = None  # the same for ``response_body``


class Journal:
    """The journal of one app, shared by its worker processes through one SQLite file."""

    def __init__(self, path: str, body_limit: int = BODY_LIMIT) -> None:
        self.path = path
        #: the longest body kept, in characters
        self.body_limit = body_limit
        self._local = threading.local()
        self._lock = threading.Lock()
        self._buffer: list[JournalEntry] = []
        self._pid = -1
        self._flusher: threading.Thread | None = None
        self._closed = False
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

    def close(self) -> None:
        """Stop this process's flusher after writing what it holds (an app replaced by a hot reload);
        an entry recorded later (a request still in flight on the old app) is written at once."""
        self._closed = True
        self.flush()

    def _run_flusher(self) -> None:
        while not self._closed:
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
            full = len(self._buffer) >= _BUFFER_LIMIT or self._closed
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
                rows.append(_row(e, self.body_limit))
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
            shown, item["body_truncated"] = _uncut(item["body"])
            item["body"] = _loaded_body(None if shown == _BINARY else shown)
            out.append(item)
        return out

    def entry(self, entry_id: int) -> dict[str, Any] | None:
        """One entry in full: the request, and the answer as sent (``response``), or None when it is gone.

        ``body_text`` and ``response.body_text`` are the bodies as stored (for a replay);
        ``*_truncated`` says when a body was longer than the journal's limit (``body_size``: its whole
        size, in bytes); a body that is not text is not kept (``binary``: its size only).
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
_CUT = "\x00cut"  # the marker at the end of a body stored cut to the journal's limit


def cut_body(body: bytes | None, limit: int) -> tuple[bytes | None, int | None]:
    """(the start of ``body`` that a journal of ``limit`` characters may keep, its whole size in bytes).

    Called on the request path, so that an entry waiting to be written never holds more
    than ``4 * limit`` bytes (the most a UTF-8 text of ``limit`` characters takes).
    """
    if body is None:
        return None, None
    return (body[:4 * limit] if len(body) > 4 * limit else body), len(body)


def _header(headers: Any, name: str) -> str | None:
    items = headers.items() if hasattr(headers, "items") else headers
    return next((str(v) for k, v in items if str(k).lower() == name), None)


def _row(e: JournalEntry, limit: int) -> tuple[Any, ...]:
    """The ``requests`` row of an entry, secrets redacted, bodies bounded to ``limit`` characters."""
    redactor = e.redactor
    body, body_size = _stored_body(e.body, e.body_size, _header(e.headers, "content-type"), redactor, limit)
    response, response_size = _stored_body(e.response_body, e.response_size,
                                           _header(e.response_headers or {}, "content-type"), redactor, limit)
    return (e.ts, e.method, e.path, redactor.query(e.query), e.api, e.operation,
            e.status, json.dumps(redactor.headers(e.headers)), body,
            json.dumps(e.violations), e.duration_ms, body_size,
            None if e.response_headers is None else json.dumps(redactor.headers(e.response_headers)),
            response, response_size)


def _text(body: bytes, cut: bool) -> str | None:
    """A body as text (a cut one may end inside a character: that one is dropped), or None when not UTF-8."""
    for end in range(len(body), max(len(body) - 4, 0) if cut else len(body) - 1, -1):
        try:
            return body[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _stored_body(raw: str | bytes | None, size: int | None, content_type: str | None, redactor: Redactor,
                 limit: int) -> tuple[str | None, int | None]:
    """(the body as stored, its whole size in bytes): text with its secrets redacted, at most ``limit``
    characters, marked with :data:`_CUT` at the end when it was cut; :data:`_BINARY` for a body that
    is not UTF-8 text."""
    if raw is None:
        return None, None
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    size = len(data) if size is None else size
    cut = size > len(data)
    text = _text(data, cut)
    if text is None:
        return _BINARY, size
    if len(text) > limit:
        text, cut = text[:limit], True
    if redactor.may_hold_secret(text):  # every secret name appears in the text (most bodies have none)
        text = redactor.body(text.encode("utf-8", "surrogatepass"), content_type).decode("utf-8", "surrogatepass")
    if len(text) > limit:
        text, cut = text[:limit], True
    return text + _CUT if cut else text, size


def _uncut(text: str | None) -> tuple[str | None, bool]:
    """(a stored body without its :data:`_CUT` marker, whether it was cut)."""
    if text is not None and text.endswith(_CUT):
        return text[:-len(_CUT)], True
    return text, False


def _body_fields(text: str | None, size: int | None) -> dict[str, Any]:
    """``body`` (parsed when JSON), ``body_text``, ``body_size``, ``body_truncated`` and ``binary`` of a stored body."""
    binary = text == _BINARY
    shown, cut = _uncut(None if binary else text)
    return {"body": _loaded_body(shown), "body_text": shown, "body_size": size, "binary": binary,
            "body_truncated": cut}


def _loaded_body(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
