"""The log line of each refused request, readable (and cheap) when a client repeats itself.

A client in a loop sending the same bad request would write the same line thousands of times a
second: each line costs the logging machinery (a record, a format, a locked write) a fifth of a
request's whole work, and buries every other line. So, per process, the first line of a kind in
each :data:`WINDOW_S` is written at once, as before; the same line again within that second is
counted instead, and when the second ends the count is written once: ``... (and 1234 more times
in the last 1.0 s)``. A line differing in anything (method, path, query, operation, status,
violations) is its own kind. At most :data:`KINDS` kinds are counted per second (beyond them every
line is written); the counts still pending are written when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import threading
import time

__all__ = ["KINDS", "WINDOW_S", "RequestLog"]

#: the span in which the same line is written once and then counted
WINDOW_S = 1.0
#: how many distinct lines a window counts; more are written as they come
KINDS = 256


class RequestLog:
    """Writes lines to ``logger`` (module doc); thread-safe, one per process and logger."""

    def __init__(self, logger: logging.Logger, window_s: float = WINDOW_S) -> None:
        self.logger = logger
        self.window_s = window_s
        self._lock = threading.Lock()
        #: (level, line) -> how many times it came again in the current window
        self._counts: dict[tuple[int, str], int] = {}
        self._started = 0.0
        self._timer: threading.Timer | None = None
        self._pid = 0
        if hasattr(os, "register_at_fork"):  # not on Windows, where workers are not forked
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """In a forked child: no parent's count, lock or timer (its thread did not come along)."""
        self._lock = threading.Lock()
        self._counts = {}
        self._timer = None
        self._started = 0.0

    def line(self, level: int, text: str) -> None:
        """Write ``text`` at ``level``, or count it if it was written in the current window."""
        if not self.logger.isEnabledFor(level):
            return
        now = time.monotonic()
        key = (level, text)
        with self._lock:
            due = self._take() if now - self._started >= self.window_s else None
            if due is None and key in self._counts:
                self._counts[key] += 1
                if self._timer is None:
                    self._arm(now)
                return
            if due is not None:
                self._started = now
            if len(self._counts) < KINDS:
                self._counts[key] = 0
        if due:
            self._write(due)
        self.logger.log(level, "%s", text)

    def flush(self) -> None:
        """Write the counts still pending (the window's end, or the process's)."""
        with self._lock:
            due = self._take()
            self._started = time.monotonic()
        self._write(due)

    def _take(self) -> list[tuple[int, str, int]]:
        """The window's repeated lines with their counts; a new window starts (the lock held)."""
        due = [(level, text, n) for (level, text), n in self._counts.items() if n]
        self._counts = {}
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return due

    def _arm(self, now: float) -> None:
        """Write the window's counts when it ends, should no line come to do it (the lock held)."""
        if self._pid != os.getpid():  # first count in this process (a forked worker): flushed at its exit too
            self._pid = os.getpid()
            atexit.register(self.flush)
            multiprocessing.util.Finalize(None, self.flush, exitpriority=90)
        self._timer = threading.Timer(max(0.0, self._started + self.window_s - now), self.flush)
        self._timer.daemon = True
        self._timer.start()

    def _write(self, due: list[tuple[int, str, int]]) -> None:
        for level, text, n in due:
            self.logger.log(level, "%s (and %d more time%s in the last %.1f s)", text, n, "" if n == 1 else "s",
                            self.window_s)
