"""`verify` catches real deviations, passes a correct implementation, and reports them usefully."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

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


def _string_file_upload(tmp_path: Path) -> tuple[dict[str, object], Path]:
    """Dataiku's ManagedFolderUpload: a multipart body whose one required part is a string with a media type."""
    from ..mockserver.conftest import make_spec, write_spec

    spec = make_spec(paths={"/uploads": {"post": {
        "operationId": "upload",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}},
        "responses": {"200": {"description": "stored"}, "400": {"description": "bad"}}}}})
    return spec, write_spec(tmp_path, spec)


def test_string_file_parts_are_not_given_another_type_by_negative_cases(tmp_path: Path) -> None:
    from contracts.generation import for_generation
    from contracts.verify import verify_against_mock

    spec, path = _string_file_upload(tmp_path)
    part = for_generation(spec)["paths"]["/uploads"]["post"]["requestBody"]["content"]["multipart/form-data"][
        "schema"]["properties"]["file"]
    assert part == {"type": "string", "contentMediaType": "application/octet-stream", "format": "binary"}
    report = verify_against_mock(path, VerifyOptions(max_examples=100, seed=1, phases=("fuzzing",)))
    # without the view: "file=-6.006784022278132e+16", a number that is a valid string on the wire, "accepted"
    assert report.ok, render_scorecard(report)


@pytest.mark.parametrize("shell", ["/bin/bash", None, "/usr/bin/fish"])
def test_string_parts_given_another_type_are_findings_where_the_suite_sees_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell: str | None) -> None:
    """A string part without a media type keeps its type mutations: their failures are the suite's limit.

    Whatever ``$SHELL`` is: schemathesis writes its curl for that shell (fish quoting; with none, a warning that
    repeats the body), and the findings read the request as sent, not that curl (CI has no ``$SHELL``)."""
    from contracts import verify as verify_module
    from contracts.verify import verify_against_mock

    if shell is None:
        monkeypatch.delenv("SHELL", raising=False)
    else:
        monkeypatch.setenv("SHELL", shell)
    _, path = _string_file_upload(tmp_path)
    monkeypatch.setattr(verify_module, "for_generation", lambda document: document)  # "file" as a plain string
    report = verify_against_mock(path, VerifyOptions(max_examples=100, seed=1, phases=("fuzzing",)))
    assert report.ok, render_scorecard(report)
    assert report.spec_findings and all("multipart field 'file' (a string)" in f for f in report.spec_findings)


def test_a_mock_accepting_a_string_file_upload_without_its_file_still_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contracts.verify import verify_against_mock
    from mockserver.pipeline.forms import FormReader

    _, path = _string_file_upload(tmp_path)
    read = FormReader._multipart

    def lenient(self: FormReader, content_type: str, body: bytes) -> tuple[object, list[object]]:
        value, violations = read(self, content_type, body)
        if isinstance(value, dict):
            value.setdefault("file", "")  # a broken mock: a missing required part is not noticed
        return value, list(violations)

    monkeypatch.setattr(FormReader, "_multipart", lenient)
    report = verify_against_mock(path, VerifyOptions(max_examples=100, seed=1, phases=("fuzzing",)))
    assert [f.check for f in report.failures] == ["negative_data_rejection"], render_scorecard(report)
    assert not report.spec_findings


def test_a_stateful_failure_shows_the_whole_sequence_of_calls() -> None:
    report = run_against("broken-link")
    failure = next(f for f in report.failures if f.check == "ensure_resource_availability")
    assert len(failure.sequence) >= 2, failure
    assert failure.sequence[0].startswith("curl -X POST") and failure.sequence[-1].startswith("curl -X GET")
    assert "answered 404 right after POST /widgets created the resource" in failure.reason
    card = render_scorecard(report)
    assert "          1. curl -X POST" in card and "          2. curl -X GET" in card
    junit = render_junit(report)
    assert failure.sequence[0].replace("'", "&apos;") in junit or failure.sequence[0] in ET.fromstring(junit).find(
        ".//failure").text  # type: ignore[union-attr,operator]


