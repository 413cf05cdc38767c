"""The request journal and the admin API: recent requests, verification, reset, redaction."""

from __future__ import annotations

import gc
import json
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from types import NoneType
from typing import Any

import pytest
import requests
from werkzeug.test import EnvironBuilder

from mockserver import ADMIN_PREFIX, MockConfig, create_app, running
from mockserver.modes import journal as journal_module
from mockserver.modes import journal_rows
from mockserver.modes.journal import BODY_LIMIT, EnvironHeaders, Journal, JournalEntry, RawEntry
from mockserver.modes.redaction import Redactor

from ..conftest import AUTH, PETSTORE, make_spec, write_spec


@pytest.fixture()
def mock_url() -> object:
    with running(create_app([PETSTORE], MockConfig(journal=True))) as url:
        yield url


def test_journal_lists_requests_with_their_validation_outcome(mock_url: str) -> None:
    requests.get(mock_url + "/api/v1/pets/1", headers=AUTH, timeout=5)
    requests.post(mock_url + "/api/v1/pets", json={"name": ""}, headers=AUTH, timeout=5)
    entries = requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json()
    assert [(e["method"], e["path"], e["status"]) for e in entries[:2]] == [
        ("POST", "/api/v1/pets", 400), ("GET", "/api/v1/pets/1", 200)]
    assert entries[0]["operation"] == "createPet"
    assert {v["pointer"] for v in entries[0]["violations"]} == {"/name", "/kind"}
    assert entries[1]["violations"] == []


def test_requests_no_operation_answers_are_journaled_too(mock_url: str) -> None:
    """A frontend calling a wrong path or method sees it in the journal (and the dashboard), secrets redacted."""
    requests.get(mock_url + "/api/v1/nowhere?token=sesame-9", headers=AUTH, timeout=5)
    requests.delete(mock_url + "/api/v1/pets", headers=AUTH, timeout=5)
    entries = requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json()
    assert [(e["method"], e["path"], e["status"], e["operation"]) for e in entries[:2]] == [
        ("DELETE", "/api/v1/pets", 405, ""), ("GET", "/api/v1/nowhere", 404, "")]
    assert entries[0]["violations"][0]["location"] == "method"
    detail = requests.get(mock_url + ADMIN_PREFIX + f"/requests/{entries[1]['id']}", timeout=5).json()
    assert detail["response"]["status"] == 404 and detail["response"]["body"]
    assert "sesame" not in json.dumps(detail) and detail["headers"]["Authorization"] == "[redacted]"


def test_verification_call_counts_matching_requests(mock_url: str) -> None:
    for name in ("Rex", "Tom", "Rex"):
        requests.post(mock_url + "/api/v1/pets", json={"name": name, "kind": "dog"}, headers=AUTH, timeout=5)
    verify = mock_url + ADMIN_PREFIX + "/requests/verify"
    answer = requests.post(verify, json={"method": "POST", "path": "/api/v1/pets", "body": {"name": "Rex"},
                                         "count": 2}, timeout=5).json()
    assert answer == {"matched": 2, "ok": True}
    assert requests.post(verify, json={"method": "DELETE", "path": "/api/v1/pets/1"}, timeout=5).json() == {
        "matched": 0, "ok": False}
    assert requests.post(verify, json={"path": 1}, timeout=5).status_code == 400


def test_reset_forgets_everything(mock_url: str) -> None:
    requests.get(mock_url + "/api/v1/pets/1", headers=AUTH, timeout=5)
    assert requests.post(mock_url + ADMIN_PREFIX + "/reset", timeout=5).status_code == 204
    assert requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json() == []


def test_secrets_are_redacted(mock_url: str) -> None:
    requests.post(mock_url + "/api/v1/pets", json={"name": "Rex", "kind": "dog", "password": "hunter2"},
                  headers={**AUTH, "X-Api-Key": "k-123", "Cookie": "session=abc"}, timeout=5)
    raw = json.dumps(requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json())
    for secret in ("token-1", "hunter2", "k-123", "session=abc"):
        assert secret not in raw
    assert "[redacted]" in raw


