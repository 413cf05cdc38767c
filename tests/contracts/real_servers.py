"""Real servers nobody here wrote, started for real by the tests: Prism (npm), httpbinx (PyPI, FastAPI) and
JupyterHub (PyPI, with configurable-http-proxy from npm).

Prism 5.16 is installed once into ``~/.cache/apitwin-tests/node`` (outside the
repository); the tests that need it are skipped, with the reason, only when npm
or the registry cannot be reached. httpbinx is a test dependency (pyproject's
``test`` extra) run with uvicorn in a subprocess; its ``/openapi.json`` is what
FastAPI generates from its code, which is how a user of apitwin would get the
spec of their own FastAPI backend. JupyterHub is a test dependency too; its
proxy, configurable-http-proxy, is installed by npm into the same cache as Prism.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import free_port, wait_for_port

PRISM_VERSION = "5.16"
NODE_CACHE = Path(os.environ.get("APITWIN_TEST_CACHE", Path.home() / ".cache" / "apitwin-tests")) / "node"


CHP_VERSION = "5"


def install_npm(package: str, version: str, command: str) -> Path:
    """The binary ``command`` of npm's ``package@version``, installed into the cache folder when missing; skips
    the test if npm cannot."""
    binary = NODE_CACHE / "node_modules" / ".bin" / command
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"{package} needs npm (Node.js), which is not installed")
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_CACHE),
                           f"{package}@{version}"], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 or not binary.exists():
        pytest.skip(f"npm could not install {package} {version}: {done.stderr.strip().splitlines()[-1:]}")
    return binary


def install_prism() -> Path:
    """The prism binary (see :func:`install_npm`)."""
    return install_npm("@stoplight/prism-cli", PRISM_VERSION, "prism")


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


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


#: the hub's API token for the tests (a service with the admin:users and admin:servers scopes)
HUB_TOKEN = "hub-token-5e1"
#: users the hub knows from its start
HUB_USERS = ("alice", "bob")
_HUB_CONFIG = """
import sys
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///" + {db!r}
c.JupyterHub.cookie_secret_file = {secret!r}
c.JupyterHub.pid_file = {pid!r}
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = set({users!r})
# a single-user server that never answers: its spawn stays pending for the whole test
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [sys.executable, "-c", "import time; time.sleep(600)"]
c.Spawner.http_timeout = 600
c.Spawner.start_timeout = 600
# JupyterHub's own throttle: one spawn pending at a time, the others refused with 429 and Retry-After
c.JupyterHub.concurrent_spawn_limit = 1
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [{{"name": "verifier", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "verifier", "scopes": ["admin:users", "admin:servers"],
                            "services": ["verifier"]}}]
"""


@contextmanager
def jupyterhub(tmp: Path) -> Iterator[str]:
    """JupyterHub (with configurable-http-proxy) on free loopback ports, in ``tmp``; yields the hub's own URL
    (its REST API is under ``/hub/api``), once the API answers."""
    import httpx

    chp = install_npm("configurable-http-proxy", CHP_VERSION, "configurable-http-proxy")
    hub_port, proxy_port, api_port = free_port(), free_port(), free_port()
    config = tmp / "jupyterhub_config.py"
    config.write_text(_HUB_CONFIG.format(proxy_port=proxy_port, hub_port=hub_port, api_port=api_port, chp=str(chp),
                                         db=str(tmp / "hub.sqlite"), secret=str(tmp / "cookie_secret"),
                                         pid=str(tmp / "proxy.pid"), users=list(HUB_USERS), token=HUB_TOKEN),
                      encoding="utf-8")
    log = (tmp / "hub.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(hub_port, process, "jupyterhub", timeout=120)
        url = f"http://127.0.0.1:{hub_port}"
        with httpx.Client(timeout=10) as client:
            for _ in range(600):
                try:
                    if client.get(f"{url}/hub/api/").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None:
                    pytest.fail(f"jupyterhub stopped: {(tmp / 'hub.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        _stop(process, 15)  # the hub stops its proxy and the pending single-user process
        log.close()


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