def test_junit_has_one_testcase_per_operation_and_check() -> None:
    report = run_against("wrong-status")
    cases = ET.fromstring(render_junit(report)).findall(".//testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names)) > 3 * 5
    failing = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == ["GET /widgets/{widgetId} [status_code_conformance]"]
    message = failing[0].find("failure").get("message")  # type: ignore[union-attr]
    assert message is not None and message.startswith("status_code_conformance failed ")
    assert "Received: 202 / Documented: 200, 400, 404" in message
    assert "POST /widgets [not_a_server_error]" in names


def test_cli_bad_input_is_one_line_with_a_documented_exit_code(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ..conftest import free_port

    unreachable = CliRunner().invoke(cli.main, ["verify", str(WIDGETS), "--base-url",
                                                f"http://127.0.0.1:{free_port()}"])
    assert unreachable.exit_code == 4 and "cannot connect" in unreachable.output, unreachable.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\npaths: [\n")
    bad_spec = CliRunner().invoke(cli.main, ["verify", str(broken), "--base-url", "http://127.0.0.1:9"])
    assert bad_spec.exit_code == 3, bad_spec.output

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody foresaw\nsecond line")

    import sys

    monkeypatch.setattr(sys.modules["contracts.verify"], "verify", crash)
    crashed = CliRunner().invoke(cli.main, ["verify", str(WIDGETS), "--base-url", "http://127.0.0.1:9"])
    assert crashed.exit_code == 5, crashed.output
    line = crashed.output.strip()
    assert "\n" not in line and "unexpected error: RuntimeError: something nobody foresaw; details in " in line
    log = Path(line.rsplit("details in ", 1)[1])
    assert "Traceback" in log.read_text() and "Traceback" not in crashed.output
    log.unlink()


def test_a_server_that_closes_connections_is_reported_with_curls() -> None:
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:  # reads the request, then hangs up without a word
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        report = verify(WIDGETS, VerifyOptions(base_url=f"http://127.0.0.1:{port}", max_examples=2, seed=1,
                                               request_timeout=2, phases=("examples", "coverage"), max_time=20))
    finally:
        stop.set()
        thread.join()
        listener.close()
    closed = [f for f in report.failures if f.check == "connection"]
    assert closed, render_scorecard(report)
    assert all(f.reason == "the connection closed without an answer" and f.curl.startswith("curl -X")
               for f in closed)


def test_max_time_cuts_the_run_and_the_reports_say_so(tmp_path: Path) -> None:
    import time

    with running(make_app(None)) as url:
        started = time.monotonic()
        result = CliRunner().invoke(cli.main, ["verify", str(WIDGETS), "--base-url", url, "--max-examples", "1000",
                                               "--seed", "1", "--max-time", "2",
                                               "--junit-xml", str(tmp_path / "r.xml")])
        elapsed = time.monotonic() - started
    assert elapsed < 2 + 3, result.output
    assert "cut at --max-time 2s" in result.output and "(cut short)" in result.output
    junit = ET.parse(tmp_path / "r.xml").getroot()
    assert any(c.get("name") == "run [max-time]" for c in junit.iter("testcase"))


def test_max_examples_bounds_every_phase_without_a_time_budget() -> None:
    with running(make_app(None)) as url:
        few = verify(WIDGETS, VerifyOptions(base_url=url, max_examples=2, seed=1, max_time=600))
    # a time budget is not spent for its own sake: the run ends when the phases have sent what N allows
    # (counted request by request in test_verify_budget.py)
    assert few.cut is None, render_scorecard(few)
    assert few.ok, render_scorecard(few)
    assert 0 < few.requests["fuzzing"] <= 2 * len(few.operations)


def test_a_run_against_the_mock_collects_less_often_and_leaves_the_collector_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from contracts import verify as verify_module
    from contracts.verify import GC_THRESHOLD, verify_against_mock

    seen: list[tuple[int, int, int]] = []

    def spying(*args: Any) -> Any:
        seen.append(gc.get_threshold())
        raise RuntimeError("stop here")

    before = gc.get_threshold()
    monkeypatch.setattr(verify_module, "_against_mock", spying)
    with pytest.raises(RuntimeError):
        verify_against_mock(tmp_path / "spec.yaml", VerifyOptions())
    assert seen[0][0] == GC_THRESHOLD > before[0]
    assert gc.get_threshold() == before