def test_loaded_apis_and_health(mock_url: str) -> None:
    apis = requests.get(mock_url + ADMIN_PREFIX + "/apis", timeout=5).json()
    assert apis[0]["title"] == "Pets" and apis[0]["prefixes"] == ["/api/v1", "/alias"]
    get_pet = next(o for o in apis[0]["operations"] if o["operationId"] == "getPet")
    assert get_pet["examples"]["200"]["application/json"] == ["rex", "tom"]
    assert requests.get(mock_url + ADMIN_PREFIX + "/health", timeout=5).json()["status"] == "ok"


def test_journal_is_off_unless_asked_for() -> None:
    with running(create_app([PETSTORE])) as url:
        assert requests.get(url + ADMIN_PREFIX + "/requests", timeout=5).status_code == 404


def test_one_request_in_full_with_the_answer_as_sent(mock_url: str) -> None:
    requests.post(mock_url + "/api/v1/pets?debug=1", json={"name": "Rex", "kind": "dog"}, headers=AUTH, timeout=5)
    listed = requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json()[0]
    assert "response" not in listed  # the listing stays light: the answer is in the detail only
    detail = requests.get(mock_url + ADMIN_PREFIX + f"/requests/{listed['id']}", timeout=5).json()
    assert (detail["method"], detail["path"], detail["query"], detail["status"]) == (
        "POST", "/api/v1/pets", "debug=1", 201)
    assert detail["body"] == {"name": "Rex", "kind": "dog"}
    assert json.loads(detail["body_text"]) == detail["body"] and detail["body_truncated"] is False
    answer = detail["response"]
    assert answer["status"] == 201 and answer["headers"]["Content-Type"] == "application/json"
    assert answer["body"]["name"] == "Rex" and json.loads(answer["body_text"]) == answer["body"]
    assert detail["headers"]["Authorization"] == "[redacted]"
    missing = requests.get(mock_url + ADMIN_PREFIX + "/requests/999999", timeout=5)
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


def test_violations_and_a_problem_answer_are_kept(mock_url: str) -> None:
    requests.post(mock_url + "/api/v1/pets", json={"name": ""}, headers=AUTH, timeout=5)
    entry_id = requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json()[0]["id"]
    detail = requests.get(mock_url + ADMIN_PREFIX + f"/requests/{entry_id}", timeout=5).json()
    assert {v["pointer"] for v in detail["violations"]} == {"/name", "/kind"}
    assert detail["response"]["status"] == 400
    assert "sl-violations" in {k.lower() for k in detail["response"]["headers"]}


