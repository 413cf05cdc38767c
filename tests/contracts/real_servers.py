"""Real servers nobody here wrote, started for real by the tests: Prism (npm) and httpbinx (PyPI, FastAPI).

Prism 5.16 is installed once into ``~/.cache/apitwin-tests/node`` (outside the
repository); the tests that need it are skipped, with the reason, only when npm
or the registry cannot be reached. httpbinx is a test dependency (pyproject's
``test`` extra) run with uvicorn in a subprocess; its ``/openapi.json`` is what
FastAPI generates from its code, which is how a user of apitwin would get the
spec of their own FastAPI backend.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import free_port, wait_for_port

PRISM_VERSION = "5.16"
NODE_CACHE = Path(os.environ.get("APITWIN_TEST_CACHE", Path.home() / ".cache" / "apitwin-tests")) / "node"


def install_prism() -> Path:
    """The prism binary, installed by npm into the cache folder when missing; skips the test if npm cannot."""
    binary = NODE_CACHE / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("Prism tests need npm (Node.js), which is not installed")
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_CACHE),
                           f"@stoplight/prism-cli@{PRISM_VERSION}"], capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0 or not binary.exists():
        pytest.skip(f"npm could not install Prism {PRISM_VERSION}: {done.stderr.strip().splitlines()[-1:]}")
    return binary


@contextmanager
def prism(binary: Path, spec: Path) -> Iterator[str]:
    """``prism mock -v error SPEC`` on a free loopback port, until the block ends; its base URL."""
    port = free_port()
    process = subprocess.Popen([str(binary), "mock", "-v", "error", "-h", "127.0.0.1", "-p", str(port), str(spec)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process, f"prism mock {spec.name}", timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@contextmanager
def httpbinx(tmp: Path, certfile: Path | None = None, keyfile: Path | None = None) -> Iterator[tuple[str, Path]]:
    """httpbinx served by uvicorn on a free loopback port (https with the given certificate); (URL, its spec)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "httpbinx.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]
    if certfile is not None and keyfile is not None:
        command += ["--ssl-certfile", str(certfile), "--ssl-keyfile", str(keyfile)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process, "httpbinx (uvicorn)", timeout=30)
        scheme = "https" if certfile else "http"
        url = f"{scheme}://127.0.0.1:{port}"
        spec = tmp / "httpbinx-openapi.json"
        if not spec.exists():  # the spec the server publishes, read as a user would
            from httpbinx.main import app  # type: ignore[import-untyped]

            spec.write_text(json.dumps(app.openapi()), encoding="utf-8")
        yield url, spec
    finally:
        process.terminate()
        try:
            process.wait(3)  # uvicorn waits for requests in flight (a /delay/10) before it exits
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

