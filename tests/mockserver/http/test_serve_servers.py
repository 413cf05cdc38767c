"""What ``apitwin serve`` gives a user, on the default server (granian) and on ``--server gunicorn``.

Each test starts the real command (tests/serving.py), waits for ``/__apitwin/health``, and stops it
with Ctrl-C: https, the access log and its redactions, loopback only by default, ``--workers`` and
the journal they share, ``--no-journal``, delays and faults, the admin API's Host allow-list and token.
"""

from __future__ import annotations

import ssl
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from mockserver import default_server
from tests.serving import SERVERS, apitwin_serve

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="granian and gunicorn fork workers")

PETSTORE = Path(__file__).resolve().parents[2] / "data" / "specs" / "petstore.yaml"
PET = "/api/v1/pets/2"
AUTH = ("key-of-the-user", "")


def test_granian_is_the_default_server() -> None:
    assert default_server() == "granian"


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp* shows them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


@pytest.mark.parametrize("server", SERVERS)
def test_https_the_access_log_without_secrets_and_loopback_only(server: str, tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_pem, key_pem, ca_pem = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    ca.cert_pem.write_to_path(str(ca_pem))
    context = ssl.create_default_context(cafile=str(ca_pem))
    with apitwin_serve(str(PETSTORE), "--tls-cert", str(cert_pem), "--tls-key", str(key_pem), "--access-log",
                       "--no-reload", server=server, tls_context=context) as serving:
        assert serving.url.startswith("https://")
        answer = requests.get(f"{serving.url}{PET}?api_key=query-secret", auth=AUTH, verify=str(ca_pem), timeout=30)
        assert answer.status_code == 200 and answer.json()["name"] == "Tom"
        with pytest.raises(requests.ConnectionError):  # https only
            requests.get(f"http://127.0.0.1:{serving.port}{PET}", auth=AUTH, timeout=30)
        assert _listeners(serving.port) == ["0100007F"]  # 127.0.0.1, nothing else
        code = serving.stop()
    assert code == 0 and "Traceback" not in serving.err, serving.err
    access = [line for line in serving.out.splitlines() if f"GET {PET}" in line]
    assert access and " 200 " in access[0], serving.out
    assert "key-of-the-user" not in serving.out + serving.err  # the Basic-auth user is often the API key
    assert "query-secret" not in serving.out + serving.err


@pytest.mark.parametrize("server", SERVERS)
def test_workers_share_one_journal(server: str) -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", server=server, workers=2) as serving:
        deadline = time.monotonic() + 60
        while len(serving.workers()) != 2:  # the second worker may still be starting
            assert time.monotonic() < deadline, serving.workers()
            time.sleep(0.05)
        for _ in range(12):  # a new connection each: both workers take some
            assert requests.get(f"{serving.url}{PET}", auth=AUTH, timeout=30).status_code == 200
        listed = requests.get(f"{serving.url}/__apitwin/requests", params={"path": PET}, timeout=30).json()
        assert len(listed) == 12
        assert "2 workers" in serving.printed()[0]


def test_no_journal_turns_it_off_on_the_default_server() -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", "--no-journal") as serving:
        assert requests.get(f"{serving.url}{PET}", auth=AUTH, timeout=30).status_code == 200
        assert requests.get(f"{serving.url}/__apitwin/requests", timeout=30).status_code == 404


@pytest.mark.parametrize("server", SERVERS)
def test_delays_and_faults(server: str) -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", server=server) as serving:
        started = time.monotonic()
        delayed = requests.get(f"{serving.url}{PET}", auth=AUTH, headers={"Prefer": "delay=400"}, timeout=30)
        assert delayed.status_code == 200 and time.monotonic() - started >= 0.4
        failed = requests.get(f"{serving.url}{PET}", auth=AUTH, headers={"Prefer": "fault=500"}, timeout=30)
        assert failed.status_code == 500
        if server == "gunicorn":  # it hands the socket to the app: a real reset
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{serving.url}{PET}", auth=AUTH, headers={"Prefer": "fault=reset"}, timeout=30)
        else:  # granian keeps the socket: a 501 naming the server that can, for reset and timeout alike
            for fault in ("reset", "timeout"):
                refused = requests.get(f"{serving.url}{PET}", auth=AUTH, headers={"Prefer": f"fault={fault}"},
                                       timeout=30)
                assert refused.status_code == 501 and "--server gunicorn" in refused.text
        assert requests.get(f"{serving.url}{PET}", auth=AUTH, timeout=30).status_code == 200
        assert serving.stop() == 0
    assert "Traceback" not in serving.err, serving.err


@pytest.mark.parametrize("server", SERVERS)
def test_the_admin_api_keeps_its_host_allow_list_and_token(server: str) -> None:
    token = "admin-token-for-the-test"
    with apitwin_serve(str(PETSTORE), "--no-reload", "--admin-token", token, server=server) as serving:
        url = f"{serving.url}/__apitwin/requests"
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(url, headers=bearer, timeout=30).status_code == 200
        assert requests.get(url, timeout=30).status_code == 401
        assert requests.get(url, headers={**bearer, "Host": "evil.example"}, timeout=30).status_code == 421
        # the mocked API itself answers any Host
        assert requests.get(f"{serving.url}{PET}", auth=AUTH, headers={"Host": "evil.example"},
                            timeout=30).status_code == 200


@pytest.mark.parametrize("server", SERVERS)
def test_the_body_limit_holds_with_and_without_a_content_length(server: str) -> None:
    with apitwin_serve(str(PETSTORE), "--no-reload", "--max-body-bytes", "1000", server=server) as serving:
        url = f"{serving.url}/api/v1/pets"
        big = b'{"name": "' + b"x" * 5000 + b'", "kind": "dog"}'
        headers = {"Content-Type": "application/json"}
        assert requests.post(url, data=big, auth=AUTH, headers=headers, timeout=30).status_code == 413
        chunked = requests.post(url, data=iter([big[:2500], big[2500:]]), auth=AUTH, headers=headers, timeout=30)
        assert chunked.status_code == 413 and "1000 bytes" in chunked.text
        small = b'{"name": "Rex", "kind": "dog"}'
        assert requests.post(url, data=small, auth=AUTH, headers=headers, timeout=30).status_code == 201


def test_the_documented_limits_are_what_the_servers_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from granian.server import Server

    from mockserver import MockConfig
    from mockserver.http import granian_server
    from mockserver.http.gunicorn_server import gunicorn_settings

    seen: list[Any] = []
    monkeypatch.setattr(Server, "serve", lambda self, **kwargs: seen.append(self))
    granian_server.run_granian(lambda: None, "127.0.0.1", 0, 2, read_timeout_ms=2500)
    (server,) = seen
    assert server.http1_settings.header_read_timeout == 2500  # --read-timeout 2.5
    assert (server.blocking_threads, server.backpressure) == (32, 1024)  # the README's limits table
    assert server.workers_kill_timeout == 5  # requests in flight get 5 s on Ctrl-C or a reload
    assert server.ssl_ctx[4] == "tls1.2"  # older TLS clients too, as on gunicorn
    settings = gunicorn_settings("127.0.0.1", 0, 1)
    assert settings["timeout"] > MockConfig().max_delay_ms / 1000  # a delayed answer is not a stuck worker
    assert settings["graceful_timeout"] == 5


@pytest.mark.parametrize("server", SERVERS)
def test_the_environment_never_passes_for_a_request_header(server: str) -> None:
    # granian builds each request's WSGI environ on a copy of the process's environment
    env = {"HTTP_X_FROM_THE_ENVIRONMENT": "leaked", "HTTP_AUTHORIZATION": "Basic bm9ib2R5Og=="}
    with apitwin_serve(str(PETSTORE), "--no-reload", server=server, env=env) as serving:
        assert requests.get(f"{serving.url}{PET}", timeout=30).status_code == 401  # no credentials were sent
        assert requests.get(f"{serving.url}{PET}", auth=AUTH, timeout=30).status_code == 200
        (entry,) = requests.get(f"{serving.url}/__apitwin/requests", params={"path": PET, "limit": "1"},
                                timeout=30).json()
        detail = requests.get(f"{serving.url}/__apitwin/requests/{entry['id']}", timeout=30).text
        assert "X-From-The-Environment" not in detail and "leaked" not in detail


def test_reloads_drop_no_request_of_clients_that_connect_each_time(tmp_path: Path) -> None:
    """Three reloads under clients that open a connection per request, slow answers alongside: all answered.

    (granian stopping a worker closes the connections it accepted whose request had not arrived:
    the workers stay and swap their app instead.)
    """
    import threading

    spec = tmp_path / "pets.yaml"
    original = PETSTORE.read_text()
    spec.write_text(original)
    with apitwin_serve(str(spec), workers=2) as serving:
        stop, failures, names = threading.Event(), [], []

        def load(prefer: str) -> None:
            while not stop.is_set():
                try:
                    answer = requests.get(f"{serving.url}{PET}", auth=AUTH, timeout=60,
                                          headers={"Connection": "close", "Prefer": prefer})
                    names.append(answer.json()["name"]) if answer.status_code == 200 else failures.append(answer.text)
                except requests.RequestException as exc:
                    failures.append(repr(exc))

        threads = [threading.Thread(target=load, args=("delay=0",)) for _ in range(6)]
        threads += [threading.Thread(target=load, args=("delay=3000",)) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            for version in range(3):
                spec.write_text(original.replace("Tom", f"Tom{version}"))
                deadline = time.monotonic() + 60
                while f"Tom{version}" not in names[-20:]:
                    assert time.monotonic() < deadline and not failures, failures[:3]
                    time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(90)
        assert failures == []
