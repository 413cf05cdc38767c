"""No fork while this process makes a SQLite file: a fork waits until the setup is done.

SQLite's state belongs to the process (sqlite.org/howtocorrupt.html): a child forked while another
of its parent's threads is inside SQLite inherits that state half-changed, and lost entries or hung
on its exit in a test that forked so (ARCHITECTURE.md, the journal). ``apitwin serve``'s master uses
SQLite only to make and check the journal's and the state store's files: at start, before any
worker exists, and again in its reload thread when a changed file rebuilds the app, while granian
may fork a worker at any time to replace one that died. :func:`sqlite_setup` around that work holds
such a fork back (``os.register_at_fork``) until the connection is closed.

The workers' own SQLite work (the journal's writer, the store's reads and writes) is not guarded:
a worker does not fork.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["setup_running", "sqlite_setup"]

_SETUP = threading.Lock()


@contextmanager
def sqlite_setup() -> Iterator[None]:
    """Hold any fork of this process back while the block runs (the block must not fork)."""
    with _SETUP:
        yield


def setup_running() -> bool:
    """Whether a thread of this process is inside :func:`sqlite_setup` now."""
    return _SETUP.locked()


def _release() -> None:  # in the parent after the fork, and in the child (which the forking thread continues)
    _SETUP.release()


if hasattr(os, "register_at_fork"):  # not on Windows, where workers are not forked
    os.register_at_fork(before=_SETUP.acquire, after_in_parent=_release, after_in_child=_release)
