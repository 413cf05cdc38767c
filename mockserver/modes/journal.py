"""The request journal: every request the mock answered, with its validation outcome, in SQLite.

SQLite (a file in a private temporary folder by default) lets every server worker share one
journal. A request costs an append of a tuple to a per-process buffer (:data:`~.journal_rows.RawEntry`;
:attr:`Journal.hold`, the buffer's own append, for short bodies): nothing is named, redacted, serialised
or written on the request path, nor while the process is busy. The
process's writer thread writes the buffer when :data:`_QUIET_TICKS` of its ticks in a row
(every :data:`FLUSH_INTERVAL_S`) came on time and saw no new request (a worker starved of CPU
on a busy machine wakes late, and a late tick must not pass for quiet),
when the bodies it holds pass :data:`_HELD_LIMIT`, when the process exits (drained
before the worker goes: an atexit hook, and multiprocessing's exit hook for forked
workers), or when a reader asks: a read in any worker bumps a generation number in
the file, and every live worker writes what it holds and acknowledges it within
:data:`FLUSH_INTERVAL_S`, the reader waiting for them, so a read sees every request
answered before it. The buffer keeps a process's newest :data:`_KEEP` entries, as
many as the file keeps: under sustained load an entry that leaves it unwritten is one
the file would have dropped, and the work of writing is bounded by what is kept.
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

import atexit
import contextlib
import json
import logging
import multiprocessing.util
import os
import signal
import sqlite3
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from ..errors import bounded_traceback
from ..pipeline.selection import contains
from .fork_guard import sqlite_setup
from .journal_rows import (
    ADDED_COLUMNS,
    BINARY,
    BODY_LIMIT,
    INSERT_ROW,
    LIST_COLUMNS,
    REQUESTS_TABLE,
    UNCOUNTED_BYTES,
    EnvironHeaders,
    JournalEntry,
    RawEntry,
    body_fields,
    cut_body,
    entry_of,
    environ_kept,
    held_bytes,
    learn_object_keys,
    loaded_body,
    uncut,
)
from .journal_rows import row as entry_row
from .redaction import Redactor

__all__ = ["BODY_LIMIT", "FLUSH_INTERVAL_S", "UNCOUNTED_BYTES", "EnvironHeaders", "Journal", "JournalEntry", "RawEntry",
           "cut_body", "environ_kept"]

FLUSH_INTERVAL_S = 0.02
_KEEP = 5000
#: the writer's ticks in a row without a new entry after which the process is quiet and its entries written
_QUIET_TICKS = 10
#: the most entries a quiet tick writes (about 1 ms of the GIL: a request that arrives during a write of
#: the 5,000 held entries waited for all of them, tens of ms, and the p99 of a load starting then showed it)
_QUIET_CHUNK = 100
#: bytes of bodies a process holds unwritten before it writes them, busy or not
_HELD_LIMIT = 8 * 1024 * 1024
#: the longest a read waits for the other workers to write what they hold (a gone worker is not waited
#: for: its pid is checked; a busy worker starved of CPU on a loaded machine took over 2 s to write
#: thousands of held entries, and a read then missed some: this bounds only a wedged worker)
_GATHER_TIMEOUT_S = 15.0
#: the longest a process's exit waits for its writer thread to finish a write under way
_STOP_TIMEOUT_S = 5.0
log = logging.getLogger("apitwin")
#: this process's id, kept current in a forked child: ``os.getpid()`` is a system call, a tenth of an entry's cost
_PROCESS = [os.getpid()]
#: the journals of this process: a forked child's must start their own writer before they hold an entry
_LIVE: weakref.WeakSet[Journal] = weakref.WeakSet()


_STARTING = threading.Lock()  # one thread starts a process's journal (two writers: reads waited for one)


def _forked() -> None:  # the parent's lock (a thread may hold it), buffers and writers are not this process's
    global _STARTING
    _STARTING, _PROCESS[0] = threading.Lock(), os.getpid()
    for journal in list(_LIVE):
        journal.hold = journal.record


if hasattr(os, "register_at_fork"):  # not on Windows, where workers are not forked
    os.register_at_fork(after_in_child=_forked)

#: the processes that hold entries (pid, the last read generation they answered)
_WRITERS = "create table if not exists journal_writers (writer text primary key, pid integer not null," \
           " written integer not null)"
#: the generation a reader asked for (``wanted``)
_CONTROL = "create table if not exists journal_control (k text primary key, v integer not null)"


class Journal:
    """The journal of one app, shared by its worker processes through one SQLite file."""

    def __init__(self, path: str, body_limit: int = BODY_LIMIT) -> None:
        self.path = path
        #: the longest body kept, in characters
        self.body_limit = body_limit
        #: the redactors of the raw entries, which name theirs by its index (:meth:`redactor_key`)
        self.redactors: list[Redactor] = []
        self._local = threading.local()
        self._lock = threading.Lock()  # held while entries are taken from the buffer and written
        self._buffer: deque[JournalEntry | RawEntry] = deque(maxlen=_KEEP)
        self._held = 0  # bytes of counted bodies in the buffer (at least: see _tick)
        self._seen: object = None  # the newest entry at the writer's last tick
        self._idle = 0  # the writer's ticks in a row that saw no new entry
        self._pid = -1
        self._writer = ""
        self._written = 0  # the last generation this process answered
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()
        #: closed (the process is leaving, or a hot reload replaced the app): an entry is written at once
        self.closed = False
        #: what the request path calls to append a raw entry with short bodies (at most
        #: :data:`UNCOUNTED_BYTES`): :meth:`record`, and the buffer's own append once this process's writer
        #: runs, which costs no Python call (the caller calls :meth:`flush_logged` when :attr:`closed`)
        self.hold: Callable[[JournalEntry | RawEntry], None] = self.record
        #: the bodies an entry appended by :attr:`hold` may have, in bytes
        self.uncounted_bytes = min(UNCOUNTED_BYTES, 4 * body_limit)
        self._exited = -1  # the pid of a process that drained this journal on exit
        # closed here, not left to the collector: the server's master makes the app, gc.freeze()s it and
        # forks its workers, and a connection carried across a fork is one SQLite forbids (sqlite.org/howtocorrupt)
        with sqlite_setup(), contextlib.closing(self._connect()) as conn:
            conn.execute(REQUESTS_TABLE)
            conn.execute(_WRITERS)
            conn.execute(_CONTROL)
            conn.execute("insert or ignore into journal_control values ('wanted', 0)")
            present = {row[1] for row in conn.execute("pragma table_info(requests)")}
            for name, kind in ADDED_COLUMNS:
                if name not in present:
                    conn.execute(f"alter table requests add column {name} {kind}")
            conn.execute("create index if not exists requests_ts on requests (ts)")
        _LIVE.add(self)

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

    def _start(self) -> None:
        """First record in this (possibly forked) process: register as a writer, start the writer thread,
        and drain on exit; started only at the end (another thread's entry waits for its buffer)."""
        pid = os.getpid()
        self._lock = threading.Lock()
        self._buffer = deque(maxlen=_KEEP)
        self._held = 0
        self._stop = threading.Event()
        self._writer = f"{pid}:{uuid.uuid4().hex}"
        conn = self._conn()
        self._written = self._wanted(conn)
        conn.execute("insert or replace into journal_writers values (?, ?, ?)", (self._writer, pid, self._written))
        atexit.register(self._drain)  # an interpreter that exits (gunicorn's workers, a single process)
        # a forked multiprocessing worker (granian's) leaves with os._exit, after multiprocessing's exit hooks
        multiprocessing.util.Finalize(None, self._drain, exitpriority=100)
        if not self.closed:
            self._flusher = threading.Thread(target=self._run_flusher, name="apitwin-journal", daemon=True)
            self._flusher.start()
        self._pid = pid

    @staticmethod
    def _wanted(conn: sqlite3.Connection) -> int:
        found = conn.execute("select v from journal_control where k = 'wanted'").fetchone()
        return int(found[0]) if found else 0

    def _run_flusher(self) -> None:
        stop = self._stop
        while True:
            started = time.monotonic()
            if stop.wait(FLUSH_INTERVAL_S):
                return
            try:
                # a late tick (the process had no CPU) says nothing of requests: it never counts as quiet
                self._tick(late=time.monotonic() - started > 1.5 * FLUSH_INTERVAL_S)
            except Exception as exc:  # logged and survived: the writer must outlive any entry and any disk error
                if not stop.is_set():
                    log.warning("journal: cannot write to %s: %s", self.path, exc)

    def _tick(self, late: bool = False) -> None:
        newest = self._newest()
        self._idle = self._idle + 1 if newest is self._seen and not late else 0
        self._seen = newest
        conn = self._conn()
        wanted = self._wanted(conn)
        if self._held > _HELD_LIMIT:  # counted as entries came: those the buffer's append dropped were not taken off
            self._held = sum(held_bytes(e) for e in list(self._buffer))
        if self._buffer and (wanted > self._written or self._held > _HELD_LIMIT):
            self.flush()
        elif self._buffer and self._idle >= _QUIET_TICKS:
            self.flush(_QUIET_CHUNK)  # the rest on the next ticks, if still quiet
        if wanted > self._written:
            conn.execute("update journal_writers set written = ? where writer = ?", (wanted, self._writer))
            self._written = wanted

    def _newest(self) -> object:
        """The newest entry held (None: none): another one since the last tick means the process is busy."""
        try:
            return self._buffer[-1]
        except IndexError:  # emptied by a reader's write meanwhile
            return None

    def _stop_flusher(self) -> None:
        self._stop.set()
        flusher, self._flusher = self._flusher, None
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join(_STOP_TIMEOUT_S)

    def _drain(self) -> None:
        """On exit: stop the writer thread, write what is left, leave the writers (never a traceback)."""
        if self._pid != os.getpid() or self._exited == self._pid:
            return
        self._exited = self._pid  # once: atexit and multiprocessing's hook may both call
        self.closed = True  # a request still in flight: its entry is written at once
        self.hold = self.record
        _hold_stop_signals()
        self._stop_flusher()
        try:
            self.flush()
            self._conn().execute("delete from journal_writers where writer = ?", (self._writer,))
        except Exception as exc:
            log.warning("journal: %d entries not written to %s at exit: %s", len(self._buffer), self.path, exc)

    def close(self) -> None:
        """Stop this process's writer after writing what it holds (an app replaced by a hot reload);
        an entry recorded later (a request still in flight on the old app) is written at once."""
        self.closed = True
        self.hold = self.record
        self._stop_flusher()
        self.flush_logged()

    def redactor_key(self, redactor: Redactor) -> int:
        """What a :data:`~.journal_rows.RawEntry` holds to name ``redactor`` (an object would keep the
        entry tracked by the garbage collector)."""
        for index, known in enumerate(self.redactors):
            if known is redactor:
                return index
        self.redactors.append(redactor)
        return len(self.redactors) - 1

    def entry_of(self, raw: RawEntry) -> JournalEntry:
        """A raw entry of this journal as plain values."""
        return entry_of(raw, self.redactors)

    def record(self, entry: JournalEntry | RawEntry) -> None:
        """Append ``entry`` (written when the process is quiet, or read)."""
        if self._pid != _PROCESS[0]:
            with _STARTING:  # a worker's first requests come on several threads at once: one starts it
                if self._pid != _PROCESS[0]:
                    try:
                        self._start()
                    except Exception as exc:  # the journal must never break an answer
                        self._pid = _PROCESS[0]  # not tried again on every request
                        log.warning("journal: cannot open %s: %s", self.path, exc)
                        return
            if not self.closed:
                self.hold = self._buffer.append
            if isinstance(entry, tuple) and isinstance(entry[8], dict):  # the objects this server puts in environs
                learn_object_keys(entry[8])
        buffer = self._buffer
        if len(buffer) == _KEEP:  # the oldest leaves unwritten (the file would drop it): its bodies are not held
            try:  # noqa: SIM105 (suppress() costs a context manager on the request path)
                self._held -= held_bytes(buffer[0])
            except IndexError:  # the writer took them all meanwhile
                pass
        buffer.append(entry)  # named, redacted and serialised when written, off the request path
        self._held += held_bytes(entry)
        if self.closed:
            self.flush_logged()

    def flush(self, limit: int | None = None) -> None:
        """Write this process's buffered entries (the oldest ``limit`` of them; None: all)."""
        with self._lock:
            entries: list[JournalEntry | RawEntry] = []
            buffer = self._buffer
            while buffer and (limit is None or len(entries) < limit):
                entries.append(buffer.popleft())
            if buffer:
                self._held -= sum(held_bytes(e) for e in entries)
            else:
                self._held = 0
            if not entries:
                return
            rows = []
            for e in entries:
                try:
                    rows.append(entry_row(e, self.body_limit, self.redactors))
                except Exception as exc:  # one entry that cannot be stored must not take the others (nor the writer)
                    shown = e if isinstance(e, JournalEntry) else JournalEntry(*e[1:7], {}, None, [], 0.0)
                    log.error("journal: %s %s -> %s not recorded\n%s", shown.method, shown.path, shown.status,
                              bounded_traceback(exc))
            if not rows:
                return
            conn = self._conn()
            conn.execute("begin immediate")
            try:
                conn.executemany(INSERT_ROW, rows)
                if conn.execute("select count(*) from requests").fetchone()[0] > _KEEP:
                    conn.execute("delete from requests where id in (select id from requests"
                                 " order by ts desc, id desc limit -1 offset ?)", (_KEEP,))
                conn.execute("commit")
            except BaseException:
                conn.execute("rollback")
                raise

    def _gather(self) -> None:
        """Before a read: this process's entries written, and the other workers' (waiting for them)."""
        self.flush_logged()
        try:
            conn = self._conn()
            others = [(w, p) for w, p in conn.execute("select writer, pid from journal_writers") if w != self._writer]
            gone = [w for w, p in others if p == os.getpid() or not _alive(p)]
            conn.executemany("delete from journal_writers where writer = ?", [(w,) for w in gone])
            waiting = [w for w, _ in others if w not in gone]
            if not waiting:
                return
            conn.execute("update journal_control set v = v + 1 where k = 'wanted'")
            generation = self._wanted(conn)
            marks = ",".join("?" * len(waiting))
            deadline = time.monotonic() + _GATHER_TIMEOUT_S
            while time.monotonic() < deadline:
                behind = conn.execute(f"select count(*) from journal_writers where writer in ({marks}) and written < ?",
                                      (*waiting, generation)).fetchone()[0]
                if not behind:
                    return
                time.sleep(0.002)
            log.warning("journal: a worker did not write its entries within %.0f s", _GATHER_TIMEOUT_S)
        except Exception as exc:
            log.warning("journal: cannot read %s: %s", self.path, exc)

    def flush_logged(self) -> None:
        """Write what this process holds; a failure is logged (a read then answers from what is stored)."""
        try:
            self.flush()
        except Exception as exc:
            log.warning("journal: cannot write to %s: %s", self.path, exc)

    def entries(self, *, limit: int = 100, method: str | None = None, path: str | None = None,
                operation: str | None = None) -> list[dict[str, Any]]:
        """The most recent entries first, optionally filtered."""
        self._gather()
        sql = f"select {LIST_COLUMNS} from requests where 1=1"
        args: list[Any] = []
        for column, value in (("method", method and method.upper()), ("path", path), ("operation", operation)):
            if value:
                sql += f" and {column} = ?"
                args.append(value)
        sql += " order by ts desc, id desc limit ?"
        args.append(max(1, min(limit, _KEEP)))
        cursor = self._conn().execute(sql, args)
        names = [d[0] for d in cursor.description]
        out = []
        for row in cursor.fetchall():
            item = dict(zip(names, row, strict=True))
            for key in ("headers", "violations"):
                item[key] = json.loads(item[key])
            shown, item["body_truncated"] = uncut(item["body"])
            item["body"] = loaded_body(None if shown == BINARY else shown)
            out.append(item)
        return out

    def entry(self, entry_id: int) -> dict[str, Any] | None:
        """One entry in full: the request, and the answer as sent (``response``), or None when it is gone.

        ``body_text`` and ``response.body_text`` are the bodies as stored (for a replay);
        ``*_truncated`` says when a body was longer than the journal's limit (``body_size``: its whole
        size, in bytes); a body that is not text is not kept (``binary``: its size only).
        """
        self._gather()
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
        item.update(body_fields(body, size))
        item["response"] = {"status": item["status"],
                            "headers": json.loads(response_headers) if response_headers else {},
                            **body_fields(response_body, response_size)}
        return item

    def count(self, *, method: str, path: str, body: Any = None) -> int:
        """How many recorded requests match ``method`` and ``path`` (and contain ``body``, if given)."""
        matches = self.entries(limit=_KEEP, method=method, path=path)
        if body is None:
            return len(matches)
        return sum(1 for m in matches if contains(m["body"], body))

    def reset(self) -> None:
        """Forget every entry (the other workers' unwritten ones too)."""
        self._gather()
        with self._lock:
            self._buffer.clear()
            self._held = 0
            self._conn().execute("delete from requests")


def _hold_stop_signals() -> None:
    """While the exiting process writes what it holds: a further stop signal (gunicorn's master sends its
    workers another on Ctrl-C; a loaded machine makes the write slow enough to meet it) is ignored, instead of
    raising ``SystemExit`` in the middle of the write (entries lost, a traceback printed). One already pending
    runs its handler at the first call here, and is absorbed: the process is leaving anyway."""
    if threading.current_thread() is not threading.main_thread():
        return
    numbers = [n for n in (getattr(signal, name, None) for name in ("SIGINT", "SIGTERM", "SIGQUIT")) if n is not None]
    for _ in range(len(numbers) + 1):
        try:
            for number in numbers:
                signal.signal(number, signal.SIG_IGN)
            return
        except (SystemExit, KeyboardInterrupt):  # a pending signal's handler: the others are set on the next try
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. not ours to signal: it exists
        return True
    return True
