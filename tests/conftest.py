"""Shared fixtures: the repository's specs and mocks started in-process."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def serve_specs() -> Iterator[Callable[..., str]]:
    """Start (once per session) a mock serving the named specs; returns its base URL.

    ``serve_specs("tecton.yaml")`` -> ``"http://127.0.0.1:PORT"``.
    """
    from mockserver import create_app, running

    started: dict[tuple[str, ...], str] = {}
    with ExitStack() as stack:

        def serve(*names: str) -> str:
            key = tuple(sorted(names))
            if key not in started:
                app = create_app([SPECS / name for name in key])
                started[key] = stack.enter_context(running(app))
            return started[key]

        yield serve


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base_url: str, process: object, what: str, timeout: float = 120,
                       context: ssl.SSLContext | None = None) -> None:
    """Wait until ``process`` answers ``GET /__apitwin/health`` with 200 (a whole exchange, TLS included).

    ``timeout`` only bounds a server that never comes up (a loaded machine may take long to start one);
    nothing waits a fixed time.
    """
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/__apitwin/health", timeout=30, context=context) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline or process.poll() is not None:  # type: ignore[attr-defined]
            pytest.fail(f"{what} did not start")
        time.sleep(0.05)


def wait_for_port(port: int, process: object, what: str, timeout: float = 120) -> None:
    """Wait until ``process`` (a ``subprocess.Popen``) listens on ``port``; fail the test if it dies or is late."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:  # type: ignore[attr-defined]
                pytest.fail(f"{what} did not start")
            time.sleep(0.05)
