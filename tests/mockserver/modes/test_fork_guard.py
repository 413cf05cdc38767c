"""No fork while this process makes a SQLite file (``mockserver/modes/fork_guard.py``).

``apitwin serve``'s master makes the journal's and the state store's files again in its reload thread
when a changed file rebuilds the app, while granian may fork a worker to replace one that died.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mockserver.modes import fork_guard
from mockserver.modes.journal import Journal
from mockserver.modes.store import SQLiteStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")


def _exit_code(pid: int, timeout_s: float = 30) -> int | None:
    """The exit code of child ``pid``; None (and the child killed) if it has not exited in ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_a_fork_waits_until_the_setup_in_another_thread_is_done() -> None:
    """The child sees the setup finished: the fork waited for it. Without the guard the fork happens while
    the setup thread still holds it and the child exits 1 (a slow fork could only make it pass, never fail)."""
    inside, forking = threading.Event(), threading.Event()
    done = [False]

    def setup() -> None:
        with fork_guard.sqlite_setup():
            inside.set()
            assert forking.wait(30)
            time.sleep(0.2)  # the fork is under way meanwhile
            done[0] = True

    thread = threading.Thread(target=setup)
    thread.start()
    assert inside.wait(30)
    forking.set()
    pid = os.fork()
    if pid == 0:
        os._exit(0 if done[0] else 1)
    thread.join(30)
    assert _exit_code(pid) == 0
    assert not fork_guard.setup_running()  # released in the parent too


def test_the_child_is_free_to_set_up_and_fork_again() -> None:
    """The guard the child inherits held (by the thread that forked) is released there: its own setup and
    fork do not wait forever. (No SQLite in the child: pytest's process has other threads that may be in it.)"""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if not fork_guard.setup_running():
                with fork_guard.sqlite_setup():
                    pass
                grandchild = os.fork()
                if grandchild == 0:
                    os._exit(0)
                left = _exit_code(grandchild)
                code = 1 if left is None else left
        finally:
            os._exit(code)
    assert _exit_code(pid) == 0


def test_the_journal_and_the_store_make_their_files_inside_the_guard(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    guarded: list[bool] = []
    connect = sqlite3.connect

    def watched(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        guarded.append(fork_guard.setup_running())
        made: sqlite3.Connection = connect(*args, **kwargs)
        return made

    monkeypatch.setattr(sqlite3, "connect", watched)
    Journal(str(tmp_path / "journal.sqlite"))
    SQLiteStore(str(tmp_path / "state.sqlite"))
    assert guarded == [True, True]
