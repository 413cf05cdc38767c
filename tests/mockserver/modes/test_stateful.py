"""Stateful mode (--stateful): collections inferred from paths, seeded from examples, shared by workers."""

from __future__ import annotations

import gc
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from mockserver import MockConfig, create_app, running

from ...conftest import free_port, wait_for_port
from ..conftest import client_for, open_files_under

NOTES = Path(__file__).resolve().parents[2] / "data" / "specs" / "notes.yaml"
KEY = {"X-Key": "k"}


@pytest.fixture()
def notes(tmp_path: Path) -> FlaskClient:
    return client_for(NOTES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))


def test_roles_are_inferred_from_paths_and_methods(notes: FlaskClient) -> None:
    roles = notes.get("/__apitwin/state").get_json()["notes"]
    assert roles == {"listNotes": "list", "createNote": "create", "getNote": "read", "replaceNote": "replace",
                     "updateNote": "update", "deleteNote": "delete", "getNoteSettings": "doc-read",
                     "setNoteSettings": "doc-write", "archiveNote": "scoped"}


def test_the_world_starts_from_the_examples(notes: FlaskClient) -> None:
    listed = notes.get("/api/notes", headers=KEY).get_json()
    assert listed == {"items": [{"id": "n1", "title": "Groceries"}, {"id": "n2", "title": "Ideas"}], "total": 2}
    # n1 has its own read example; n2 comes from the list, completed from the read example's fields
    assert notes.get("/api/notes/n1", headers=KEY).get_json()["body"] == "milk, eggs"
    assert notes.get("/api/notes/n2", headers=KEY).get_json()["title"] == "Ideas"
    assert notes.get("/api/notes/n9", headers=KEY).status_code == 404


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through Linux's /proc")
def test_making_a_stateful_app_leaves_no_connection_open(tmp_path: Path) -> None:
    """The server's master makes the app, freezes it from the collector and forks its workers: a SQLite
    connection it left open (the state file's, the journal's) would be carried into every worker, which
    SQLite forbids. Each thread that uses the store opens its own."""
    config = MockConfig(stateful=True, state=str(tmp_path / "state.sqlite"), journal=True,
                        journal_path=str(tmp_path / "journal.sqlite"))
    gc.disable()  # closed by the store, not found by the collector
    try:
        client = create_app([NOTES], config).test_client()
        assert open_files_under(tmp_path) == []
        created = client.post("/api/notes", headers=KEY, json={"title": "Plan"})
        assert created.status_code == 201
        assert client.get(created.headers["Location"], headers=KEY).get_json()["title"] == "Plan"
    finally:
        gc.enable()


def test_create_read_update_delete(notes: FlaskClient) -> None:
    created = notes.post("/api/notes", headers=KEY, json={"title": "Plan", "tags": ["work"]})
    assert created.status_code == 201
    note = created.get_json()
    new_id = note["id"]
    assert note == {"id": new_id, "title": "Plan", "body": "", "tags": ["work"]}  # the create example fills the rest
    assert created.headers["Location"] == f"/api/notes/{new_id}"
    assert notes.get(f"/api/notes/{new_id}", headers=KEY).get_json() == note
    assert [n["id"] for n in notes.get("/api/notes", headers=KEY).get_json()["items"]] == ["n1", "n2", new_id]
    assert notes.get("/api/notes", headers=KEY).get_json()["total"] == 3

    patched = notes.patch(f"/api/notes/{new_id}", headers=KEY, json={"body": "step 1"}).get_json()
    assert patched == {**note, "body": "step 1"}
    replaced = notes.put(f"/api/notes/{new_id}", headers=KEY, json={"title": "Plan B"}).get_json()
    assert replaced == {**patched, "title": "Plan B"}  # the fields sent are replaced, the others kept

    assert notes.delete(f"/api/notes/{new_id}", headers=KEY).status_code == 204
    gone = notes.get(f"/api/notes/{new_id}", headers=KEY)
    assert gone.status_code == 404
    assert gone.get_json()["code"] == "NOT_FOUND"  # the API's own error model
    assert f"noteId '{new_id}' does not exist" in gone.get_json()["message"]
    assert notes.delete(f"/api/notes/{new_id}", headers=KEY).status_code == 404
    assert notes.patch(f"/api/notes/{new_id}", headers=KEY, json={"body": "x"}).status_code == 404


