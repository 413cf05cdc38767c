"""Callbacks and webhooks: the mock calls a real loopback receiver, in the background, and journals the outcome."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver import ADMIN_PREFIX, MockConfig, create_app, running
from mockserver.modes import callbacks
from mockserver.modes.callbacks import Trigger, evaluate, expand, refused_target
from mockserver.pipeline.request import IncomingRequest

SPEC = Path(__file__).resolve().parent.parent.parent / "data" / "specs" / "callbacks.yaml"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback HTTP server that queues what it receives and answers ``status``/``body`` once released."""

    url: str
    got: queue.Queue[Received] = field(default_factory=queue.Queue)
    release: threading.Event = field(default_factory=threading.Event)
    status: int = 204
    body: bytes = b""
    location: str = ""


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    state = Receiver("")
    state.release.set()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.got.put(Received(self.command, self.path, dict(self.headers), self.rfile.read(length)))
            state.release.wait(30)
            self.send_response(state.status)
            if state.body:
                self.send_header("Content-Type", "application/json")
            if state.location and self.path != state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        do_POST = do_PUT = do_GET = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def mock_url() -> Iterator[str]:
    with running(create_app([SPEC], MockConfig(journal=True, callback_timeout_s=10))) as url:
        yield url


#: (label, outcome) of every callback or webhook recorded, as the mock's thread records it
RECORDED: queue.Queue[tuple[str, Any]] = queue.Queue()


