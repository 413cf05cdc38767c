"""The ``apitwin`` command line: one-line errors with documented exit codes, and a real serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask import Flask

from contracts import cli

from .mockserver.conftest import PETSTORE, make_spec, write_spec
from .serving import SERVERS


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


def test_serve_translates_options_into_one_library_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(cli, "_check_bindable", lambda host, port: None)
    code, output = run("serve", str(PETSTORE), "--port", "4999", "--workers", "3")
    assert code == 0, output
    (_app, kwargs), = calls
    rebuild = kwargs.pop("rebuild")
    assert callable(rebuild)  # --reload is on by default
    assert kwargs == {"host": "127.0.0.1", "port": 4999, "workers": 3, "access_log": False,
                      "watch": [PETSTORE.parent], "certfile": None, "keyfile": None, "server": "granian",
                      "read_timeout_s": 30.0, "client_ca": None, "pin_workers": True}
    assert "Pets: 5 operations at http://127.0.0.1:4999/api/v1, http://127.0.0.1:4999/alias" in output
    assert "(granian, 3 workers)" in output
    code, _ = run("serve", str(PETSTORE), "--server", "gunicorn", "--read-timeout", "2.5")
    assert code == 0 and (calls[-1][1]["server"], calls[-1][1]["read_timeout_s"]) == ("gunicorn", 2.5)
    code, _ = run("serve", str(PETSTORE), "--no-pin-workers")
    assert code == 0 and calls[-1][1]["pin_workers"] is False


def test_bad_yaml_is_one_line_and_exit_3(tmp_path: Path) -> None:
    path = write_spec(tmp_path, "openapi: 3.1.0\npaths: [\n")
    code, output = run("serve", str(path))
    assert code == cli.EXIT_SPEC == 3
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("apitwin: ") and "spec.yaml:" in lines[0]
    assert "Traceback" not in output


def test_missing_file_is_exit_3(tmp_path: Path) -> None:
    code, output = run("serve", str(tmp_path / "nope.yaml"))
    assert code == 3 and "no such file" in output


def test_route_collision_is_exit_4(tmp_path: Path) -> None:
    a = write_spec(tmp_path, make_spec(), "a.yaml")
    b = write_spec(tmp_path, make_spec(), "b.yaml")
    code, output = run("serve", str(a), str(b))
    assert code == cli.EXIT_SERVE == 4
    assert "a getItem" in output and "b getItem" in output


def test_port_in_use_is_exit_4() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code, output = run("serve", str(PETSTORE), "--port", str(port))
    assert code == 4 and "address already in use" in output


def test_usage_error_is_exit_2() -> None:
    code, _ = run("serve", "--port", "notaport")
    assert code == cli.EXIT_USAGE == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(sys.platform == "win32", reason="granian and gunicorn fork workers")
@pytest.mark.parametrize("server", SERVERS)
def test_serve_end_to_end_and_ctrl_c_stops_cleanly(server: str) -> None:
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(PETSTORE), "--port", str(port), "--workers", "1",
                             "--server", server],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/api/v1/pets/2", auth=("key", ""), timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"server did not start: {proc.communicate(timeout=5)}")
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["name"] == "Tom"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "Pets: 5 operations" in out


def test_the_configuration_file_sets_every_serve_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(cli, "_check_bindable", lambda host, port: None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apitwin.yaml").write_text(f"""
serve:
  specs: [{PETSTORE}]
  port: 4998
  stateful: true
  state-file: {tmp_path / "state.sqlite"}
  delay: 5
  error-rate: {{getPet: 0.5}}
  cors: false
  reload: false
