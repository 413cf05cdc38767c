"""How `apitwin serve` runs granian's workers: each on a CPU of its own (Linux), each request's environ
without the process's environment, and kept as it is by the journal (mockserver/http/granian_server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from tests.serving import apitwin_serve

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's")

ROOT = Path(__file__).resolve().parents[3]
PETSTORE = ROOT / "tests" / "data" / "specs" / "petstore.yaml"
PET = "/api/v1/pets/2"
AUTH = ("key-of-the-user", "")


def _cpus_of_threads(pid: int) -> set[str]:
    """The CPUs each thread of process ``pid`` may run on (as /proc lists them: ``0``, ``0-1``), all threads'."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # a thread that ended meanwhile
            continue
        found |= {line.split(":", 1)[1].strip() for line in status.splitlines() if line.startswith("Cpus_allowed_list")}
    return found


def _load(url: str) -> None:
    """Requests from several clients at once, so that granian starts more of its Python threads."""
    def client(_: int) -> list[int]:
        with requests.Session() as session:
            return [session.get(f"{url}{PET}", auth=AUTH, timeout=30).status_code for _ in range(5)]

    with ThreadPoolExecutor(8) as pool:
        assert [status for statuses in pool.map(client, range(8)) for status in statuses] == [200] * 40


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one CPU: nothing to pin to")
def test_each_worker_runs_all_its_threads_on_a_cpu_of_its_own() -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", workers=2) as serving:
        _load(serving.url)
        master = _cpus_of_threads(serving.process.pid)
        workers = [_cpus_of_threads(pid) for pid in serving.workers()]
    assert len(workers) == 2
    assert all(len(cpus) == 1 and "-" not in next(iter(cpus)) and "," not in next(iter(cpus)) for cpus in workers), \
        workers  # every thread of a worker, those granian started for the requests too, on one and the same CPU
    assert workers[0] != workers[1]
    assert len(master) == 1 and master != workers[0]  # the master is left to the system


def test_no_pin_workers_leaves_the_workers_to_the_system() -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", "--no-pin-workers", workers=2) as serving:
        _load(serving.url)
        master = _cpus_of_threads(serving.process.pid)
        workers = [_cpus_of_threads(pid) for pid in serving.workers()]
    assert workers == [master, master]


_ECHO = """
import json, sys
from mockserver.http.granian_server import run_granian

def echo(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(sorted(k for k in environ if isinstance(k, str))).encode()]

run_granian(lambda: echo, "127.0.0.1", int(sys.argv[1]), 1)
"""


def test_a_request_environ_holds_the_request_not_the_process_environment() -> None:
    port = free_port()
    env = {**os.environ, "APITWIN_TEST_ENVIRONMENT_MARK": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_ECHO), str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # only bounds a server that never starts
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/x?y=1", timeout=30) as answer:
                    keys = json.loads(answer.read())
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
    finally:
        os.killpg(process.pid, 2)
        process.wait(timeout=60)
    assert {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_HOST", "wsgi.input"} <= set(keys)
    assert "APITWIN_TEST_ENVIRONMENT_MARK" not in keys and "PATH" not in keys and "HOME" not in keys, keys


_JOURNALED = """
import sys
from mockserver import MockConfig, create_app
from mockserver.http.granian_server import run_granian

app = create_app([sys.argv[2]], MockConfig(journal=True))

def told(environ, start_response):
    # whether the environ still has its stream when the answer starts: the journal's capture came before
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Test-Input-Kept", str("wsgi.input" in environ))], exc_info)
    return app(environ, start)

run_granian(lambda: told, "127.0.0.1", int(sys.argv[1]), 1)
"""


def test_journal_entries_keep_granians_environs_in_place_and_the_answers_hold() -> None:
    """Under granian an entry keeps the request's environ itself, its stream dropped, no copy made
    (journal_rows.keep_environs_in_place): granian reads nothing of it once the app has returned. Requests with
    bodies, refused and answered, on one kept-alive connection, are answered and journaled as under any server."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_JOURNALED), str(port), str(PETSTORE)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # only bounds a server that never starts
        while True:
            try:
                requests.get(f"{url}{PET}", auth=AUTH, timeout=30)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        with requests.Session() as session:
            answers = []
            for n in range(3):
                answers.append(session.post(f"{url}/api/v1/pets", json={"name": f"rex-{n}", "kind": "dog"},
                                            auth=AUTH, timeout=30))
                answers.append(session.post(f"{url}/api/v1/pets", json={"name": ""}, auth=AUTH, timeout=30))
                answers.append(session.get(f"{url}{PET}", auth=AUTH, headers={"X-Trace": f"t-{n}"}, timeout=30))
        listed = requests.get(f"{url}/__apitwin/requests", params={"limit": 100}, timeout=30).json()
    finally:
        os.killpg(process.pid, 2)
        process.wait(timeout=60)
    assert [a.status_code for a in answers] == [201, 400, 200] * 3, [a.text for a in answers]
    # an answered request's entry took the environ itself; a refused one's, the headers its error answer took
    assert [a.headers["X-Test-Input-Kept"] for a in answers] == ["False", "True", "False"] * 3
    entries = [e for e in listed if e["path"] != PET or e["headers"].get("X-Trace")]
    assert [e["status"] for e in entries] == [200, 400, 201] * 3  # newest first
    assert [e["headers"]["X-Trace"] for e in entries[::3]] == ["t-2", "t-1", "t-0"]
    assert all(e["headers"]["Authorization"] == "[redacted]" for e in entries)
    assert [e["body"] for e in entries[2::3]] == [{"name": f"rex-{n}", "kind": "dog"} for n in (2, 1, 0)]
    assert all({v["pointer"] for v in e["violations"]} >= {"/name"} for e in entries[1::3])
