"""``apitwin serve`` as a user runs it: a subprocess on a free port, ready once ``/__apitwin/health`` answers.

Its output goes to files (a pipe nobody reads fills up under an access log); :meth:`Serving.stop`
sends Ctrl-C as a terminal does (SIGINT to the whole process group) and returns what it printed.
"""

from __future__ import annotations

import itertools
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import free_port

__all__ = ["APITWIN", "SERVERS", "Serving", "apitwin_serve"]

APITWIN = Path(sys.executable).parent / "apitwin"
#: the servers `apitwin serve --server` runs on here: the default first
SERVERS = ("granian", "gunicorn")


@dataclass
class Serving:
    """A running ``apitwin serve``: its base URL, its process and, once stopped, what it printed."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    out_file: IO[bytes]
    err_file: IO[bytes]
    out: str = ""
    err: str = ""
    returncode: int | None = None
    stopped: bool = field(default=False)

    def printed(self) -> tuple[str, str]:
        """What it printed so far (stdout, stderr)."""
        self.out_file.seek(0)
        self.err_file.seek(0)
        return self.out_file.read().decode(errors="replace"), self.err_file.read().decode(errors="replace")

    def workers(self) -> list[int]:
        """The process ids of its workers (the server's child processes), sorted."""
        pid = self.process.pid
        return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Ctrl-C (``sig`` to the process group, as a terminal sends it); its exit code. SIGKILL if it hangs."""
        if not self.stopped:
            self.stopped = True
            try:
                os.killpg(self.process.pid, sig)
                self.returncode = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                self.returncode = -9
            except ProcessLookupError:
                self.returncode = self.process.wait()
            self.out, self.err = self.printed()
        assert self.returncode is not None
        return self.returncode


def _wait_until_healthy(serving: Serving, context: ssl.SSLContext | None, token: str | None,
                        timeout: float = 120) -> None:
    """Poll ``/__apitwin/health`` until it answers 200 (a whole exchange, TLS included); fail if the server dies.

    ``timeout`` only bounds a server that never comes up (a loaded machine may be slow to start one).
    """
    request = urllib.request.Request(f"{serving.url}/__apitwin/health",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or serving.process.poll() is not None:
            serving.stop()
            pytest.fail(f"apitwin serve did not start: {serving.out}{serving.err}")
        time.sleep(0.05)


@contextmanager
def apitwin_serve(*args: str, server: str | None = None, tls_context: ssl.SSLContext | None = None,
                  workers: int = 1, env: dict[str, str] | None = None) -> Iterator[Serving]:
    """``apitwin serve ARGS --port P --workers N [--server S]``, ready; stopped (and killed if it hangs) on exit."""
    port = free_port()
    command = [str(APITWIN), "serve", *args, "--port", str(port), "--workers", str(workers)]
    if server is not None:
        command += ["--server", server]
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=out_file, stderr=err_file, start_new_session=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"{'https' if tls_context else 'http'}://127.0.0.1:{port}"
    serving = Serving(url, port, process, out_file, err_file)
    try:
        _wait_until_healthy(serving, tls_context, dict(itertools.pairwise(args)).get("--admin-token"))
        yield serving
    finally:
        serving.stop()
        out_file.close()
        err_file.close()
