"""The record proxy under hostile paths and failing disks.

Invariants: a path whose dot segments (``/../``, ``%2e%2e`` in any case, ``..%2f``,
double-encoded, backslashes) would leave the upstream's base path is refused with 400 and
nothing reaches the upstream (a local upstream counts its hits); an ``--out`` that cannot be
written stops ``apitwin record`` at start (one line, exit 4); a recording that cannot be
written after the upstream answered does not turn its answer into a 500.
"""

from __future__ import annotations

import http.client
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from contracts import cli
from mockserver import create_proxy_app, running
from mockserver.http.proxy import RecordingFolderError

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ROOT / "tests" / "data" / "specs" / "widgets.yaml"
TOKEN = {"Authorization": "Bearer s3cr3t-token-value"}


@pytest.fixture(scope="module")
def module_upstream() -> Iterator[tuple[str, list[str]]]:
    """An upstream under the base path /svc that answers every request and remembers each path it saw."""
    seen: list[str] = []
    app = Flask("counting-upstream")

    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST", "DELETE"])
    @app.route("/<path:rest>", methods=["GET", "POST", "DELETE"])
    def anything(rest: str) -> ResponseReturnValue:
        seen.append(request.environ.get("RAW_URI") or request.full_path)
        return jsonify(id="1", name="gear", size=3)

    with running(app) as url:
        yield f"{url}/svc", seen


@pytest.fixture()
def upstream(module_upstream: tuple[str, list[str]]) -> tuple[str, list[str]]:
    """The counting upstream, its count at zero."""
    module_upstream[1].clear()
    return module_upstream


@pytest.fixture(scope="module")
def proxy_url(module_upstream: tuple[str, list[str]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A recording proxy in front of the counting upstream (one for the module: loading the spec takes a while)."""
    with running(create_proxy_app([WIDGETS], module_upstream[0], tmp_path_factory.mktemp("out"))) as url:
        yield url


def _raw_get(base: str, raw_path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (httpx and requests would resolve the dot segments first)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.putheader("Authorization", TOKEN["Authorization"])
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("raw", [
    "/v1/../../admin",
    "/v1/widgets/../../../admin",
    "/v1/%2e%2e/%2e%2e/admin",
    "/v1/%2E%2E/%2e%2E/admin",
    "/v1/..%2f..%2fadmin",
    "/v1/..%2F..%2Fadmin",
    "/v1/%252e%252e/%252e%252e/admin",
    "/v1/..%5c..%5cadmin",
    "/%2e%2e",
    "/v1/./../../admin?x=1",
])
def test_a_path_leaving_the_base_path_is_refused_and_never_forwarded(upstream: tuple[str, list[str]],
                                                                      proxy_url: str, raw: str) -> None:
    _base, seen = upstream
    status, body = _raw_get(proxy_url, raw)
    assert status == 400, body
    assert b"leaves the upstream's base path" in body
    assert seen == []


def test_dot_segments_inside_the_base_path_are_resolved_before_forwarding(upstream: tuple[str, list[str]],
                                                                          proxy_url: str) -> None:
    _base, seen = upstream
    status, _ = _raw_get(proxy_url, "/v1/widgets/x/%2e%2e/1")
    assert status == 200
    assert seen == ["/svc/v1/widgets/1"]


def test_an_out_folder_that_cannot_be_written_stops_record_at_start(upstream: tuple[str, list[str]],
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    base, seen = upstream
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingFolderError, match="cannot write recordings"):
        create_proxy_app([WIDGETS], base, blocker / "recordings")
    served: list[object] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: served.append(app))
    result = CliRunner().invoke(cli.main, ["record", str(WIDGETS), "--upstream", base,
                                           "--out", str(blocker / "recordings"), "--port", "0"])
    assert result.exit_code == 4, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a-file/recordings" in lines[0], result.stderr
    assert served == [] and seen == []


def test_a_recording_that_fails_after_the_upstream_answered_passes_the_answer_through(
        upstream: tuple[str, list[str]], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base, seen = upstream
    out = tmp_path / "out"
    proxy = create_proxy_app([WIDGETS], base, out)
    shutil.rmtree(out)
    out.write_text("the disk is gone")  # every write into the folder now fails (even as root)
    with running(proxy) as url, caplog.at_level(logging.ERROR, logger="apitwin"):
        status, body = _raw_get(url, "/v1/widgets/1")
    assert status == 200 and b'"gear"' in body  # the upstream's answer, not a 500
    assert seen == ["/svc/v1/widgets/1"]  # once: nothing for a client to retry
    assert proxy.extensions["apitwin_proxy"].unrecorded == 1
    assert any("NOT RECORDED" in r.getMessage() for r in caplog.records)