@pytest.fixture(autouse=True)
def _recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Announce each recorded outcome (after it is journaled), so that tests wait on it, not on time."""
    record = callbacks.record

    def announced(outcome: Any, journal: Any, api: str, label: str) -> None:
        record(outcome, journal, api, label)
        RECORDED.put((label, outcome))

    monkeypatch.setattr(callbacks, "record", announced)
    monkeypatch.setattr("mockserver.http.admin.record", announced)
    while not RECORDED.empty():
        RECORDED.get_nowait()
    yield


def journal_entry(base: str, operation: str) -> dict[str, Any]:
    """The journal entry of the next outcome recorded for ``operation`` (waits for the mock's thread)."""
    while True:
        label, _ = RECORDED.get(timeout=30)
        if label == operation:
            break
    entries = requests.get(f"{base}{ADMIN_PREFIX}/requests", params={"operation": operation}, timeout=5).json()
    return requests.get(f"{base}{ADMIN_PREFIX}/requests/{entries[0]['id']}", timeout=5).json()  # type: ignore[no-any-return]


def test_a_callback_is_sent_after_the_answer_to_the_url_of_the_request(mock_url: str, receiver: Receiver) -> None:
    receiver.release.clear()  # the receiver holds the callback: the client's answer must not wait for it
    answer = requests.post(mock_url + "/subscriptions", params={"tenant": "acme"},
                           json={"callbackUrl": receiver.url + "/hooks"}, timeout=20)
    assert answer.status_code == 201
    got = receiver.got.get(timeout=30)
    receiver.release.set()
    assert (got.method, got.path) == ("POST", "/hooks/events/sub-42?tenant=acme")
    assert got.headers["X-Event-Id"] == "evt-1"
    assert got.headers["Authorization"] == "Bearer apitwin-callback"  # the callback operation's security
    assert json.loads(got.body) == {"kind": "created", "subscription": "sub-42"}
    entry = journal_entry(mock_url, "callback onEvent of subscribe")
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", receiver.url + "/hooks/events/sub-42", 204)
    assert entry["violations"] == []
    assert entry["body"] == {"kind": "created", "subscription": "sub-42"}


def test_an_invalid_request_gets_no_callback(mock_url: str, receiver: Receiver) -> None:
    assert requests.post(mock_url + "/subscriptions", json={"url": receiver.url}, timeout=20).status_code == 400
    requests.post(mock_url + "/subscriptions", params={"tenant": "t2"}, json={"callbackUrl": receiver.url},
                  timeout=20)
    assert receiver.got.get(timeout=30).path.endswith("tenant=t2")  # the first callback is the valid request's
    assert receiver.got.empty()


def test_the_receivers_answer_is_checked_against_the_callbacks_spec(mock_url: str, receiver: Receiver) -> None:
    receiver.status, receiver.body = 200, b'{"ok": "yes"}'
    assert requests.head(mock_url + "/pings", headers={"X-Callback": receiver.url + "/head"}, timeout=20).ok
    assert requests.get(mock_url + "/pings", headers={"X-Callback": receiver.url + "/pong"}, timeout=20).ok
    got = receiver.got.get(timeout=30)
    assert (got.method, got.path) == ("PUT", "/pong")  # a bare expression, in a $ref'd callback object; not HEAD
    assert "at" in json.loads(got.body)  # generated from the schema: no example
    entry = journal_entry(mock_url, "callback pong of ping")
    assert entry["status"] == 200
    assert [(v["location"], v["pointer"]) for v in entry["violations"]] == [("response", "/ok")]
    assert entry["response"]["body"] == {"ok": "yes"}


def test_an_undocumented_status_and_an_unreachable_target_are_journaled(mock_url: str, receiver: Receiver) -> None:
    receiver.status = 500
    requests.post(mock_url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": receiver.url},
                  timeout=20)
    entry = journal_entry(mock_url, "callback onEvent of subscribe")
    assert entry["status"] == 500
    assert "received 500, documented: 204" in entry["violations"][0]["message"]
    requests.post(mock_url + "/__apitwin/reset", timeout=5)
    with running(create_app([SPEC])) as closed:  # a port where nothing listens once closed
        pass
    requests.post(mock_url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": closed}, timeout=20)
    entry = journal_entry(mock_url, "callback onEvent of subscribe")
    assert entry["status"] == 0
    assert entry["violations"][-1]["location"] == "callback"
    assert "Connection" in entry["violations"][-1]["message"] or "refused" in entry["violations"][-1]["message"]


def test_redirects_are_not_followed(mock_url: str, receiver: Receiver) -> None:
    receiver.status, receiver.location = 307, "/followed"  # the answer is the outcome; nothing is followed
    requests.post(mock_url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": receiver.url},
                  timeout=20)
    entry = journal_entry(mock_url, "callback onEvent of subscribe")
    assert entry["status"] == 307 and entry["response"]["headers"]["Location"] == "/followed"
    assert [receiver.got.get(timeout=30).path for _ in range(receiver.got.qsize())] == ["/events/sub-42?tenant=a"]


def test_no_callbacks_option() -> None:
    from mockserver.http.dispatch import Dispatcher

    for enabled in (True, False):
        dispatcher = create_app([SPEC], MockConfig(callbacks=enabled)).wsgi_app
        assert isinstance(dispatcher, Dispatcher)
        with_callbacks = sorted(h.operation.operation.operation_id for h in dispatcher.handlers.values()
                                if h.callbacks is not None)
        assert with_callbacks == (["ping", "subscribe"] if enabled else [])


def test_serve_beyond_loopback_sends_no_callbacks_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bound beyond loopback, anyone could make the mock call this machine's services: off by default."""
    from click.testing import CliRunner

    from contracts import cli
    from mockserver.http.dispatch import Dispatcher

    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kwargs: served.append(app))
    base = ["serve", str(SPEC), "--port", "0", "--no-reload", "--no-journal"]
    exposed = [*base, "--host", "0.0.0.0", "--admin-token", "t"]
    for args, expected in ((base, True), (exposed, False), ([*exposed, "--callbacks"], True)):
        result = CliRunner().invoke(cli.main, args)
        assert result.exit_code == 0, result.output
        dispatcher = served[-1].wsgi_app
        assert isinstance(dispatcher, Dispatcher)
        assert any(h.callbacks is not None for h in dispatcher.handlers.values()) is expected, args
    assert "callbacks are off (--callbacks turns them on)" in CliRunner().invoke(cli.main, exposed).output


def test_only_loopback_targets_are_called_unless_allowed(mock_url: str) -> None:
    requests.post(mock_url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": "http://example.com"},
                  timeout=20)
    entry = journal_entry(mock_url, "callback onEvent of subscribe")
    assert entry["status"] == 0
    assert "not sent: example.com is not a loopback address" in entry["violations"][0]["message"]
    assert refused_target("http://127.0.0.5:9/x", ()) is None
    assert refused_target("http://[::1]:9/x", ()) is None
    assert refused_target("http://localhost/x", ()) is None
    assert refused_target("http://hooks.internal/x", ("hooks.internal",)) is None
    assert refused_target("http://anything.example/x", ("*",)) is None
    assert refused_target("http://10.0.0.1/x", ()) is not None
    assert refused_target("file:///etc/passwd", ("*",)) == "not an http(s) URL"


def test_a_slow_receiver_is_cut_by_the_timeout(receiver: Receiver) -> None:
    receiver.release.clear()
    with running(create_app([SPEC], MockConfig(journal=True, callback_timeout_s=0.2))) as url:
        requests.post(url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": receiver.url}, timeout=20)
        entry = journal_entry(url, "callback onEvent of subscribe")
        receiver.release.set()
    assert "timed out" in entry["violations"][-1]["message"]


def trigger(**changes: Any) -> Trigger:
    request = IncomingRequest(method="POST", path="/items/7", path_params={"id": "7"}, query={"q": ["a", "b"]},
                              headers={"x-hook": "http://127.0.0.1:1/h"}, cookies={}, content_type="application/json",
                              body=b'{"hook": {"url": "http://127.0.0.1:2/x"}, "n": 3}')
    values: dict[str, Any] = dict(url="http://127.0.0.1:4010/items/7?q=a", method="post", request=request,
                                  status=201, response_headers={"Location": "/items/8"},
                                  response_body=b'{"id": 8, "tags": ["a"]}')
    values.update(changes)
    return Trigger(**values)


@pytest.mark.parametrize(("expression", "value"), [
    ("$url", "http://127.0.0.1:4010/items/7?q=a"), ("$method", "POST"), ("$statusCode", "201"),
    ("$request.path.id", "7"), ("$request.query.q", "a"), ("$request.header.X-Hook", "http://127.0.0.1:1/h"),
    ("$request.body#/hook/url", "http://127.0.0.1:2/x"), ("$request.body#/n", "3"),
    ("$response.header.location", "/items/8"), ("$response.body#/id", "8"), ("$response.body#/tags", '["a"]'),
    ("$request.body#/missing", None), ("$request.query.none", None), ("$response.body#/tags/5", None),
])
def test_runtime_expressions(expression: str, value: str | None) -> None:
    assert evaluate(expression, trigger()) == value


def test_a_pointer_reads_form_fields_and_xml_bodies_have_no_value() -> None:
    form = IncomingRequest(method="POST", path="/s", path_params={}, query={}, headers={}, cookies={},
                           content_type="application/x-www-form-urlencoded", body=b"hook=http%3A%2F%2F127.0.0.1%3A9",
                           json={"hook": "http://127.0.0.1:9"})  # as validation reads a form body
    assert evaluate("$request.body#/hook", trigger(request=form)) == "http://127.0.0.1:9"
    xml = IncomingRequest(method="POST", path="/s", path_params={}, query={}, headers={}, cookies={},
                          content_type="application/xml", body=b"<s><hook>http://127.0.0.1:9</hook></s>")
    assert evaluate("$request.body#/hook", trigger(request=xml)) is None


def test_url_templates() -> None:
    assert expand("{$request.body#/hook/url}/done/{$response.body#/id}", trigger()) == "http://127.0.0.1:2/x/done/8"
    assert expand("$request.header.x-hook", trigger()) == "http://127.0.0.1:1/h"
    assert expand("http://127.0.0.1:9/{$request.body#/nothing}", trigger()) is None


@pytest.fixture()
def webhook(receiver: Receiver) -> Callable[..., requests.Response]:
    def send(base: str, name: str = "newPet", url: str | None = None, **kwargs: Any) -> requests.Response:
        return requests.post(f"{base}{ADMIN_PREFIX}/webhooks/{name}", json={"url": url or receiver.url + "/in"},
                             timeout=20, **kwargs)

    return send


def test_webhooks_are_listed_and_sent_from_the_admin_api(mock_url: str, receiver: Receiver,
                                                         webhook: Callable[..., requests.Response]) -> None:
    listed = requests.get(mock_url + ADMIN_PREFIX + "/webhooks", timeout=5).json()
    assert [(w["api"], w["name"], [o["operationId"] for o in w["operations"]]) for w in listed] == [
        ("callbacks", "newPet", ["newPetHook"])]
    receiver.status = 200
    answer = webhook(mock_url)
    assert answer.status_code == 200
    sent = answer.json()["sent"][0]
    got = receiver.got.get(timeout=30)
    assert (got.method, got.path) == ("POST", "/in")
    assert json.loads(got.body)["kind"] in ("created", "deleted")  # generated from the Event schema
    assert (sent["status"], sent["violations"], sent["error"]) == (200, [], None)
    assert journal_entry(mock_url, "webhook newPet")["status"] == 200


def test_webhook_calls_follow_the_admin_security_model(receiver: Receiver,
                                                       webhook: Callable[..., requests.Response]) -> None:
    with running(create_app([SPEC], MockConfig(admin_token="s3cret"))) as url:
        assert webhook(url).status_code == 401
        assert webhook(url, headers={"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}
                       ).status_code == 403
        assert webhook(url, headers={"Authorization": "Bearer s3cret"}, url="http://example.com/").status_code == 400
        assert webhook(url, name="nope", headers={"Authorization": "Bearer s3cret"}).status_code == 404
        assert receiver.got.empty()
        assert webhook(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert receiver.got.get(timeout=30).path == "/in"


def test_a_callback_request_that_breaks_its_own_schema_is_sent_and_reported(tmp_path: Path, receiver: Receiver) -> None:
    import yaml

    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    deliver = spec["paths"]["/subscriptions"]["post"]["callbacks"]["onEvent"]
    operation = next(iter(deliver.values()))["post"]
    operation["requestBody"]["content"]["application/json"]["example"] = {"kind": "bogus", "subscription": "s"}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with running(create_app([path], MockConfig(journal=True))) as url:
        requests.post(url + "/subscriptions", params={"tenant": "a"}, json={"callbackUrl": receiver.url}, timeout=20)
        entry = journal_entry(url, "callback onEvent of subscribe")
    assert json.loads(receiver.got.get(timeout=30).body)["kind"] == "bogus"  # sent as the spec writes it
    assert [(v["location"], v["pointer"]) for v in entry["violations"]] == [("request body", "/kind")]
