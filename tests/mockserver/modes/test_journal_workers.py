"""The journal shared by worker processes: a read sees what every worker answered, an exiting worker loses nothing.

Entries are written off the request path, when a process is quiet, when a reader asks, or when the
process exits; these tests hold the workers busy or make them exit at once, so that only the
gathering and the drain can bring the entries to the file.
"""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mockserver.modes.journal import Journal, JournalEntry, RawEntry
from mockserver.modes.redaction import Redactor

from ..conftest import open_files_under

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the workers are forked")

_SECRET_HEADERS = {"Authorization": "Bearer tok-sesame", "Accept": "*/*"}


def _entry(path: str) -> JournalEntry:
    return JournalEntry("GET", path, "api_key=q-sesame", "api", "op", 200, _SECRET_HEADERS, None, [], 1.0)


def _busy_worker(path: str, recorded: Any, stop: Any) -> None:
    """A forked worker that records one entry about every millisecond (never quiet long enough to write)."""
    journal = Journal(path)
    for count in range(4000):
        if stop.is_set():
            break
        journal.record(_entry(f"/busy/{count}"))
        recorded.value = count + 1
        time.sleep(0.001)


def test_a_read_sees_every_entry_a_busy_worker_recorded_before_it(tmp_path: Path) -> None:
    # spawned, not forked: a child forked from this many-threaded test process (earlier tests' journal
    # writers) hung its writer thread twice in CI runs on a loaded machine; the forked exit is tested below
    context = multiprocessing.get_context("spawn")
    path = str(tmp_path / "journal.sqlite")
    journal = Journal(path)
    recorded, stop = context.Value("i", 0), context.Event()
    child = context.Process(target=_busy_worker, args=(path, recorded, stop))
    child.start()
    try:
        deadline = time.monotonic() + 60
        while recorded.value < 50:
            assert time.monotonic() < deadline and child.is_alive()
            time.sleep(0.01)
        before = recorded.value
        paths = {e["path"] for e in journal.entries(limit=5000)}
        missing = [n for n in range(before) if f"/busy/{n}" not in paths]
        assert not missing, f"{len(missing)} of the {before} entries recorded before the read are missing"
    finally:
        stop.set()
        child.join(30)


def _forked_worker_that_leaves(path: str) -> None:
    journal = Journal(path)
    for count in range(20):
        journal.record(_entry(f"/forked/{count}"))
    # returns at once: multiprocessing ends a forked process with os._exit, no atexit


def _fork(target: Any, args: tuple[Any, ...]) -> None:
    """Fork a multiprocessing worker running ``target``; leave with 0 if it did (1 if it failed or hung).

    Run in a spawned process: SQLite's state is the process's, and a process forked while another of its
    threads is inside SQLite inherits it half-changed. Forked from the test process, where earlier tests'
    journal writers run on their threads, a worker's entries were lost without an error about 3 times in
    100 (its writes reported success, a new connection then read "disk I/O error") or its exit hung;
    0 in 200 from a process without such threads. ``apitwin serve``'s master forks its workers before any
    journal writer thread exists (it serves no request) and with no connection open (see the last test).
    """
    child = multiprocessing.get_context("fork").Process(target=target, args=args)
    child.start()
    child.join(60)
    sys.exit(0 if child.exitcode == 0 else 1)


def _spawned(target: Any, *args: Any) -> int | None:
    """The exit code of ``target(*args)`` run in a fresh (spawned) process, None if it did not end in 120 s."""
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join(120)
    return process.exitcode


_EXITING = """
import sys
from mockserver.modes.journal import Journal, JournalEntry, RawEntry
from mockserver.modes.redaction import Redactor
journal = Journal(sys.argv[1])
for count in range(20):
    journal.record(JournalEntry("GET", f"/exiting/{count}", "api_key=q-sesame", "api", "op", 200,
                                {"Authorization": "Bearer tok-sesame"}, None, [], 1.0))
"""


