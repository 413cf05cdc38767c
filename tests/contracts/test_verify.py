"""`verify` catches real deviations, passes a correct implementation, and reports them usefully."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.reports import render_html, render_junit, render_scorecard
from contracts.verify import VerifyOptions, VerifyReport, verify
from mockserver import running

from ..conftest import DATA
from .widgets_impl import make_app

WIDGETS = DATA / "specs" / "widgets.yaml"
FAST = VerifyOptions(max_examples=15, seed=7, request_timeout=5)


def run_against(defect: str | None) -> VerifyReport:
    with running(make_app(defect)) as url:
        return verify(WIDGETS, VerifyOptions(**{**FAST.__dict__, "base_url": url}))


@pytest.fixture(scope="module")
def correct() -> VerifyReport:
    return run_against(None)


def test_a_correct_implementation_passes_cleanly(correct: VerifyReport) -> None:
    assert correct.ok, render_scorecard(correct)
    assert correct.tested == 3
    passed, failed = correct.totals()
    assert passed > 100 and failed == 0


@pytest.mark.parametrize(("defect", "operation", "check", "words"), [
    ("wrong-status", "GET /widgets/{widgetId}", "status_code_conformance", "Received: 202"),
    ("missing-field", "GET /widgets/{widgetId}", "response_schema_conformance", "size"),
    ("wrong-type", "GET /widgets/{widgetId}", "response_schema_conformance", "integer"),
    ("500-on-bad-input", "POST /widgets", "not_a_server_error", "500"),
    ("accepts-invalid", "POST /widgets", "negative_data_rejection", "201"),
    ("broken-link", "GET /widgets/{widgetId}", "ensure_resource_availability", "404"),
])
def test_each_deviation_is_reported_clearly(defect: str, operation: str, check: str, words: str) -> None:
    report = run_against(defect)
    assert not report.ok
    matching = [f for f in report.failures if f.check == check]
    assert matching, f"{check} not reported for {defect}:\n{render_scorecard(report)}"
    failure = matching[0]
    assert failure.operation == operation or check == "ensure_resource_availability"
    assert words in failure.reason + failure.message
    assert failure.curl.startswith("curl -X")


def test_reports_render_every_failure() -> None:
    report = run_against("wrong-status")
    junit = ET.fromstring(render_junit(report))
    failures = junit.findall(".//failure")
    assert failures and any("Received: 202" in (f.get("message") or "") for f in failures)
    page = render_html(report)
    assert page.startswith("<!doctype html>") and "Received: 202" in page
    assert "<script" not in page and "http" not in page.split("<body>")[0]  # self-contained
    assert "FAILED" in render_scorecard(report)


def test_cli_exit_codes_and_report_files(tmp_path: Path) -> None:
    with running(make_app("wrong-status")) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(WIDGETS), "--base-url", url, "--max-examples", "5",
                                               "--seed", "1", "--junit-xml", str(tmp_path / "r.xml"),
                                               "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 1, result.output
    assert "status_code_conformance (failed " in result.output
    assert "Received: 202 / Documented: 200, 400, 404" in result.output
    assert ET.parse(tmp_path / "r.xml").getroot().tag == "testsuites"
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    with running(make_app(None)) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(WIDGETS), "--base-url", url, "--max-examples", "5",
                                               "--seed", "1"])
    assert result.exit_code == 0, result.output


def test_operation_filters_select_what_runs() -> None:
    with running(make_app(None)) as url:
        report = verify(WIDGETS, VerifyOptions(**{**FAST.__dict__, "base_url": url,
                                                  "operation_ids": ("getWidget",), "phases": ("examples", "fuzzing")}))
    assert [s.label for s in report.operations.values() if s.cases] == ["GET /widgets/{widgetId}"]


def test_usage_errors() -> None:
    result = CliRunner().invoke(cli.main, ["verify", str(WIDGETS)])
    assert result.exit_code == 2 and "--base-url" in result.output


def test_operations_with_servers_of_their_own_are_tested_under_their_prefix(tmp_path: Path) -> None:
    from contracts.verify import verify_against_mock

    from ..mockserver.conftest import make_spec, write_spec

    ok = {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
        "examples": {"fine": {"value": {"ok": True}}}}}}}
    spec = make_spec(servers=[{"url": "https://api.example.com/v2"}], paths={
        "/status": {"get": {"operationId": "status", "responses": ok}},
        "/ingest": {"servers": [{"url": "https://ingest.example.com/ingest/v1"}],
                    "get": {"operationId": "ingest", "responses": ok}},
        "/query": {"get": {"operationId": "query", "servers": [{"url": "https://query.example.com/q"}],
                           "responses": ok}},
    })
    report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=3, seed=1))
    assert report.ok, render_scorecard(report)
    assert report.tested == 3


def test_file_parts_described_by_their_media_type_are_generated_as_files(tmp_path: Path) -> None:
    from contracts.generation import for_generation
    from contracts.verify import verify_against_mock

    from ..mockserver.conftest import make_spec, write_spec

    upload = {"type": "object", "required": ["file"], "properties": {"file": {"contentMediaType": "application/zip"}}}
    spec = make_spec(paths={"/uploads": {"post": {
        "operationId": "upload",
        "requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": {"$ref": "#/components/schemas/Upload"}}}},
        "responses": {"204": {"description": "stored"}, "400": {"description": "bad"}}}}})
    spec.setdefault("components", {}).setdefault("schemas", {})["Upload"] = upload
    view = for_generation(spec)
    assert view["components"]["schemas"]["Upload"]["properties"]["file"] == {
        "contentMediaType": "application/zip", "type": "string", "format": "binary"}
    assert spec["components"]["schemas"]["Upload"]["properties"]["file"] == {"contentMediaType": "application/zip"}
    report = verify_against_mock(write_spec(tmp_path, spec), VerifyOptions(max_examples=20, seed=3))
    assert report.ok, render_scorecard(report)  # without the view, a null "file" is dropped: "valid request rejected"