""")
    code, output = run("serve", "--delay", "7")  # the command line wins over the file
    assert code == 0, output
    (app, kwargs), = calls
    config = app.extensions["apitwin"][0].config
    assert (kwargs["port"], kwargs["rebuild"]) == (4998, None)
    assert config.stateful and config.state == str(tmp_path / "state.sqlite")
    assert (config.delay_ms, config.error_rates, config.cors) == (7, (("getPet", 0.5),), False)
    assert "Pets: 5 operations" in output and "stateful" in output


def test_pyproject_tool_apitwin_is_read_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(cli, "_check_bindable", lambda host, port: None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[tool.apitwin.serve]\nspecs = ["{PETSTORE}"]\nport = 4997\n')
    code, output = run("serve")
    assert code == 0, output
    assert calls[0][1]["port"] == 4997


@pytest.mark.parametrize(("content", "message"), [
    ("serve:\n  colour: blue\n", "unknown setting serve.colour"),
    ("deploy:\n  port: 1\n", "unknown section 'deploy'"),
    ("serve: [\n", "cannot read the configuration: ParserError: "),  # the parser's error named, once
])
def test_a_bad_configuration_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str,
                                                    message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apitwin.yaml").write_text(content)
    code, output = run("serve")
    assert code == 2
    assert message in output and len(output.strip().splitlines()) == 1


def test_https_needs_both_the_certificate_and_its_key(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    code, output = run("serve", str(PETSTORE), "--tls-cert", str(cert))
    assert code == 2 and "--tls-cert and --tls-key" in output and "Traceback" not in output


def test_record_needs_an_http_upstream() -> None:
    code, output = run("record", str(PETSTORE), "--upstream", "file:///etc/passwd")
    assert code == 2 and "http" in output


@pytest.mark.skipif(sys.platform == "win32", reason="granian and gunicorn fork workers")
@pytest.mark.parametrize("server", SERVERS)
def test_hot_reload_drops_no_request_in_flight(tmp_path: Path, server: str) -> None:
    import threading

    spec = tmp_path / "pets.yaml"
    spec.write_text(PETSTORE.read_text())
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(spec), "--port", str(port), "--workers", "2", "--server", server],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/api/v1/pets/2"
    failures: list[str] = []
    names: list[str] = []
    stop = threading.Event()

    def load(keep_alive: bool) -> None:  # a client that never stops asking, slow answers included (Prefer: delay)
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    # a new connection each time too: one accepted just before a worker stops must be answered
                    headers = {"Prefer": "delay=50"} if keep_alive else {"Prefer": "delay=50", "Connection": "close"}
                    response = http.get(url, auth=("key", ""), headers=headers, timeout=10)
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        names.append(response.json()["name"])
                except requests.RequestException as exc:
                    failures.append(repr(exc))

    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url, auth=("key", ""), timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"server did not start: {proc.communicate(timeout=5)}")
                time.sleep(0.1)
        threads = [threading.Thread(target=load, args=(i % 2 == 0,)) for i in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        spec.write_text(PETSTORE.read_text().replace("Tom", "Thomas"))
        deadline = time.monotonic() + 30
        while "Thomas" not in names[-8:] and time.monotonic() < deadline:
            time.sleep(0.2)
        spec.write_text("openapi: 3.1.0\npaths: [\n")  # a broken edit: logged, the last good version stays
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(15)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
    assert "Thomas" in names, err
    assert names[-1] == "Thomas"
    assert failures == []
    assert len(names) > 40
    assert "reload failed" in err and "Traceback" not in err


def test_specs_lists_the_shipped_specs_serve_serves_by_default() -> None:
    code, output = run("specs")
    assert code == 0, output
    listed = [Path(line) for line in output.splitlines()]
    assert [p.name for p in listed] == ["crossingminds.yaml", "dataiku-apinode.yaml", "dataiku-dss.yaml",
                                        "featurebase.yaml", "tecton.yaml"]
    assert all(p.is_absolute() and p.is_file() for p in listed)
    code, output = run("specs", "--folder")
    assert code == 0 and output.splitlines() == [str(listed[0].parent)]


def test_missing_shipped_specs_are_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "default_spec_paths", list)
    for args in (["specs"], ["serve"]):
        code, output = run(*args)
        assert code == cli.EXIT_SPEC, output
        assert output.strip().splitlines() == [output.strip()] and "shipped specs are missing" in output


def test_serve_keeps_the_journal_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    apps: list[Flask] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: apps.append(app))
    monkeypatch.setattr(cli, "_check_bindable", lambda host, port: None)
    assert run("serve", str(PETSTORE), "--no-reload")[0] == 0
    assert run("serve", str(PETSTORE), "--no-reload", "--no-journal")[0] == 0
    on, off = apps
    assert on.extensions["apitwin_journal"] is not None  # the dashboard is never empty on first use
    assert off.extensions["apitwin_journal"] is None
