"""Redaction, sink by sink: one :class:`Redactor` decides what is secret, each sink applies it.

Invariants: the security schemes' names of every loaded spec are secret for every request
(not only for the operations that use them); secret-named fields are redacted in every body
format the mock reads (JSON with or without a Content-Type, forms, multipart, XML, a JSON
body cut short); the configured names (``--redact``, the configuration file's
``redact:``) are secret too; the journal keeps bodies cut to ``--journal-body-chars`` and an
entry never holds more; recordings are matched with the request's secrets redacted (a
recorded login is replayed); the record proxy quotes no secret of the upstream's answer;
access-log lines lose the Basic-auth user and secret query values.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask, Response

from contracts import cli
from mockserver import ADMIN_PREFIX, MockConfig, create_proxy_app, running
from mockserver.modes.journal import Journal, JournalEntry, RawEntry
from mockserver.modes.journal_rows import EnvironHeaders
from mockserver.modes.recordings import Exchange, write_recording
from mockserver.modes.redaction import REDACTED, Redactor
from mockserver.modes.redaction_messages import access_atoms, clean_problem, request_secrets
from mockserver.pipeline.problems import Problem, Violation

from ..mockserver.conftest import client_for

DATA = Path(__file__).resolve().parents[1] / "data" / "specs"
VAULT, NOTES = DATA / "vault.yaml", DATA / "notes.yaml"
KEY = "0123456789abcdef" * 2
VAULT_AUTH = {"Authorization": "Basic " + base64.b64encode(b"user:pw").decode(), "X-Partner": KEY}


def _journal(client: Any) -> list[dict[str, Any]]:
    listed = client.get(f"{ADMIN_PREFIX}/requests?limit=50").get_json()
    return [client.get(f"{ADMIN_PREFIX}/requests/{e['id']}").get_json() for e in listed]


def test_every_specs_scheme_names_are_secret_on_every_operation() -> None:
    client = client_for(NOTES, VAULT, config=MockConfig(journal=True))
    client.set_cookie("sid", "cookie-sesame-0")
    # a Notes operation, carrying the Vault's API keys (named like nothing secret) by mistake
    client.get("/api/notes?k=query-sesame-1", headers={"X-Key": "notes-sesame-2", "X-Partner": "header-sesame-3"})
    (entry,) = _journal(client)
    assert "sesame" not in json.dumps(entry)
    assert entry["headers"]["X-Partner"] == REDACTED and entry["query"] == "k=%5Bredacted%5D"


LOGIN = {"note": "kept", "user": "ana", "password": "pw-sesame-1", "nested": [{"client_secret": "cs-sesame-2"}]}
MULTIPART = (b'--XyZ\r\nContent-Disposition: form-data; name="user"\r\n\r\nana\r\n'
             b'--XyZ\r\nContent-Disposition: form-data; name="password"\r\n\r\npw-sesame-1\r\n'
             b'--XyZ\r\nContent-Disposition: form-data; name="meta"; filename="m.json"\r\n'
             b'Content-Type: application/json\r\n\r\n{"token": "tk-sesame-2", "note": "kept"}\r\n--XyZ--\r\n')


@pytest.mark.parametrize(("body", "content_type"), [
    (json.dumps(LOGIN).encode(), None),  # dataikuapi: JSON without a Content-Type
    (json.dumps(LOGIN).encode(), "text/plain"),
    (json.dumps(LOGIN).encode()[:-20], "application/json"),  # cut short, as the journal keeps a long body
    (b"user=ana&password=pw-sesame-1&note=kept&api%5Fkey=ak-sesame-2", "application/x-www-form-urlencoded"),
    (MULTIPART, "multipart/form-data; boundary=XyZ"),
    (b'<login note="kept"><user>ana</user><password>pw-sesame-1</password><k api_key="ak-sesame-2">kept</k>'
     b"</login>", "application/xml"),
])
def test_secret_fields_are_redacted_in_every_body_format(body: bytes, content_type: str | None) -> None:
    found: set[str] = set()
    redacted = Redactor().body(body, content_type, found).decode()
    assert "sesame" not in redacted and "kept" in redacted and "redacted" in redacted
    assert "pw-sesame-1" in found  # the values, to scrub them from messages about the request


def test_configured_names_are_secret_from_the_command_line_and_the_configuration_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(cli, "serve", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(cli, "_check_bindable", lambda host, port: None)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apitwin.yaml").write_text(f"serve:\n  specs: [{NOTES}]\n  redact: [X-Internal, pin]\n"
                                           "  max-multipart-parts: 10\n  max-echo-chars: 40\n"
                                           "  journal-body-chars: 500\n  reload: false\n")
    result = CliRunner().invoke(cli.main, ["serve", "--redact", "X-Tenant"])
    assert result.exit_code == 0, result.output
    ((app, _kwargs),) = calls
    config = app.extensions["apitwin"][0].config
    assert (config.max_multipart_parts, config.max_echo_chars, config.journal_body_chars) == (10, 40, 500)
    redactor = app.extensions["apitwin_redactor"]
    assert redactor.is_secret("X-Tenant")  # the command line wins over the file: only its names
    client = app.test_client()
    client.post("/api/notes", headers={"X-Key": "k", "X-Tenant": "tenant-sesame-1"},
                data=json.dumps({"title": "t", "pin": "pin-sesame-2"}))
    assert "tenant-sesame-1" not in json.dumps(_journal(client))


def test_the_journal_keeps_a_long_body_cut_and_never_holds_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[tuple[Journal, JournalEntry | RawEntry]] = []
    record = Journal.record

    def holding(self: Journal, entry: JournalEntry | RawEntry) -> None:
        held.append((self, entry))
        record(self, entry)

    monkeypatch.setattr(Journal, "record", holding)
    client = client_for(NOTES, config=MockConfig(journal=True, journal_body_chars=100))
    body = json.dumps({"title": "t", "tags": ["x" * 10] * 100_000, "password": "pw-sesame"})
    assert client.post("/api/notes", headers={"X-Key": "k"}, data=body).status_code == 201
    ((journal, raw),) = held
    entry = raw if isinstance(raw, JournalEntry) else journal.entry_of(raw)
    assert isinstance(entry.body, bytes) and len(entry.body) <= 400 and entry.body_size == len(body)
    assert "wsgi.input" not in entry.headers.environ_keys()  # nor the stream that holds the whole body (headers only)
    assert all(isinstance(v, str) for v in entry.headers.values)
    listed = client.get(f"{ADMIN_PREFIX}/requests").get_json()
    assert listed[0]["body_truncated"] is True
    detail = client.get(f"{ADMIN_PREFIX}/requests/{listed[0]['id']}").get_json()
    assert len(detail["body_text"]) == 100 and detail["body_truncated"] is True
    assert detail["body_size"] == len(body)


def test_a_secret_cut_by_the_journal_limit_is_redacted(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.sqlite"), body_limit=40)
    body = json.dumps({"a": "x" * 10, "password": "hunter2-hunter2-hunter2"})  # the cut falls inside the value
    assert body.index("hunter2") < 40 < len(body)
    journal.record(JournalEntry("POST", "/a", "", "api", "op", 200, {}, body.encode(), [], 1.0))
    detail = journal.entry(journal.entries()[0]["id"])
    assert detail is not None and detail["body_truncated"] is True
    assert "hunt" not in detail["body_text"] and '"password": "[redact' in detail["body_text"]


def test_a_recorded_login_is_replayed_though_its_secrets_were_not_kept(tmp_path: Path) -> None:
    login = {"user": "ana", "password": "pw-sesame-1"}
    write_recording(tmp_path, Exchange(
        method="POST", path="/v1/sessions", query=[("k", KEY), ("api_key", "ak-sesame-2")],
        request_headers=VAULT_AUTH, request_body=json.dumps(login).encode(), status=201,
        response_headers={"Content-Type": "application/json"}, response_body=b'{"id": "recorded"}'))
    assert "sesame" not in "".join(p.read_text() for p in tmp_path.iterdir())
    client = client_for(VAULT, config=MockConfig(recordings=str(tmp_path)))
    client.set_cookie("sid", "c")
    answer = client.post(f"/v1/sessions?k={KEY}&api_key=ak-sesame-2", headers=VAULT_AUTH,
                         data=json.dumps(login))  # no Content-Type, as dataikuapi sends it
    assert answer.get_json() == {"id": "recorded"} and "x-apitwin-recording" in answer.headers


def test_the_record_proxy_quotes_no_secret_of_the_upstreams_answer(tmp_path: Path) -> None:
    upstream = Flask("leaky-upstream")

    @upstream.post("/v1/sessions")
    def create() -> Response:  # the id should be a string: the whole object is quoted in the violation
        return Response(json.dumps({"id": {"access_token": "upstream-sesame-1"}}), 201,
                        content_type="application/json")

    with running(upstream) as base, running(create_proxy_app([VAULT], base, tmp_path)) as proxy:
        answer = httpx.post(f"{proxy}/v1/sessions?k={KEY}", headers={**VAULT_AUTH, "Cookie": "sid=c"},
                            json={"user": "ana"})
    violations = json.loads(answer.headers["sl-violations"])
    assert [v["pointer"] for v in violations] == ["/id"]
    assert "sesame" not in answer.headers["sl-violations"]
    assert "sesame" not in "".join(p.read_text() for p in tmp_path.glob("*.yaml"))


def test_access_log_lines_lose_the_basic_user_and_secret_query_values() -> None:
    atoms = {"h": "127.0.0.1", "u": "dss-api-key-sesame", "q": "api_key=ak-sesame&x=1",
             "r": "GET /public/api/projects?api_key=ak-sesame&x=1 HTTP/1.1", "f": "http://app/?access_token=at-sesame",
             "{x-dku-apiticket}i": "t-sesame", "{http_authorization}e": "Basic sesame",
             "{query_string}e": "api_key=ak-sesame", "{accept}i": "*/*"}
    line = json.dumps(access_atoms(Redactor(), atoms))
    assert "sesame" not in line
    assert "x=1" in line and "*/*" in line


@pytest.mark.parametrize(("name", "secret"), [
    *((n, True) for n in ("Authorization", "Proxy-Authorization", "Set-Cookie", "api_key", "apiKey", "X-Api-Key",
                          "access_token", "client_secret", "refresh_token", "private-key", "db_pass", "basicAuth",
                          "X-DKU-APITicket", "sessionId", "passphrase")),
    *((n, False) for n in ("author", "passenger", "title", "is_private", "ticket_id", "keyword")),
])
def test_names_that_look_secret(name: str, secret: bool) -> None:
    assert Redactor().is_secret(name) is secret


def test_configured_names_match_whatever_their_case_and_separators() -> None:
    for redactor in (Redactor(["X-Internal"]), Redactor(["xinternal"])):
        assert all(redactor.is_secret(n) for n in ("X-Internal", "x_internal", "XINTERNAL", "x.internal"))
        assert redactor.may_hold_secret('{"x_internal": 1}') and not redactor.may_hold_secret('{"internal": 1}')


def test_urls_in_other_headers_lose_their_secret_parameters() -> None:
    headers = Redactor().headers({"Referer": "http://app/page?x=1&access_token=at-sesame",
                                  "Location": "https://app/callback#access_token=fragment-sesame&state=s"})
    assert "sesame" not in json.dumps(headers) and "x=1" in headers["Referer"] and "state=s" in headers["Location"]


def test_the_state_view_of_the_dashboard_shows_no_stored_secret(tmp_path: Path) -> None:
    client = client_for(NOTES, config=MockConfig(stateful=True, state=str(tmp_path / "state.sqlite")))
    created = client.post("/api/notes", headers={"X-Key": "k"}, json={"title": "t", "password": "pw-sesame"})
    assert created.status_code == 201
    view = client.get(f"{ADMIN_PREFIX}/state/collections").get_data(as_text=True)
    assert "pw-sesame" not in view and '"password": "[redacted]"' in view.replace('":"', '": "')


def test_a_problem_is_copied_only_where_it_quotes_a_secret_or_a_long_value() -> None:
    plain = Violation("body", "", "[1, 2] is not of type 'object'")
    problem = Problem("invalid-request", f"body: {plain.message}", [plain])
    assert clean_problem(problem, frozenset({"sk-live-123", "bench-key"}), 40) is problem  # nothing to clean
    secret = Violation("header", "X-Key", "'sk-live-123' does not match '^[0-9]+$'")
    long = Violation("body", "/name", "'" + "x" * 100 + "' is too long")
    mixed = Problem("invalid-request", f"header X-Key: {secret.message} (and 2 more)", [secret, plain, long])
    cleaned = clean_problem(mixed, frozenset({"sk-live-123"}), 40)
    assert "sk-live-123" not in cleaned.detail and "sk-live-123" not in cleaned.violations[0].message
    assert cleaned.violations[0].message == "'[redacted]' does not match '^[0-9]+$'"
    assert cleaned.violations[1] is plain and len(cleaned.violations[2].message) < 60
    assert mixed.violations[0] is secret  # the problem raised is left as it is


def test_a_requests_secrets_come_from_its_headers_query_path_and_body_together() -> None:
    """The headers' secrets are worked out once per set of headers; the others are added to them, never instead."""
    redactor = Redactor()
    environ = {"HTTP_AUTHORIZATION": "Bearer tok-abc123", "HTTP_X_TRACE": "t-1", "CONTENT_TYPE": "application/json"}
    headers = EnvironHeaders(environ)
    only_headers = request_secrets(redactor, headers, "", b"", "application/json", None, {"id": "7"})
    assert only_headers == {"tok-abc123", "Bearer tok-abc123"}
    everything = request_secrets(redactor, EnvironHeaders(dict(environ)), "api_key=q-secret-1&page=2", b"",
                                 "application/json", {"user": {"password": "pw-sesame"}, "note": "n"},
                                 {"apiKey": "path-secret-9", "id": "7"})
    assert everything == only_headers | {"q-secret-1", "pw-sesame", "path-secret-9"}
    assert request_secrets(redactor, headers, "", b"", None, {"password": ""}, None) == only_headers  # no empty value