def test_a_client_supplied_key_is_kept_and_a_duplicate_refused(notes: FlaskClient) -> None:
    assert notes.post("/api/notes", headers=KEY, json={"id": "mine", "title": "T"}).get_json()["id"] == "mine"
    again = notes.post("/api/notes", headers=KEY, json={"id": "mine", "title": "T"})
    assert again.status_code == 400 and "already exists" in again.get_json()["message"]


def test_put_on_a_missing_item_creates_it(notes: FlaskClient) -> None:
    assert notes.put("/api/notes/fresh", headers=KEY, json={"title": "New"}).status_code == 200
    assert notes.get("/api/notes/fresh", headers=KEY).get_json()["title"] == "New"


def test_documents_are_read_back_and_die_with_their_owner(notes: FlaskClient) -> None:
    assert notes.get("/api/notes/n1/settings", headers=KEY).get_json() == {"pinned": False, "color": "yellow"}
    assert notes.put("/api/notes/n1/settings", headers=KEY, json={"pinned": True, "color": "blue"}).status_code == 204
    assert notes.get("/api/notes/n1/settings", headers=KEY).get_json() == {"pinned": True, "color": "blue"}
    assert notes.delete("/api/notes/n1", headers=KEY).status_code == 204
    assert notes.get("/api/notes/n1/settings", headers=KEY).status_code == 404
    assert notes.post("/api/notes/n1/archive", headers=KEY).status_code == 404
    assert notes.post("/api/notes/n2/archive", headers=KEY).status_code == 204


def test_requests_are_still_validated_and_prefer_bypasses_the_state(notes: FlaskClient) -> None:
    bad = notes.post("/api/notes", headers=KEY, json={"title": ""})
    assert bad.status_code == 400 and "/title" in bad.headers["sl-violations"]
    assert notes.get("/api/notes/n9", headers={**KEY, "Prefer": "code=200"}).status_code == 200


def test_reset_through_the_admin_api(notes: FlaskClient) -> None:
    notes.delete("/api/notes/n1", headers=KEY)
    notes.post("/api/notes", headers=KEY, json={"title": "Plan"})
    assert notes.post("/__apitwin/reset").status_code == 204
    assert [n["id"] for n in notes.get("/api/notes", headers=KEY).get_json()["items"]] == ["n1", "n2"]


def test_the_state_file_survives_a_restart(tmp_path: Path) -> None:
    config = MockConfig(stateful=True, state=str(tmp_path / "kept.sqlite"))
    client_for(NOTES, config=config).post("/api/notes", headers=KEY, json={"id": "kept", "title": "Kept"})
    assert client_for(NOTES, config=config).get("/api/notes/kept", headers=KEY).get_json()["title"] == "Kept"


def test_stateless_by_default() -> None:
    client = client_for(NOTES)
    client.delete("/api/notes/n1", headers=KEY)
    assert client.get("/api/notes/n1", headers=KEY).status_code == 200
    assert client.get("/__apitwin/state").status_code == 404


# -- concurrent writers, through real servers sharing one store ----------------------------------------------

def _hammer(urls: list[str]) -> None:
    """50 creates and 40 PATCHes of one note, from 8 threads spread over ``urls``: every create is kept."""
    with httpx.Client(headers=KEY, timeout=30) as http:
        assert http.put(f"{urls[0]}/api/notes/shared", json={"title": "Shared", "tags": []}).status_code == 200

    def create(i: int) -> int:
        with httpx.Client(headers=KEY, timeout=30) as http:
            return http.post(f"{urls[i % len(urls)]}/api/notes", json={"id": f"c{i}", "title": f"n{i}"}).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(create, range(50)))
    assert statuses == [201] * 50
    with httpx.Client(headers=KEY, timeout=30) as http:
        ids = [n["id"] for n in http.get(f"{urls[-1]}/api/notes").json()["items"]]
    assert sorted(i for i in ids if i.startswith("c")) == sorted(f"c{i}" for i in range(50))
    assert len(ids) == len(set(ids)) == 53  # n1, n2, shared + 50

    def field(i: int) -> int:
        with httpx.Client(headers=KEY, timeout=30) as http:
            return http.patch(f"{urls[i % len(urls)]}/api/notes/shared", json={"body": f"v{i}"}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(field, range(40))) == [200] * 40
    with httpx.Client(headers=KEY, timeout=30) as http:
        assert http.get(f"{urls[0]}/api/notes/shared").json()["title"] == "Shared"  # PATCHes merged, not replaced