def test_bodies_are_bounded_and_binary_bodies_not_kept(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.sqlite"))
    big = json.dumps({"text": "x" * (BODY_LIMIT * 2)})
    journal.record(JournalEntry("POST", "/a", "", "api", "op", 200, {}, big, [], 1.0,
                                response_headers={"Content-Type": "application/zip"},
                                response_body=b"PK\x03\x04\xff\xfe"))
    entry_id = journal.entries()[0]["id"]
    detail = journal.entry(entry_id)
    assert detail is not None
    assert len(detail["body_text"]) == BODY_LIMIT and detail["body_truncated"] is True
    assert detail["body_size"] == len(big)
    assert detail["response"]["binary"] is True and detail["response"]["body"] is None
    assert detail["response"]["body_size"] == 6


def test_a_journal_file_from_before_the_answers_were_kept_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:
        old.execute("create table requests (id integer primary key autoincrement, ts real not null, method text not"
                    " null, path text not null, query text not null, api text not null, operation text not null,"
                    " status integer not null, headers text not null, body text, violations text not null,"
                    " duration_ms real not null)")
        old.execute("insert into requests (ts, method, path, query, api, operation, status, headers, body,"
                    " violations, duration_ms) values (1, 'GET', '/a', '', 'api', 'op', 200, '{}', null, '[]', 1)")
    journal = Journal(str(path))
    detail = journal.entry(1)
    assert detail is not None and detail["response"] == {
        "status": 200, "headers": {}, "body": None, "body_text": None, "body_size": None, "binary": False,
        "body_truncated": False}


def test_api_keys_are_redacted_whatever_the_spec_names_them(tmp_path: Path) -> None:
    spec = make_spec(
        security=[{"header": []}, {"query": []}],
        components={**make_spec()["components"], "securitySchemes": {
            "header": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "query": {"type": "apiKey", "in": "query", "name": "k"}}})
    with running(create_app([write_spec(tmp_path, spec)], MockConfig(journal=True))) as url:
        requests.get(url + "/items/1", headers={"X-Key": "sesame-1"}, timeout=5)
        requests.get(url + "/items/1?k=sesame-2&page=2", timeout=5)
        listed = requests.get(url + ADMIN_PREFIX + "/requests", timeout=5).json()
        details = [requests.get(url + ADMIN_PREFIX + f"/requests/{e['id']}", timeout=5).json() for e in listed]
    raw = json.dumps(details)
    assert "sesame" not in raw
    assert details[1]["headers"]["X-Key"] == "[redacted]"
    assert details[0]["query"] == "k=%5Bredacted%5D&page=2"


def test_headers_taken_from_the_environ_are_named_and_redacted_when_written(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.sqlite"))
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "",
               "HTTP_AUTHORIZATION": "Basic c2VjcmV0Og==", "HTTP_X_KEY": "k-123", "HTTP_ACCEPT": "*/*",
               "wsgi.input": object()}
    body = json.dumps({"password": "hunter2", "name": "a"})
    for names in (["x-key"], []):  # the same headers, redacted by each entry's own redactor
        journal.record(JournalEntry("POST", "/a", "", "api", "op", 200, EnvironHeaders.of(environ), body, [], 1.0,
                                    redactor=Redactor(names)))
    newer, older = journal.entries()
    assert older["headers"] == {"Content-Type": "application/json", "Authorization": "[redacted]",
                                "X-Key": "[redacted]", "Accept": "*/*"}
    assert newer["headers"]["X-Key"] == "k-123" and newer["headers"]["Authorization"] == "[redacted]"
    assert older["body"] == newer["body"] == {"password": "[redacted]", "name": "a"}


def _held_by(app: Any) -> list[JournalEntry | RawEntry]:
    """The entries ``app``'s journal holds unwritten (a read writes them)."""
    return list(app.extensions["apitwin_journal"]._buffer)


def _atomic(value: object) -> bool:
    """Text, bytes, a number, None, or a tuple of them or of such tuples: what the collector stops tracking."""
    if isinstance(value, tuple):
        return all(_atomic(v) for v in value)
    return isinstance(value, str | bytes | int | float | NoneType)


def test_held_entries_hold_no_object_of_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker holds up to 5,000 unwritten entries: one must keep neither the request's stream nor an object a
    server puts in the environ (a socket), only text and numbers, which the collector stops tracking (the
    environ's copy at its next full pass)."""
    monkeypatch.setattr(journal_module, "_QUIET_TICKS", 10**9)  # held until read, however slow the machine
    app = create_app([PETSTORE], MockConfig(journal=True))
    client = app.test_client()
    server_socket = socket.socket()
    try:
        server = {"apitwin.test.socket": server_socket}
        assert client.get("/api/v1/pets/1", headers=AUTH, environ_base=server).status_code == 200
        assert client.get("/api/v1/pets/2", headers=AUTH, environ_base=server).status_code == 200
        assert client.post("/api/v1/pets", json={"name": ""}, headers={**AUTH, "X-Trace": "t-1"},
                           environ_base=server).status_code == 400
    finally:
        server_socket.close()
    gc.collect()
    held = _held_by(app)
    assert len(held) == 3
    for entry in held:
        assert isinstance(entry, tuple)
        for value in entry:
            if isinstance(value, dict):  # a copy of the environ, or the answer's headers
                assert all(isinstance(k, str) and _atomic(v) for k, v in value.items()), value
                assert not gc.is_tracked(value)
            else:
                assert _atomic(value), value
    first, second = held[0], held[1]
    assert isinstance(first, tuple) and isinstance(second, tuple)
    environ, later = first[8], second[8]
    assert isinstance(environ, dict) and environ["HTTP_AUTHORIZATION"] == AUTH["Authorization"]
    assert isinstance(later, dict) and "wsgi.input" not in environ and "apitwin.test.socket" not in later
    entries = client.get(ADMIN_PREFIX + "/requests").get_json()  # and written as before
    assert [e["status"] for e in entries] == [400, 200, 200]
    assert entries[0]["headers"]["X-Trace"] == "t-1" and entries[0]["headers"]["Authorization"] == "[redacted]"
    assert entries[1]["headers"]["Authorization"] == "[redacted]" and "Host" in entries[1]["headers"]
    assert {v["pointer"] for v in entries[0]["violations"]} == {"/name", "/kind"}


def test_where_the_server_allows_it_an_entry_keeps_the_environ_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a server that reads nothing of an environ once the app has returned (granian), an entry keeps the
    environ itself, without its streams: no copy on the request path (journal_rows.keep_environs_in_place)."""
    monkeypatch.setattr(journal_module, "_QUIET_TICKS", 10**9)  # held until read, however slow the machine
    monkeypatch.setattr(journal_rows, "_IN_PLACE", [False])
    app = create_app([PETSTORE], MockConfig(journal=True))

    def answer(environ: dict[str, Any]) -> int:
        status: list[str] = []

        def start(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            status.append(line)
            return lambda data: None

        b"".join(app(environ, start))
        return int(status[0].split()[0])

    first: dict[str, str] = {**AUTH, "X-Trace": "t-0"}
    copied = EnvironBuilder(path="/api/v1/pets/1", headers=list(first.items())).get_environ()
    assert answer(copied) == 200
    journal_rows.keep_environs_in_place()
    second: dict[str, str] = {**AUTH, "X-Trace": "t-1"}
    kept = EnvironBuilder(path="/api/v1/pets/2", headers=list(second.items())).get_environ()
    assert answer(kept) == 200
    held = _held_by(app)
    assert isinstance(held[0], tuple) and isinstance(held[1], tuple)
    assert held[0][8] is not copied and "wsgi.input" in copied  # a copy: the server's environ as it was
    assert held[1][8] is kept and "wsgi.input" not in kept and "wsgi.errors" not in kept
    entries = app.test_client().get(ADMIN_PREFIX + "/requests").get_json()  # and written as before
    assert [(e["path"], e["headers"]["X-Trace"], e["headers"]["Authorization"]) for e in entries] == [
        ("/api/v1/pets/2", "t-1", "[redacted]"), ("/api/v1/pets/1", "t-0", "[redacted]")]


def test_an_entry_holds_the_requests_clock_readings_and_is_written_with_its_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On the request path an entry takes one clock reading (when the answer was ready) beside the one the
    request took when it arrived, and a body's size only when it was cut; the row has the wall-clock time
    and the duration as before."""
    monkeypatch.setattr(journal_module, "_QUIET_TICKS", 10**9)
    app = create_app([PETSTORE], MockConfig(journal=True))
    client = app.test_client()
    before, clock = time.time(), time.perf_counter()
    assert client.get("/api/v1/pets/1", headers={**AUTH, "X-Trace": "t-1"}).status_code == 200
    after = time.time()
    (raw,) = _held_by(app)
    assert isinstance(raw, tuple) and clock <= raw[12] <= raw[0] <= time.perf_counter()
    assert raw[10] is None and raw[16] is None  # nothing cut: the sizes are the bodies' own
    (entry,) = client.get(ADMIN_PREFIX + "/requests").get_json()
    assert entry["headers"]["X-Trace"] == "t-1" and entry["headers"]["Authorization"] == "[redacted]"
    assert before - 0.01 <= entry["ts"] <= after + 0.01
    assert 0 < entry["duration_ms"] <= (after - before) * 1000 + 1
    detail = client.get(f"{ADMIN_PREFIX}/requests/{entry['id']}").get_json()
    assert detail["response"]["body_size"] == len(detail["response"]["body_text"].encode()) > 0


def test_short_entries_take_the_buffers_own_append_and_long_ones_are_counted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a process's writer runs, an entry with short bodies costs the request no Python call of the
    journal (the buffer's append); one with long bodies goes through record(), which counts what the process
    holds (written beyond a bound, busy or not); both are written alike."""
    monkeypatch.setattr(journal_module, "_QUIET_TICKS", 10**9)
    calls: list[str] = []
    record = Journal.record

    def counting(self: Journal, entry: JournalEntry | RawEntry) -> None:
        calls.append(entry[2] if isinstance(entry, tuple) else entry.path)
        record(self, entry)

    monkeypatch.setattr(Journal, "record", counting)
    app = create_app([PETSTORE], MockConfig(journal=True))
    journal = app.extensions["apitwin_journal"]
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/pets/1", headers=AUTH).status_code == 200
    assert calls == ["/api/v1/pets/1"]  # the first starts this process's writer; the others are appended
    assert journal.hold == journal._buffer.append and journal._held == 0
    long_name = "n" * 2000
    assert client.post("/api/v1/pets", json={"name": long_name, "kind": "cat"}, headers=AUTH).status_code == 201
    assert calls == ["/api/v1/pets/1", "/api/v1/pets"] and journal._held > 2000
    entries = client.get(ADMIN_PREFIX + "/requests").get_json()
    assert [e["method"] for e in entries] == ["POST", "GET", "GET", "GET"]
    assert entries[0]["body"]["name"] == long_name and journal._held == 0


def test_an_entry_that_meets_a_closing_journal_is_written_at_once(tmp_path: Path) -> None:
    """A hot reload closes the old app's journal while requests are still in flight on it: an entry appended
    by the buffer's own append as the journal closes (the close came between the request's reading of
    ``hold`` and its call) is written at once, as one that comes after the close is."""
    path = tmp_path / "journal.sqlite"
    app = create_app([PETSTORE], MockConfig(journal=True, journal_path=str(path)))
    journal = app.extensions["apitwin_journal"]
    client = app.test_client()
    assert client.get("/api/v1/pets/1", headers=AUTH).status_code == 200
    append = journal.hold
    assert append == journal._buffer.append

    def closing_on_the_way(entry: RawEntry) -> None:
        journal.close()
        append(entry)

    def stored() -> list[str]:  # the file itself, no read that would gather what is held
        with sqlite3.connect(path) as conn:
            return [row[0] for row in conn.execute("select path from requests order by id")]

    journal.hold = closing_on_the_way
    assert client.get("/api/v1/pets/2", headers=AUTH).status_code == 200
    assert stored() == ["/api/v1/pets/1", "/api/v1/pets/2"]
    assert client.get("/api/v1/pets/3", headers=AUTH).status_code == 200  # after the close: record()
    assert stored() == ["/api/v1/pets/1", "/api/v1/pets/2", "/api/v1/pets/3"]


def test_a_quiet_tick_writes_a_bounded_chunk_and_a_read_writes_all(tmp_path: Path) -> None:
    """A quiet worker writes what it holds a chunk a tick: a request arriving meanwhile waits for one chunk
    (about 1 ms), not for the thousands of entries a burst left (tens of ms of the GIL, seen in the p99)."""
    path = tmp_path / "journal.sqlite"
    journal = Journal(str(path))
    held = 3 * journal_module._QUIET_CHUNK + 7
    for index in range(held):
        journal.record(JournalEntry("GET", f"/a/{index}", "", "api", "op", 200, {}, None, [], 1.0))
    journal._stop_flusher()  # this test ticks the writer by hand
    journal._idle, journal._seen = journal_module._QUIET_TICKS, journal._newest()

    def stored() -> int:
        with sqlite3.connect(path) as conn:
            return int(conn.execute("select count(*) from requests").fetchone()[0])

    journal._tick()
    assert stored() == journal_module._QUIET_CHUNK and len(journal._buffer) == held - journal_module._QUIET_CHUNK
    journal._tick()
    assert stored() == 2 * journal_module._QUIET_CHUNK
    journal.record(JournalEntry("GET", "/busy", "", "api", "op", 200, {}, None, [], 1.0))
    journal._tick()  # a request came: no longer quiet, nothing written
    assert stored() == 2 * journal_module._QUIET_CHUNK
    paths = [e["path"] for e in journal.entries(limit=1000)]  # a read writes everything at once, in order
    assert len(paths) == held + 1 and paths[0] == "/busy" and paths[-1] == "/a/0"
    assert journal._held == 0
