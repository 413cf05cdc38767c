"""A ``mutualTLS`` security scheme: `apitwin serve --tls-client-ca` requires a client certificate from that CA."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import trustme

from ...conftest import free_port, wait_until_healthy
from ..conftest import client_for, make_spec, write_spec


def test_mutual_tls_refuses_a_client_without_a_certificate_from_the_ca(tmp_path: Path) -> None:
    authority = trustme.CA()
    server_cert = authority.issue_cert("127.0.0.1")
    client_cert = authority.issue_cert("client.example")
    cert, key, ca = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca))
    client_pem = tmp_path / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_pem))
    spec = write_spec(tmp_path, make_spec(
        security=[{"clientCert": []}],
        components={**make_spec()["components"], "securitySchemes": {"clientCert": {"type": "mutualTLS"}}}))
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(spec), "--port", str(port), "--workers", "1", "--no-reload",
                             "--tls-cert", str(cert), "--tls-key", str(key), "--tls-client-ca", str(ca)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    with_cert = ssl.create_default_context(cafile=str(ca))
    with_cert.load_cert_chain(str(client_pem))
    without_cert = ssl.create_default_context(cafile=str(ca))
    base = f"https://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc, "apitwin serve with --tls-client-ca", context=with_cert)
        with urllib.request.urlopen(base + "/items/1", timeout=30, context=with_cert) as answer:
            assert answer.status == 200
        with pytest.raises(OSError):  # the handshake fails (TLS 1.3: on the first read): no HTTP at all
            urllib.request.urlopen(base + "/items/1", timeout=30, context=without_cert).read()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err and "mutualTLS" not in err  # no warning: the scheme is enforced


def test_without_a_client_ca_mutual_tls_is_met_at_the_http_level(tmp_path: Path) -> None:
    """Below HTTP the mock sees no certificate: a mutualTLS requirement is met (serve warns), other schemes of
    the same requirement are still checked; --tls-client-ca alone (without https) is a usage error."""
    from click.testing import CliRunner

    from contracts.cli import main

    schemes = {"clientCert": {"type": "mutualTLS"}, "key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    spec = write_spec(tmp_path, make_spec(security=[{"clientCert": []}],
                                          components={**make_spec()["components"], "securitySchemes": schemes}))
    assert client_for(spec).get("/items/1").status_code == 200
    both = write_spec(tmp_path, make_spec(security=[{"clientCert": [], "key": []}],
                                          components={**make_spec()["components"], "securitySchemes": schemes}),
                      "both.yaml")
    assert client_for(both).get("/items/1").status_code == 401
    assert client_for(both).get("/items/1", headers={"X-Key": "k"}).status_code == 200
    result = CliRunner().invoke(main, ["serve", str(spec), "--tls-client-ca", str(spec)])
    assert result.exit_code == 2 and "(--tls-client-ca needs https)" in result.output
    served: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("contracts.cli.serve", lambda app, **kwargs: served.append(app))
        warned = CliRunner().invoke(main, ["serve", str(spec), "--port", "0", "--no-reload", "--no-journal"])
    assert warned.exit_code == 0 and len(served) == 1, warned.output
    assert "mutualTLS security scheme" in warned.output and "--tls-client-ca" in warned.output


def test_ctrl_c_while_a_worker_waits_on_a_connection_logs_no_traceback() -> None:
    """gunicorn's worker, told to quit while it waits for a request (a TLS client that sent none), logs the
    SystemExit as an error with its traceback; serve's hook drops that record and keeps real errors."""
    import logging
    from types import SimpleNamespace

    from mockserver.http.gunicorn_server import quiet_quit

    records: list[logging.LogRecord] = []
    error_log = logging.Logger("gunicorn.error.test")
    error_log.addHandler(type("Keep", (logging.Handler,), {"emit": lambda self, r: records.append(r)})())
    quiet_quit(SimpleNamespace(log=SimpleNamespace(error_log=error_log)))
    for exc in (SystemExit(0), ValueError("real")):
        try:
            raise exc
        except BaseException:
            error_log.exception("Error handling request (no URI read)")
    assert [r.exc_info[1].args for r in records if r.exc_info and r.exc_info[1]] == [("real",)]
