"""`apitwin record` (a validating, recording proxy) against a real upstream process, then replay."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from mockserver import MockConfig, create_app, create_proxy_app, running

from ...conftest import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
WIDGETS = ROOT / "tests" / "data" / "specs" / "widgets.yaml"
TOKEN = {"Authorization": "Bearer s3cr3t-token-value"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """The widgets service with a defect (GET omits the required "size"), in its own process."""
    port = free_port()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from tests.contracts.widgets_impl import make_app; "
            "make_app('missing-field').run(host='127.0.0.1', port=int(sys.argv[2]))")
    process = subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, process, "the upstream")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_record_validates_redacts_then_replay_serves_it(upstream: str, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "recordings"
    proxy = create_proxy_app([WIDGETS], upstream, folder)
    with running(proxy) as url, httpx.Client(base_url=url, headers=TOKEN) as http:
        created = http.post("/v1/widgets", json={"name": "gear", "size": 3})
        assert created.status_code == 201 and "sl-violations" not in created.headers
        widget_id = created.json()["id"]
        read = http.get(f"/v1/widgets/{widget_id}")
        assert read.status_code == 200 and read.json() == {"id": widget_id, "name": "gear"}  # the real answer
        assert "size" in read.headers["sl-violations"]  # the deviation, reported to the client too
        bad = http.post("/v1/widgets", json={"name": "gear", "size": 99})
        assert bad.status_code == 400
    stats = proxy.extensions["apitwin_proxy"]
    assert (stats.exchanges, stats.deviations) == (3, 2)  # the invalid request is a deviation of the client
    assert any("deviation" in r.message and "size" in r.message for r in caplog.records)

    files = sorted(folder.glob("*.yaml"))
    assert len(files) == 3 and not list(folder.glob(".recording-*"))  # no temporary file left behind
    recorded = [yaml.safe_load(f.read_text()) for f in files]
    assert recorded[0]["request"]["headers"]["Authorization"] == "[redacted]"
    assert "s3cr3t" not in "".join(f.read_text() for f in files)
    assert recorded[1]["operation"] == "getWidget"
    assert recorded[1]["response"]["json"] == {"id": widget_id, "name": "gear"}
    assert any(v["pointer"] == "" or "size" in v["message"] for v in recorded[1]["violations"])
    assert any("request body" in v["location"] for v in recorded[2]["violations"])

    # replay: the recorded answers first (the spec's example would have "size"), then the spec
    caplog.clear()
    app = create_app([WIDGETS], MockConfig(recordings=str(folder)))
    assert any("no longer conforms" in r.message for r in caplog.records)  # the stale recording is reported
    client = app.test_client()
    replayed = client.get(f"/v1/widgets/{widget_id}", headers=TOKEN)
    assert replayed.get_json() == {"id": widget_id, "name": "gear"}
    assert replayed.headers["x-apitwin-recording"] == files[1].name
    assert "size" in replayed.headers["sl-violations"]
    again = client.post("/v1/widgets", json={"name": "gear", "size": 3}, headers=TOKEN)
    assert again.status_code == 201 and again.get_json()["id"] == widget_id  # matched on the body
    fallback = client.post("/v1/widgets", json={"name": "other", "size": 2}, headers=TOKEN)
    assert fallback.status_code == 201 and "x-apitwin-recording" not in fallback.headers  # the spec answers


def test_a_recording_is_editable_and_secrets_in_bodies_are_redacted(tmp_path: Path) -> None:
    from mockserver.modes.recordings import Exchange, load_recordings, write_recording

    path = write_recording(tmp_path, Exchange(
        method="POST", path="/login", query=[("a", "1")], request_headers={"Content-Type": "application/json",
                                                                           "Cookie": "sid=abc"},
        request_body=b'{"user": "ana", "password": "hunter2", "nested": {"api_key": "k"}}', status=200,
        response_headers={"Content-Type": "application/json", "Set-Cookie": "sid=abc"},
        response_body=b'{"token": "t0k3n", "ok": true}'))
    text = path.read_text()
    for secret in ("hunter2", "t0k3n", "sid=abc", '"k"'):
        assert secret not in text
    data = yaml.safe_load(text)
    data["response"]["json"]["ok"] = False  # a person edits it
    path.write_text(yaml.safe_dump(data))
    (loaded,) = load_recordings(tmp_path)
    assert json.loads(loaded.response_body) == {"token": "[redacted]", "ok": False}
    assert loaded.request_headers["Cookie"] == "[redacted]" and loaded.query == [("a", "1")]


def test_the_proxy_only_talks_to_its_upstream(upstream: str, tmp_path: Path) -> None:
    proxy = create_proxy_app([WIDGETS], upstream, None)
    with running(proxy) as url:
        # an absolute URL in the request line, or another Host, still goes to the configured upstream
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as sock:
            sock.sendall(b"GET http://example.invalid/v1/widgets/1 HTTP/1.1\r\nHost: example.invalid\r\n"
                         b"Authorization: Bearer x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 404") or answer.startswith(b"HTTP/1.1 200")
        assert b"example.invalid" not in answer
    with pytest.raises(ValueError, match="http"):
        create_proxy_app([WIDGETS], "ftp://elsewhere", None)
