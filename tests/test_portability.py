"""What must hold where the system lacks what Linux has (Windows, macOS), checked on any system."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_mock_imports_where_processes_are_not_forked() -> None:
    """Windows has no ``os.register_at_fork``: the modules that reset state in forked workers still import, and
    a journal still records and reads."""
    code = ("import os, tempfile\n"
            "del os.register_at_fork\n"
            "from mockserver.modes.journal import Journal, JournalEntry\n"
            "import mockserver.http.request_log, mockserver.http.dispatch\n"
            "journal = Journal(os.path.join(tempfile.mkdtemp(), 'j.sqlite'))\n"
            "journal.record(JournalEntry('GET', '/a', '', 'api', 'op', 200, {}, None, [], 1.0))\n"
            "assert [e['path'] for e in journal.entries()] == ['/a']\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
