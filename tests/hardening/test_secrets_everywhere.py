"""No secret in any sink: one run of ``apitwin serve`` behind ``apitwin record``, every place a secret can travel.

Each request carries a unique marker in every place: HTTP Basic user and password (or a
bearer token), an API-key header, query parameter and cookie of the spec (named like
nothing secret: ``X-Partner``, ``k``, ``sid``), ``?api_key=`` and ``?access_token=``,
DSS's ``X-DKU-APITicket``, a header and a body field named by ``--redact``, and
secret-named fields (``password``, ``client_secret``) in a JSON body sent without a
Content-Type (as dataikuapi sends it), a form and a multipart body. Half the requests are
invalid on exactly those values, so that violation messages would quote them.

Invariant: no marker appears in any sink: the recordings (base64 bodies decoded), the
journal through the admin API, the dashboard, the log and access-log lines of both
processes, the answers' headers and bodies.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..conftest import free_port, wait_until_healthy

VAULT = Path(__file__).resolve().parents[1] / "data" / "specs" / "vault.yaml"
APITWIN = Path(sys.executable).with_name("apitwin")
REDACT = ["--redact", "X-Internal", "--redact", "pin"]


def _hex(length: int) -> str:
    return secrets.token_hex(length // 2)


class Markers:
    """The unique secrets of the run, each recorded as it is made."""

    def __init__(self) -> None:
        self.all: list[str] = []

    def new(self, value: str) -> str:
        self.all.append(value)
        return value


def _request(markers: Markers, body_kind: str, valid: bool, auth: str) -> dict[str, Any]:
    """The keyword arguments of one httpx request carrying a marker in every place."""
    key = markers.new(_hex(32) if valid else "zz" + _hex(30))  # the spec's pattern: 32 hex digits
    partner = markers.new(_hex(32) if valid else "zz" + _hex(30))
    headers = {"X-Partner": partner, "X-DKU-APITicket": markers.new(_hex(32)),
               "X-Internal": markers.new(_hex(32)), "Cookie": f"sid={markers.new(_hex(32))}; theme=dark"}
    if auth == "basic":
        user, password = markers.new(_hex(32)), markers.new(_hex(32))
        headers["Authorization"] = "Basic " + markers.new(base64.b64encode(f"{user}:{password}".encode()).decode())
    else:
        headers["Authorization"] = "Bearer " + markers.new(_hex(32))
    params = {"k": key, "api_key": markers.new(_hex(32)), "access_token": markers.new(_hex(32)), "page": "2"}
    fields = {"user": "ana", "password": markers.new(_hex(64) if valid else _hex(40)),  # minLength 64
              "client_secret": markers.new(_hex(32)), "pin": markers.new(_hex(32)), "note": "hello"}
    request: dict[str, Any] = {"headers": headers, "params": params}
    if body_kind == "json":  # no Content-Type, as dataikuapi sends it
        request["content"] = json.dumps(fields).encode()
    elif body_kind == "form":
        request["data"] = fields
    else:
        request["files"] = [(name, (None, value)) for name, value in fields.items()]
    return request


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Run:
    """``apitwin serve`` and, in front of it, ``apitwin record``."""

    mock: str
    proxy: str
    recordings: Path
    logs: Path
    processes: list[subprocess.Popen[bytes]]

    def stopped_logs(self) -> dict[str, str]:
        """Both processes' output (log and access-log lines), once they stopped (Ctrl-C)."""
        for process in reversed(self.processes):
            _stop(process)
        return {path.name: path.read_text(encoding="utf-8", errors="replace") for path in self.logs.iterdir()}


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Run]:
    """The mock with its access log and journal, behind the record proxy; both stopped afterwards."""
    mock_port, proxy_port = free_port(), free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    out = tmp_path / "recordings"
    with (logs / "serve.log").open("wb") as serve_log, (logs / "record.log").open("wb") as record_log:
        mock = subprocess.Popen([str(APITWIN), "serve", str(VAULT), "--port", str(mock_port), "--workers", "1",
                                 "--access-log", "--no-reload", *REDACT], stdout=serve_log, stderr=subprocess.STDOUT)
        proxy = None
        try:
            wait_until_healthy(f"http://127.0.0.1:{mock_port}", mock, "apitwin serve")
            proxy = subprocess.Popen([str(APITWIN), "record", str(VAULT), "--upstream",
                                      f"http://127.0.0.1:{mock_port}", "--out", str(out), "--port", str(proxy_port),
                                      *REDACT], stdout=record_log, stderr=subprocess.STDOUT)
            wait_until_healthy(f"http://127.0.0.1:{proxy_port}", proxy, "apitwin record")
            yield Run(f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{proxy_port}", out, logs, [mock, proxy])
        finally:
            if proxy is not None:
                _stop(proxy)
            _stop(mock)


def _recordings_text(folder: Path) -> str:
    """Every recording as written, and every base64 body in it decoded."""
    texts = []
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        for blob in re.findall(r"base64: (\S+)", text):
            texts.append(base64.b64decode(blob).decode("utf-8", "replace"))
    return "\n".join(texts)


def test_no_secret_reaches_any_sink(served: Run) -> None:
    mock, proxy = served.mock, served.proxy
    markers = Markers()
    answers: list[str] = []
    statuses = []
    with httpx.Client(timeout=60) as client:
        for body_kind, auth in (("json", "basic"), ("form", "bearer"), ("multipart", "basic")):
            for valid in (True, False):
                answer = client.post(f"{proxy}/v1/sessions", **_request(markers, body_kind, valid, auth))
                statuses.append(answer.status_code)
                answers.append(json.dumps(dict(answer.headers)) + answer.text)
        journal = client.get(f"{mock}/__apitwin/requests?limit=200").json()
        details = [client.get(f"{mock}/__apitwin/requests/{e['id']}").text for e in journal]
        dashboard = client.get(f"{mock}/__apitwin/").text + client.get(f"{mock}/__apitwin/apis").text
    assert statuses == [201, 400] * 3
    invalid = "\n".join(answers[1::2])
    assert "/password" in invalid and "k" in invalid and "[redacted]" in invalid  # the violations are reported
    assert len([e for e in journal if e["operation"] == "createSession"]) == 6
    recordings = _recordings_text(served.recordings)
    assert recordings.count("operation: createSession") == 6
    sinks = {"answers": "\n".join(answers), "journal": json.dumps(journal) + "\n".join(details),
             "dashboard": dashboard, "recordings": recordings}
    for name, text in sinks.items():
        leaked = [m for m in markers.all if m in text]
        assert not leaked, f"{len(leaked)} secrets in the {name}, e.g. {leaked[0]}"
    logged = served.stopped_logs()
    assert "POST /v1/sessions" in logged["serve.log"]  # the access log ran
    assert "record: deviation in vault createSession" in logged["record.log"]  # violations logged
    # the summary counts what the worker processes forwarded (the six posts, and the readiness probes)
    counted = re.search(r"apitwin: (\d+) exchanges, (\d+) with deviations", logged["record.log"])
    assert counted is not None and int(counted[1]) >= 6 and int(counted[2]) >= 3, logged["record.log"][-500:]
    for name, text in logged.items():
        leaked = [m for m in markers.all if m in text]
        assert not leaked, f"{len(leaked)} secrets in {name}, e.g. {leaked[0]}: {text[:2000]}"
