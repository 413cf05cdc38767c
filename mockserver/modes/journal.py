"""The request journal: every request the mock answered, with its validation outcome, in SQLite.

SQLite (a file in a private temporary folder by default) lets every server worker
share one journal. Requests append to a per-process buffer; every 16th request
writes the batch itself (a fraction of a millisecond), and a background thread
writes what is left after 20 ms of quiet. Writing in the request thread keeps the
GIL hand-offs of a busy background writer out of the tail latency.
Secrets are redacted before anything is stored.
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
from .redaction import REDACTED, SECRET_NAME, redact_body, redact_headers

__all__ = ["FLUSH_INTERVAL_S", "Journal", "JournalEntry"]

FLUSH_INTERVAL_S = 0.02
_BUFFER_LIMIT = 64
_KEEP = 5000

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


@dataclass
class JournalEntry:
    """One answered request. Secrets are redacted when the entry is written, off the request path."""

    method: str
    path: str
    query: str
    api: str
    operation: str
    status: int
    headers: Any  # a mapping or (name, value) pairs
    body: str | None  # the raw text of the body
    violations: list[dict[str, str]]
    duration_ms: float
    ts: float = field(default_factory=time.time)


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
            except sqlite3.Error:
                continue

    def record(self, entry: JournalEntry) -> None:
        """Append ``entry`` (written within :data:`FLUSH_INTERVAL_S`)."""
        self._ensure_flusher()
        with self._lock:
            self._buffer.append(entry)  # serialised by the flusher, off the request path
            full = len(self._buffer) >= _BUFFER_LIMIT
        if full:
            try:
                self.flush()
            except sqlite3.Error as exc:  # the journal must never break an answer
                logging.getLogger("apitwin").warning("journal: %s", exc)

    def flush(self) -> None:
        """Write this process's buffered entries."""
        with self._lock:
            entries, self._buffer = self._buffer, []
        if not entries:
            return
        rows = [(e.ts, e.method, e.path, e.query, e.api, e.operation, e.status, json.dumps(redact_headers(e.headers)),
                 _stored_body(e.body), json.dumps(e.violations), e.duration_ms) for e in entries]
        conn = self._conn()
        conn.execute("begin immediate")
        try:
            conn.executemany(
                "insert into requests (ts, method, path, query, api, operation, status, headers, body, violations,"
                " duration_ms) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("delete from requests where id <= (select max(id) from requests) - ?", (_KEEP,))
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise

    def entries(self, *, limit: int = 100, method: str | None = None, path: str | None = None,
                operation: str | None = None) -> list[dict[str, Any]]:
        """The most recent entries first, optionally filtered."""
        self.flush()
        sql = "select * from requests where 1=1"
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


def _stored_body(text: str | None) -> str | None:
    """The body as stored: JSON bodies with secret-named fields redacted; others truncated."""
    if text is None:
        return None
    if SECRET_NAME.search(text):
        try:
            return json.dumps(redact_body(json.loads(text)))
        except ValueError:
            return REDACTED  # not JSON, but mentions a secret: keep nothing
    return text[:16384]


def _loaded_body(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
