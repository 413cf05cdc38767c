"""Stateful mode on Redis under contention and outage: nothing acknowledged is lost, nothing is doubled,
and a Redis that is down is a 503 (retry later), never a 500.

Against a real redis-server (Debian's package) on a loopback port, as in tests/mockserver/modes.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from mockserver import MockConfig, create_app, running
from mockserver.modes.store import RedisStore

from ..conftest import free_port, wait_for_port
from ..mockserver.conftest import client_for
from ..mockserver.modes.test_stateful import redis_url

__all__ = ["redis_url"]  # the fixture (one redis-server for the module)

NOTES = Path(__file__).resolve().parents[1] / "data" / "specs" / "notes.yaml"
KEY = {"X-Key": "k"}
CREATORS = 20


def _servers(url: str, count: int) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(running(create_app([NOTES], MockConfig(stateful=True, state=url))))
               for _ in range(count)]


def _race(urls: list[str], bodies: list[dict[str, str]]) -> list[httpx.Response]:
    """POST every body at once (a barrier releases them together), spread over the servers."""
    start = threading.Barrier(len(bodies))

    def create(i: int) -> httpx.Response:
        with httpx.Client(headers=KEY, timeout=60) as http:
            start.wait(30)
            return http.post(f"{urls[i % len(urls)]}/api/notes", json=bodies[i])

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(create, range(len(bodies))))


@pytest.mark.parametrize("instances", [1, 2])
def test_concurrent_creators_of_one_item_one_wins_and_its_body_is_stored(redis_url: str, instances: int) -> None:
    for round_ in range(3):
        RedisStore(redis_url).reset()
        for urls in _servers(redis_url, instances):
            key = f"same-{round_}"
            answers = _race(urls, [{"id": key, "title": f"writer {i}"} for i in range(CREATORS)])
            created = [a for a in answers if a.status_code == 201]
            assert len(created) == 1, [a.status_code for a in answers]
            conflicts = [a for a in answers if a.status_code == 400]
            assert len(conflicts) == CREATORS - 1
            assert all("already exists" in a.headers["sl-violations"] for a in conflicts)
            stored = httpx.get(f"{urls[0]}/api/notes/{key}", headers=KEY).json()
            assert stored == created[0].json()


def test_two_instances_on_one_redis_lose_and_double_nothing(redis_url: str) -> None:
    RedisStore(redis_url).reset()
    for urls in _servers(redis_url, 2):
        answers = _race(urls, [{"title": f"note {i}"} for i in range(40)])
        assert [a.status_code for a in answers] == [201] * 40
        ids = [a.json()["id"] for a in answers]
        assert len(set(ids)) == 40
        for url in urls:
            listed = httpx.get(f"{url}/api/notes", headers=KEY).json()
            listed_ids = [n["id"] for n in listed["items"]]
            assert sorted(listed_ids) == sorted(["n1", "n2", *ids])  # each once, the seeds once
            assert listed["total"] == 42
            for answer in answers:
                assert httpx.get(f"{url}/api/notes/{answer.json()['id']}", headers=KEY).json() == answer.json()


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test alone (it is stopped on purpose)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.terminate()
        process.wait(10)


def test_redis_down_is_a_503_everywhere_never_a_500(own_redis: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = own_redis
    client = client_for(NOTES, config=MockConfig(stateful=True, state=url))
    assert client.get("/api/notes", headers=KEY).status_code == 200
    assert client.get("/__apitwin/health").get_json()["status"] == "ok"
    process.terminate()
    process.wait(10)

    for method, path, body in (("GET", "/api/notes", None), ("POST", "/api/notes", {"title": "x"}),
                               ("GET", "/api/notes/n1", None), ("DELETE", "/api/notes/n1", None)):
        answer = client.open(path, method=method, headers=KEY, json=body)
        assert answer.status_code == 503, (method, path, answer.get_data(as_text=True))
        assert answer.headers["Content-Type"].startswith("application/")  # the API's error model or a problem
        assert "store is unavailable" in answer.get_data(as_text=True)
        assert answer.headers["Retry-After"] == "1"
    health = client.get("/__apitwin/health")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    for method, path in (("POST", "/__apitwin/reset"), ("GET", "/__apitwin/state/collections"),
                         ("DELETE", "/__apitwin/state/collections")):
        answer = client.open(path, method=method)
        assert answer.status_code == 503, (method, path)
        assert answer.is_json and "unavailable" in answer.get_json()["detail"]