def _merge_race(store_factory: Any) -> None:
    """Concurrent read-modify-write through the store itself: 8 threads x 25 increments, nothing lost."""
    store = store_factory()

    def bump(_: int) -> None:
        store.update("race", "/counter", "/", lambda v: {"n": (v or {"n": 0})["n"] + 1})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bump, range(200)))
    assert store.get("race", "/counter") == {"n": 200}
    store.close()


def _servers(config: MockConfig, count: int) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(running(create_app([NOTES], config))) for _ in range(count)]


def test_sqlite_concurrent_writes_from_two_servers_lose_nothing(tmp_path: Path) -> None:
    from mockserver.modes.store import SQLiteStore

    path = str(tmp_path / "shared.sqlite")
    for urls in _servers(MockConfig(stateful=True, state=path), 2):
        _hammer(urls)
    _merge_race(lambda: SQLiteStore(path))


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (Debian's package) on a free loopback port, for this module."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: `make test` installs Debian's redis-server "
                    "(apt-get install redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_redis_concurrent_writes_from_two_instances_lose_nothing(redis_url: str) -> None:
    from mockserver.modes.store import RedisStore

    RedisStore(redis_url).reset()
    for urls in _servers(MockConfig(stateful=True, state=redis_url), 2):
        _hammer(urls)
        # one instance deletes, the other sees it
        with httpx.Client(headers=KEY) as http:
            assert http.delete(f"{urls[0]}/api/notes/c7").status_code == 204
            assert http.get(f"{urls[1]}/api/notes/c7").status_code == 404
    _merge_race(lambda: RedisStore(redis_url))


def test_redis_reset_and_seed(redis_url: str) -> None:
    from mockserver.modes.store import RedisStore

    RedisStore(redis_url).reset()
    client = client_for(NOTES, config=MockConfig(stateful=True, state=redis_url))
    client.delete("/api/notes/n2", headers=KEY)
    assert [n["id"] for n in client.get("/api/notes", headers=KEY).get_json()["items"]] == ["n1"]
    assert client.post("/__apitwin/reset").status_code == 204
    assert [n["id"] for n in client.get("/api/notes", headers=KEY).get_json()["items"]] == ["n1", "n2"]


REGISTRY = Path(__file__).resolve().parents[2] / "data" / "specs" / "registry.yaml"


@pytest.fixture()
def registry(tmp_path: Path) -> FlaskClient:
    return client_for(REGISTRY, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))


def test_a_list_keyed_by_name_is_a_map_of_items(registry: FlaskClient) -> None:
    listed = registry.get("/api/connections/", headers=KEY).get_json()
    assert sorted(listed) == ["fs", "pg"]
    # pg has a read example of its own: it wins over the list's shorter entry
    assert registry.get("/api/connections/pg", headers=KEY).get_json()["params"] == {"host": "db", "port": 5432}
    assert registry.get("/api/connections/fs", headers=KEY).get_json()["type"] == "Filesystem"
    body = {"name": "s3", "type": "EC2", "params": {"bucket": "lake"}}
    assert registry.post("/api/connections/", headers=KEY, json=body).status_code == 204
    listed = registry.get("/api/connections/", headers=KEY).get_json()
    assert sorted(listed) == ["fs", "pg", "s3"] and listed["s3"] == body
    assert registry.delete("/api/connections/pg", headers=KEY).status_code == 204
    assert sorted(registry.get("/api/connections/", headers=KEY).get_json()) == ["fs", "s3"]


def test_post_on_an_item_path_creates_it_there(registry: FlaskClient) -> None:
    roles = registry.get("/__apitwin/state").get_json()["registry"]
    assert (roles["createEnv"], roles["runMacro"]) == ("create-at", "scoped")  # a run is not a creation
    assert registry.get("/api/envs/python/py-new", headers=KEY).status_code == 404
    created = registry.post("/api/envs/python/py-new", headers=KEY, json={"packages": "pandas"})
    assert created.status_code == 200
    assert created.get_json() == {"envName": "py-new", "messages": {"error": False}}  # the report names it
    assert registry.get("/api/envs/python/py-new", headers=KEY).get_json() == {
        "envName": "py-new", "lang": "python", "packages": "pandas"}
    again = registry.post("/api/envs/python/py-new", headers=KEY, json={})
    assert again.status_code == 400 and "already exists" in again.get_json()["message"]
    assert registry.delete("/api/envs/python/py-new", headers=KEY).status_code == 204
    assert registry.get("/api/envs/python/py-new", headers=KEY).status_code == 404
    assert registry.post("/api/macros/clean", headers=KEY).get_json() == {"runId": "r1"}


