"""One real failure per schemathesis check that no real server here exhibits, each on a purpose-built wrong service.

The wrong services are variants of the gadgets service (gadgets_impl.py): a correct one passes cleanly,
each variant is found by the check it breaks and by no other. Where each of schemathesis 4.32's checks
has its real failure asserted:

- Prism (test_verify_prism): ignored_auth, unsupported_method, content_type_conformance,
  status_code_conformance;
- httpbinx (test_verify_httpbinx): not_a_server_error, content_type_conformance, allow_header_conformance,
  request time-outs;
- the widgets service (test_verify): status_code_conformance, response_schema_conformance,
  not_a_server_error, negative_data_rejection, ensure_resource_availability;
- the gadgets service (here): ignored_auth, missing_required_header, response_headers_conformance,
  use_after_free, positive_data_acceptance, max_response_time (opt-in: --max-response-time),
  object_level_authorization (two users given by --identities, a Web Fuzzing Commons auth document), and a
  rate limit (429 with Retry-After).
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.reports import render_html, render_junit, render_scorecard
from contracts.verify import VerifyOptions, VerifyReport, verify
from contracts.verify_report import RATE_LIMIT_CHECK
from mockserver import running

from .gadgets_impl import OTHER_TOKEN, TOKEN, make_gadgets_app, write_gadgets_spec


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gadgets_spec(tmp_path_factory.mktemp("gadgets"))


def run(spec: Path, defect: str | None) -> VerifyReport:
    with running(make_gadgets_app(defect)) as url:
        return verify(spec, VerifyOptions(base_url=url, headers=(("Authorization", f"Bearer {TOKEN}"),),
                                          max_examples=3, seed=1, request_timeout=5, max_time=60))


def test_the_correct_gadgets_service_passes_every_check(spec: Path) -> None:
    report = run(spec, None)
    assert report.ok and report.tested == 3, render_scorecard(report)


@pytest.mark.parametrize(("defect", "check", "words"), [
    ("ignores-auth", "ignored_auth", "with invalid credentials / Documented: 401 or 403"),
    ("ignores-missing-header", "missing_required_header", "Received: 200 without the required header X-Client"),
    ("no-response-header", "response_headers_conformance", "Received: no X-Revision header / Documented: required"),
    ("use-after-free", "use_after_free", "answered 200 after DELETE /gadgets/"),
    ("rejects-valid", "positive_data_acceptance", "Received: 400 for a valid request"),
])
def test_each_check_finds_its_wrong_service(spec: Path, defect: str, check: str, words: str) -> None:
    report = run(spec, defect)
    card = render_scorecard(report)
    matching = [f for f in report.failures if f.check == check]
    assert matching, card
    assert all(words in f.reason and f.curl.startswith("curl -X") for f in matching), card
    # one cause, one check: the others pass (a missing header is also an invalid request, which
    # negative_data_rejection reports too)
    others = set(report.by_check()) - {check}
    assert others <= ({"negative_data_rejection"} if defect == "ignores-missing-header" else set()), card


def write_identities(folder: Path) -> Path:
    """A Web Fuzzing Commons auth document naming the gadgets service's two users."""
    folder.mkdir(exist_ok=True)
    path = folder / "users.json"
    path.write_text(json.dumps({"auth": [
        {"name": "alice", "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {TOKEN}"}]},
        {"name": "bob", "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {OTHER_TOKEN}"}]}]}),
        encoding="utf-8")
    return path


@pytest.mark.parametrize("defect", [None, "shares-objects"])
def test_object_level_authorization_compares_the_two_identities(spec: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 defect: str | None) -> None:
    users = write_identities(tmp_path / "users")
    monkeypatch.chdir(tmp_path)
    with running(make_gadgets_app(defect)) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, "--identities", str(users),
                                               "--max-examples", "3", "--seed", "1", "--request-timeout", "5",
                                               "--max-time", "60"])
    card = result.output
    assert "Traceback" not in card and TOKEN not in card and OTHER_TOKEN not in card, card
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users"]  # nothing written in the current folder
    if defect is None:  # each user reads only their own gadgets: bob gets 404 for alice's
        assert result.exit_code == 0 and "3/3 operations tested" in card, card
        return
    assert result.exit_code == 1, card
    # found by this check and by no other
    assert "object_level_authorization (failed" in card, card
    assert [line.split()[0] for line in card.split("failures by check:")[1].splitlines()[1:]
            if line.startswith("    ")] == ["object_level_authorization"], card
    assert "bob received an object that alice created" in card
    assert "curl -X GET" in card and "/v1/gadgets/" in card


@pytest.mark.parametrize(("args", "words"), [
    (["--identities", "{spec}"], '"auth" is a required property'),
    (["--identities", "{users}", "--peer", "carol"], "no user 'carol'; its users: alice, bob"),
    (["--identities", "{users}", "--peer", "bob"], "compares two users at least"),
    (["--identities", "{users}", "--auth", "a:b"], "not with --auth or --api-key too"),
    (["--peer", "bob"], "give that document"),
    (["--tag", "nope", "--method", "patch"], "no operation of"),
])
def test_identities_and_filters_that_cannot_work_are_usage_errors(spec: Path, tmp_path: Path, args: list[str],
                                                                   words: str) -> None:
    users = write_identities(tmp_path)
    given = [a.format(spec=spec, users=users) for a in args]
    with running(make_gadgets_app(None)) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, *given])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output, result.output


