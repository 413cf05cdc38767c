"""The admin API (/__apitwin) is unreachable cross-site, under another Host name, and without the token when set.

Invariants: no admin answer carries CORS headers; a state-changing admin call from another site is
refused and changes nothing; only loopback names (and the names allowed) are answered; with a token,
nothing is answered without it; ``apitwin serve`` refuses to bind beyond loopback without a token
and warns when it does; mock answers never let any origin send credentials unless configured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient

from contracts import cli
from mockserver import MockConfig, create_app, running

from ..mockserver.conftest import client_for
from ..mockserver.http.test_dashboard import _by_id, _css, _wait, browser

__all__ = ["browser"]  # the fixture, shared with the dashboard's tests

NOTES = Path(__file__).resolve().parents[1] / "data" / "specs" / "notes.yaml"
KEY = {"X-Key": "k"}
EVIL = "http://evil.example"
TOKEN = "s3cret-admin-token"


@pytest.fixture()
def notes(tmp_path: Path) -> FlaskClient:
    return client_for(NOTES, config=MockConfig(stateful=True, journal=True,
                                               journal_path=str(tmp_path / "journal.sqlite"),
                                               state=str(tmp_path / "state.sqlite")))


def _cors(headers: Any) -> list[str]:
    return [n for n, _ in headers.items() if n.lower().startswith("access-control-")]


def _created(client: FlaskClient) -> str:
    answer = client.post("/api/notes", headers=KEY, json={"title": "keep me"})
    assert answer.status_code == 201
    return str(answer.get_json()["id"])


@pytest.mark.parametrize(("method", "path"), [("GET", "/__apitwin/health"), ("GET", "/__apitwin/requests"),
                                              ("POST", "/__apitwin/reset"), ("DELETE", "/__apitwin/state/collections")])
def test_admin_answers_carry_no_cors_and_preflights_are_refused(notes: FlaskClient, method: str, path: str) -> None:
    preflight = notes.options(path, headers={"Origin": EVIL, "Access-Control-Request-Method": method,
                                             "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 403 and _cors(preflight.headers) == []
    same_origin = notes.open(path, method=method, headers={"Origin": "http://localhost"})
    assert same_origin.status_code in (200, 204) and _cors(same_origin.headers) == []


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},  # a form or fetch from another site
    {"Origin": "null"},  # a sandboxed frame, a data: page
    {"Origin": "http://localhost:9999"},  # another port is another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
@pytest.mark.parametrize(("method", "path"), [("POST", "/__apitwin/reset"),
                                              ("DELETE", "/__apitwin/state/collections"),
                                              ("DELETE", "/__apitwin/state/collections/notes/notes")])
def test_a_cross_site_state_change_is_refused_and_changes_nothing(notes: FlaskClient, headers: dict[str, str],
                                                                   method: str, path: str) -> None:
    note = _created(notes)
    answer = notes.open(path, method=method, headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                        data="x=1")
    assert answer.status_code == 403
    assert "cross-site request refused" in answer.get_json()["detail"]
    assert notes.get(f"/api/notes/{note}", headers=KEY).status_code == 200
    # a same-origin call (the dashboard) and one from no page at all (curl, a test) still work
    assert notes.open(path, method=method, headers={"Origin": "http://localhost",
                                                    "Sec-Fetch-Site": "same-origin"}).status_code == 204
    assert notes.get(f"/api/notes/{note}", headers=KEY).status_code == 404
    _created(notes)
    assert notes.open(path, method=method).status_code == 204


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil"])
def test_another_host_name_gets_a_421_dns_rebinding(notes: FlaskClient, host: str) -> None:
    for path in ("/__apitwin/requests", "/__apitwin/state/collections", "/__apitwin/"):
        answer = notes.get(path, headers={"Host": host})
        assert answer.status_code == 421, path
        assert "journal" not in answer.get_data(as_text=True)
    assert notes.post("/__apitwin/reset", headers={"Host": host}).status_code == 421


@pytest.mark.parametrize("host", ["localhost", "localhost:4010", "127.0.0.1:1", "[::1]:8080", "LOCALHOST"])
def test_loopback_names_are_answered_on_any_port(notes: FlaskClient, host: str) -> None:
    assert notes.get("/__apitwin/requests", headers={"Host": host}).status_code == 200


def test_allowed_hosts_add_names(tmp_path: Path) -> None:
    client = client_for(NOTES, config=MockConfig(allowed_hosts=("mock.internal",)))
    assert client.get("/__apitwin/health", headers={"Host": "mock.internal:4010"}).status_code == 200
    assert client.get("/__apitwin/health", headers={"Host": "other.internal"}).status_code == 421
    anyone = client_for(NOTES, config=MockConfig(allowed_hosts=("*",)))
    assert anyone.get("/__apitwin/health", headers={"Host": "other.internal"}).status_code == 200


def test_the_mock_itself_answers_any_host() -> None:
    client = client_for(NOTES)
    assert client.get("/api/notes", headers={**KEY, "Host": "evil.example"}).status_code == 200


def test_with_a_token_every_admin_endpoint_requires_it(tmp_path: Path) -> None:
    client = client_for(NOTES, config=MockConfig(admin_token=TOKEN, stateful=True,
                                                 state=str(tmp_path / "state.sqlite")))
    for method, path in (("GET", "/__apitwin/health"), ("GET", "/__apitwin/apis"), ("GET", "/__apitwin/"),
                         ("GET", "/__apitwin/state/collections"), ("POST", "/__apitwin/reset"),
                         ("DELETE", "/__apitwin/state/collections"), ("GET", "/__apitwin/nothing-here")):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Apitwin-Admin-Token": TOKEN + "x"},
                        {"Authorization": f"Basic {TOKEN}"}):
            refused = client.open(path, method=method, headers=headers)
            assert refused.status_code == 401, (method, path, headers)
            assert TOKEN not in refused.get_data(as_text=True)
        for headers in ({"Authorization": f"Bearer {TOKEN}"}, {"X-Apitwin-Admin-Token": TOKEN}):
            assert client.open(path, method=method, headers=headers).status_code in (200, 204, 404), (method, path)
    # the dashboard page (only) may be opened with ?token=
    assert client.get(f"/__apitwin/?token={TOKEN}").status_code == 200
    assert client.get(f"/__apitwin/health?token={TOKEN}").status_code == 401
    # the mock itself does not need it
    assert client.get("/api/notes", headers=KEY).status_code == 200


def test_mock_answers_never_let_any_origin_send_credentials() -> None:
    client = client_for(NOTES)
    answer = client.get("/api/notes", headers={**KEY, "Origin": EVIL})
    assert answer.headers["Access-Control-Allow-Origin"] == EVIL
    assert "Access-Control-Allow-Credentials" not in answer.headers
    preflight = client.options("/api/notes", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and "Access-Control-Allow-Credentials" not in preflight.headers
    # an origin configured by name may
    named = client_for(NOTES, config=MockConfig(cors_origins=("http://app.example",)))
    answer = named.get("/api/notes", headers={**KEY, "Origin": "http://app.example"})
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in named.get("/api/notes", headers={**KEY, "Origin": EVIL}).headers


def test_serve_beyond_loopback_requires_a_token_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kwargs: served.append({"app": app, **kwargs}))
    monkeypatch.delenv("APITWIN_ADMIN_TOKEN", raising=False)
    args = [str(NOTES), "--port", "0", "--no-reload", "--no-journal"]
    refused = CliRunner().invoke(cli.main, ["serve", *args, "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and served == []
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "--admin-token" in lines[0] and "Traceback" not in refused.output

    warned = CliRunner().invoke(cli.main, ["serve", *args, "--host", "0.0.0.0", "--admin-token", TOKEN])
    assert warned.exit_code == 0, warned.output
    assert "WARNING: listening on 0.0.0.0, beyond loopback" in warned.output
    assert TOKEN not in warned.output
    admin = served[-1]["app"].test_client()
    assert admin.get("/__apitwin/health").status_code == 401
    assert admin.get("/__apitwin/health", headers={"X-Apitwin-Admin-Token": TOKEN}).status_code == 200

    quiet = CliRunner().invoke(cli.main, ["serve", *args])
    assert quiet.exit_code == 0 and "WARNING" not in quiet.output and len(served) == 2


def test_the_dashboard_opened_with_the_token_keeps_working(browser: Any, tmp_path: Path) -> None:
    config = MockConfig(journal=True, stateful=True, state=str(tmp_path / "state.sqlite"), admin_token=TOKEN)
    with running(create_app([NOTES], config)) as url:
        created = requests.post(f"{url}/api/notes", headers=KEY, json={"title": "x"}, timeout=10).json()
        browser.get(f"{url}/__apitwin/?token={TOKEN}")
        _wait(browser, lambda b: ", 9 operations" in _by_id(b, "summary").text)
        assert TOKEN not in browser.current_url  # taken out of the address bar (history, screen shares)

        def items(b: Any) -> list[str]:
            return list(b.execute_script(
                "return [...document.querySelectorAll('details.collection[data-collection=\"/notes\"] .item')]"
                ".map((e) => e.dataset.path)"))

        _wait(browser, lambda b: items(b) == ["/notes/n1", "/notes/n2", f"/notes/{created['id']}"])
        _by_id(browser, "state-reset-all").click()  # a DELETE, with the token, same-origin
        _wait(browser, lambda b: items(b) == ["/notes/n1", "/notes/n2"])
        assert requests.get(f"{url}/api/notes/{created['id']}", headers=KEY, timeout=10).status_code == 404
        assert _css(browser, ".op")