INFRAS = Path(__file__).resolve().parents[2] / "data" / "specs" / "infras.yaml"


def test_a_nested_key_is_found_from_the_examples_and_written_on_create(tmp_path: Path) -> None:
    """infraBasicInfo.id holds the key (the read example says so); owner.id does not, though it is an id too."""
    c = client_for(INFRAS, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))
    # the key comes from a qualified name of the key parameter (publishedInfraId for infraId)
    assert c.post("/api/infras", json={"publishedInfraId": "edge", "stage": "Test"}).status_code == 200
    edge = c.get("/api/infras/edge").get_json()
    assert edge["infraBasicInfo"] == {"id": "edge", "stage": "Test"}  # the body's fields the holder has, too
    assert edge["owner"] == {"id": "admin"}
    assert [i["infraBasicInfo"]["id"] for i in c.get("/api/infras").get_json()] == ["prod", "edge"]
    assert c.post("/api/infras", json={"publishedInfraId": "edge"}).status_code == 400  # a duplicate
    assert c.delete("/api/infras/edge").status_code == 204
    assert c.get("/api/infras/edge").status_code == 404
    assert [i["infraBasicInfo"]["id"] for i in c.get("/api/infras").get_json()] == ["prod"]


LIBRARIES = Path(__file__).resolve().parents[2] / "data" / "specs" / "libraries.yaml"


def test_the_key_parameters_example_names_the_key_field_and_the_listing_shapes_new_items(tmp_path: Path) -> None:
    """localPath holds the {ref} example; the create answers a task handle, so the listing tells what an item is."""
    c = client_for(LIBRARIES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))
    roles = c.get("/__apitwin/state").get_json()["libraries"]
    assert roles == {"listLibs": "list", "addLib": "create", "setLib": "replace", "removeLib": "delete"}
    assert [x["localPath"] for x in c.get("/api/libs").get_json()] == ["py/utils"]  # seeded by localPath
    added = c.post("/api/libs", json={"repository": "git@example.com:geo.git", "localPath": "py/geo", "checkout": "v3"})
    assert added.get_json() == {"jobId": "pull-1"}  # the task, not the library merged into it
    assert c.get("/api/libs").get_json()[1] == {"repository": "git@example.com:geo.git", "localPath": "py/geo",
                                                "checkout": "v3"}
    assert c.put("/api/libs/py/geo", json={"repository": "git@example.com:geo.git", "checkout": "v4"}).get_json()[
        "checkout"] == "v4"
    assert c.delete("/api/libs/py/utils").status_code == 204
    assert [x["localPath"] for x in c.get("/api/libs").get_json()] == ["py/geo"]
    assert c.delete("/api/libs/py/utils").status_code == 404


def test_a_binary_download_nothing_lists_stays_stateless(tmp_path: Path) -> None:
    c = client_for(LIBRARIES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))
    assert "downloadExport" not in c.get("/__apitwin/state").get_json()["libraries"]
    assert c.get("/api/exports/e-42").status_code == 200  # not a 404 for an item nothing could have seeded


def _collections(client: FlaskClient) -> dict[str, list[str]]:
    """collection path -> the paths of its items, from the admin API's state view."""
    answer = client.get("/__apitwin/state/collections")
    assert answer.status_code == 200
    (api,) = answer.get_json()["apis"]
    assert api["name"] == "notes"
    return {c["collection"]: [i["path"] for i in c["items"]] for c in api["collections"]}