def test_a_worker_that_exits_writes_every_entry_it_holds_redacted_and_without_a_traceback(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.sqlite")
    journal = Journal(path)
    exited = subprocess.run([sys.executable, "-c", _EXITING, path], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[3])
    assert exited.returncode == 0 and exited.stderr == "", exited.stderr
    assert _spawned(_fork, _forked_worker_that_leaves, (path,)) == 0
    entries = journal.entries(limit=5000)
    paths = {e["path"] for e in entries}
    for kind in ("exiting", "forked"):
        assert {f"/{kind}/{n}" for n in range(20)} <= paths, sorted(paths)
    assert all(e["headers"]["Authorization"] == "[redacted]" and "q-sesame" not in e["query"] for e in entries)


def _raw(journal: Journal, path: str) -> RawEntry:
    """An entry as the request path captures it (short bodies: appended by ``journal.hold``)."""
    now = time.perf_counter()
    return (now, "GET", path, "", "api", "op", 200, "HTTP_AUTHORIZATION", ("Bearer tok-sesame",), None, None, (),
            now, (), "application/json", b"{}", None, journal.redactor_key(Redactor()))


def _forked_worker_that_holds(journal: Journal) -> None:
    for count in range(20):
        journal.hold(_raw(journal, f"/held/{count}"))
    # returns at once: multiprocessing ends a forked process with os._exit, no atexit


def _hold_then_fork(path: str) -> None:
    """The parent of :func:`_forked_worker_that_holds`, in a fresh process (see :func:`_fork`); leaves with 2
    if its journal's ``hold`` is not its buffer's append once it has recorded an entry."""
    journal = Journal(path)
    journal.record(_raw(journal, "/parent"))  # written when this process leaves
    if journal.hold != journal._buffer.append:
        sys.exit(2)
    journal._stop_flusher()  # no thread of this journal in the middle of a write when the process forks
    _fork(_forked_worker_that_holds, (journal,))


def test_a_forked_worker_holds_its_entries_in_its_own_buffer_and_writes_them(tmp_path: Path) -> None:
    """A journal the parent used (its ``hold`` the parent's buffer's append) forked into a worker: the
    worker's entries start its own writer and are written when it leaves, not left in a copy of the
    parent's buffer."""
    path = str(tmp_path / "journal.sqlite")
    assert _spawned(_hold_then_fork, path) == 0
    journal = Journal(path)
    entries = journal.entries(limit=5000)
    assert {e["path"] for e in entries} == {"/parent", *(f"/held/{n}" for n in range(20))}
    assert all(e["headers"]["Authorization"] == "[redacted]" for e in entries)


def test_a_workers_first_entries_on_two_threads_start_one_writer(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's first requests come on several threads at once: one starts the process's journal (one
    writer registered: a second, never answering, made every read of another worker wait 15 s), and the
    other's entry waits for the buffer it goes to."""
    started: list[int] = []
    start = Journal._start

    def slow_start(self: Journal) -> None:
        started.append(threading.get_ident())
        time.sleep(0.2)  # the other thread arrives meanwhile
        start(self)

    monkeypatch.setattr(Journal, "_start", slow_start)
    journal = Journal(str(tmp_path / "journal.sqlite"))
    together = threading.Barrier(2)

    def first(path: str) -> None:
        together.wait()
        journal.record(_entry(path))

    threads = [threading.Thread(target=first, args=(f"/first/{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(started) == 1
    with sqlite3.connect(tmp_path / "journal.sqlite") as conn:
        assert conn.execute("select count(*) from journal_writers").fetchone()[0] == 1
    assert {e["path"] for e in journal.entries()} == {"/first/0", "/first/1"}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through Linux's /proc")
def test_making_a_journal_leaves_no_connection_open(tmp_path: Path) -> None:
    """The server's master makes the app (and its journal), freezes it from the collector and forks: a
    connection left open there would be carried into every worker, which SQLite forbids."""
    gc.disable()  # the connection must be closed by the journal, not found by the collector
    try:
        journal = Journal(str(tmp_path / "journal.sqlite"))
        assert open_files_under(tmp_path) == []
        assert journal.entries() == []
    finally:
        gc.enable()