def test_a_run_that_tests_nothing_says_so_and_fails(spec: Path) -> None:
    # the examples phase alone, on operations without examples: both are skipped, no request is sent
    with running(make_gadgets_app(None)) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, "--path", "/gadgets/{gadgetId}",
                                               "--phases", "examples", "-H", f"Authorization: Bearer {TOKEN}"])
    assert result.exit_code == 1, result.output
    assert "NOTHING TESTED: 0/2 operations tested" in result.output
    assert "no operation was tested" in result.output


def test_a_use_after_free_shows_the_whole_sequence_in_every_report(spec: Path) -> None:
    report = run(spec, "use-after-free")
    failure = next(f for f in report.failures if f.check == "use_after_free")
    assert [step.split()[2] for step in failure.sequence] == ["POST", "DELETE", "GET"], failure
    card, page, junit = render_scorecard(report), render_html(report), render_junit(report)
    for step in failure.sequence:
        assert step in card
        assert html.escape(step) in page, page
        assert step in (ET.fromstring(junit).find(".//failure").text or "")  # type: ignore[union-attr]


def test_a_rate_limited_server_is_reported_as_such_not_as_contract_failures(spec: Path) -> None:
    report = run(spec, "rate-limited")
    card = render_scorecard(report)
    assert set(report.by_check()) == {RATE_LIMIT_CHECK}, card
    for failure in report.failures:
        assert "429 Too Many Requests (Retry-After: 1)" in failure.reason
        assert "--rate-limit auto to wait" in failure.reason


def test_max_response_time_fails_answers_slower_than_the_bound(spec: Path, tmp_path: Path) -> None:
    """The gadgets GET sleeps 0.5 s; a bound of 0.1 s fails it whatever the machine's load (never a timing assert)."""
    from click.testing import CliRunner

    from contracts import cli

    with running(make_gadgets_app("slow")) as url:
        result = CliRunner().invoke(cli.main, [
            "verify", str(spec), "--base-url", url, "-H", f"Authorization: Bearer {TOKEN}",
            "--operation-id", "getGadget", "--phases", "fuzzing", "--max-examples", "1", "--seed", "1",
            "--max-response-time", "0.1", "--max-time", "60"])
    assert result.exit_code == 1, result.output
    assert "max_response_time (failed" in result.output, result.output
    line = next(x for x in result.output.splitlines() if "max_response_time (failed" in x)
    assert "Received: an answer after " in line and line.endswith("/ Documented: at most 0.1s"), line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("rate_limit", [None, "auto"])
def test_rate_limit_auto_waits_as_retry_after_asks_and_says_so(spec: Path, rate_limit: str | None) -> None:
    app = make_gadgets_app("rate-limited")
    with running(app) as url:
        report = verify(spec, VerifyOptions(base_url=url, headers=(("Authorization", f"Bearer {TOKEN}"),),
                                            max_examples=1, seed=1, request_timeout=5, max_time=60,
                                            rate_limit=rate_limit, phases=("examples",),
                                            operation_ids=("createGadget",)))
    card = render_scorecard(report)
    assert set(report.by_check()) == {RATE_LIMIT_CHECK}, card
    # the spec's example, refused at first: sent again after the wait, and created, only when told to wait
    # (schemathesis waits on the cases it generates, not on the probes and extra requests of its checks)
    example = ("POST", "/v1/gadgets", f"Bearer {TOKEN}", b'{"name": "lamp"}')
    answers = [status for *sent, status in app.config["served"] if tuple(sent) == example]
    if rate_limit == "auto":
        assert answers == [429, 201], app.config["served"]
        assert "waited as it asked (--rate-limit auto) and checked the answers that followed" in card, card
    else:
        assert answers == [429], app.config["served"]
        assert "their answers were not checked" in card, card


def test_filters_of_different_kinds_combine(spec: Path) -> None:
    # schemathesis' own filters select what matches any one of them: this would test every operation on the path
    with running(make_gadgets_app(None)) as url:
        result = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, "--path", "/gadgets/{gadgetId}",
                                               "--method", "delete", "--phases", "coverage", "--max-examples", "1",
                                               "-H", f"Authorization: Bearer {TOKEN}"])
    assert result.exit_code == 0, result.output
    assert "1/1 operations tested" in result.output and "DELETE /gadgets/{gadgetId}" in result.output, result.output


def test_the_apitwin_process_skips_the_teardown_and_keeps_its_whole_output(spec: Path, tmp_path: Path) -> None:
    # the interpreter's teardown takes seconds after a big run, beyond --max-time: the process ends without it
    # (os._exit), so an atexit hook (put in by a sitecustomize module) never runs; what it printed and wrote is whole
    import os
    import subprocess
    import sys

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text("import atexit, os\n"
                                           "atexit.register(lambda: open(os.environ['TEARDOWN_MARK'], 'w').close())\n")
    mark = tmp_path / "teardown-ran"
    env = {**os.environ, "PYTHONPATH": str(hook), "TEARDOWN_MARK": str(mark)}
    apitwin = Path(sys.executable).parent / "apitwin"
    with running(make_gadgets_app("ignores-auth")) as url:
        done = subprocess.run([str(apitwin), "verify", str(spec), "--base-url", url, "--max-examples", "2",
                               "--seed", "1", "--phases", "examples,coverage", "--junit-xml", str(tmp_path / "r.xml"),
                               "-H", f"Authorization: Bearer {TOKEN}"], capture_output=True, text=True, timeout=300,
                              check=False, env=env)
    assert done.returncode == 1, done.stderr
    assert not mark.exists()
    assert done.stdout.splitlines()[-2].startswith("FAILED: 3/3 operations tested"), done.stdout
    assert "ignored_auth" in done.stdout and (tmp_path / "r.xml").read_text().count("<testcase") >= 3