def test_the_state_view_shows_the_seeded_world_and_every_change(notes: FlaskClient) -> None:
    # before any request: the top-level collection is shown as seeded from the examples
    assert _collections(notes) == {"/notes": ["/notes/n1", "/notes/n2"]}
    new_id = notes.post("/api/notes", headers=KEY, json={"title": "Plan"}).get_json()["id"]
    assert notes.put("/api/notes/n1/settings", headers=KEY, json={"pinned": True, "color": "blue"}).status_code == 204
    assert notes.delete("/api/notes/n2", headers=KEY).status_code == 204
    assert _collections(notes) == {"/notes": ["/notes/n1", f"/notes/{new_id}"], "/notes/n1": ["/notes/n1/settings"]}
    view = notes.get("/__apitwin/state/collections").get_json()["apis"][0]["collections"]
    settings = next(c for c in view if c["collection"] == "/notes/n1")
    assert settings["items"][0]["value"] == {"pinned": True, "color": "blue"} and settings["template"] is None
    assert next(c for c in view if c["collection"] == "/notes")["template"] == "/notes"


def test_reset_one_collection_or_everything(notes: FlaskClient) -> None:
    notes.post("/api/notes", headers=KEY, json={"id": "mine", "title": "Plan"})
    notes.put("/api/notes/n1/settings", headers=KEY, json={"pinned": True, "color": "blue"})
    # the documents under n1: n1 itself stays
    assert notes.delete("/__apitwin/state/collections/notes/notes/n1").status_code == 204
    assert _collections(notes) == {"/notes": ["/notes/n1", "/notes/n2", "/notes/mine"]}
    assert notes.get("/api/notes/n1/settings", headers=KEY).get_json() == {"pinned": False, "color": "yellow"}
    # the notes collection: back to the examples, everything under it forgotten
    notes.put("/api/notes/mine/settings", headers=KEY, json={"pinned": True, "color": "blue"})
    assert notes.delete("/__apitwin/state/collections/notes/notes").status_code == 204
    assert _collections(notes) == {"/notes": ["/notes/n1", "/notes/n2"]}
    assert notes.get("/api/notes/mine", headers=KEY).status_code == 404
    # everything, the journal aside
    notes.delete("/api/notes/n1", headers=KEY)
    assert notes.delete("/__apitwin/state/collections").status_code == 204
    assert notes.get("/api/notes/n1", headers=KEY).status_code == 200
    notes.delete("/api/notes/n1", headers=KEY)
    assert notes.delete("/__apitwin/state/collections/notes").status_code == 204
    assert notes.get("/api/notes/n1", headers=KEY).status_code == 200
    assert notes.delete("/__apitwin/state/collections/nobody").status_code == 404


def test_the_state_endpoints_over_http(tmp_path: Path) -> None:
    config = MockConfig(stateful=True, state=str(tmp_path / "state.sqlite"))
    with running(create_app([NOTES], config)) as url, httpx.Client(base_url=url, headers=KEY) as http:
        http.post("/api/notes", json={"id": "mine", "title": "Plan"})
        view = http.get("/__apitwin/state/collections").json()["apis"][0]["collections"]
        assert [i["path"] for i in view[0]["items"]] == ["/notes/n1", "/notes/n2", "/notes/mine"]
        assert view[0]["count"] == 3
        assert http.delete("/__apitwin/state/collections/notes/notes").status_code == 204
        assert http.get("/api/notes/mine").status_code == 404
    with running(create_app([NOTES])) as url:
        assert httpx.get(url + "/__apitwin/state/collections").status_code == 404
        assert httpx.delete(url + "/__apitwin/state/collections").status_code == 404


def test_redis_state_view_and_reset_of_one_collection(redis_url: str) -> None:
    from mockserver.modes.store import RedisStore

    RedisStore(redis_url).reset()
    client = client_for(NOTES, config=MockConfig(stateful=True, state=redis_url))
    client.post("/api/notes", headers=KEY, json={"id": "mine", "title": "Plan"})
    client.put("/api/notes/mine/settings", headers=KEY, json={"pinned": True, "color": "blue"})
    assert _collections(client) == {"/notes": ["/notes/n1", "/notes/n2", "/notes/mine"],
                                    "/notes/mine": ["/notes/mine/settings"]}
    assert client.delete("/__apitwin/state/collections/notes/notes/mine").status_code == 204
    assert _collections(client) == {"/notes": ["/notes/n1", "/notes/n2", "/notes/mine"]}
    assert client.delete("/__apitwin/state/collections/notes/notes").status_code == 204
    assert _collections(client) == {"/notes": ["/notes/n1", "/notes/n2"]}
