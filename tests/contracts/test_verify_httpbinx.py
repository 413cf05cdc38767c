"""`apitwin verify` against httpbinx (PyPI, FastAPI, run by uvicorn), verified as a user verifies their backend.

The spec is the one the server generates (``/openapi.json``). Every finding is
triaged here: the deviations below were each confirmed by hand with curl
against the same server, and nothing else may be reported (no false alarm).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.reports import render_scorecard
from contracts.verify import CONNECTION_CHECK, TIMEOUT_CHECK, VerifyOptions, VerifyReport, verify

from .real_servers import httpbinx

SECRET = "s3cret-token-9f2"
PATHS = ("/absolute-redirect/{n}", "/status/{codes}", "/anything", "/cookies/set", "/html", "/get", "/delay/{delay}",
         "/xml")

# (operation, check, words of the reason): the real deviations of httpbinx 1.13 from its own spec
DEVIATIONS = [
    # GET /absolute-redirect/9 answers "Internal Server Error" (text/plain); /absolute-redirect/1 answers 307
    ("GET /absolute-redirect/{n}", "not_a_server_error", "Received: 500"),
    # GET /status/200 answers an empty body with no Content-Type; the spec documents application/json
    ("GET /status/{codes}", "content_type_conformance", "no Content-Type"),
    # an undeclared method on /anything gets 405 with "Allow: PATCH" although the path has five methods
    ("POST /anything", "allow_header_conformance", "Allow: PATCH"),
    # /delay/{delay} waits up to 10 s, longer than the 1 s request time-out: no answer in time
    ("GET /delay/{delay}", TIMEOUT_CHECK, "no answer in 1s"),
]
# every (path, check) that may fail, each confirmed by hand: the deviations above, the other checks they fail
# (one cause, several checks), and those a random run may or may not reach:
# - /status/1xx sends an informational status and no final answer (time-out); /status/<not a code> answers an
#   undocumented 400 to a schema-valid string;
# - an undeclared method on any path with several methods gets 405 with one method in Allow.
ALLOWED = {
    ("/absolute-redirect/{n}", "not_a_server_error"), ("/absolute-redirect/{n}", "status_code_conformance"),
    ("/absolute-redirect/{n}", "content_type_conformance"),
    ("/status/{codes}", "content_type_conformance"), ("/status/{codes}", "response_schema_conformance"),
    ("/status/{codes}", "status_code_conformance"), ("/status/{codes}", "positive_data_acceptance"),
    ("/status/{codes}", TIMEOUT_CHECK), ("/status/{codes}", CONNECTION_CHECK),
    ("/status/{codes}", "not_a_server_error"),
    ("/anything", "allow_header_conformance"), ("/delay/{delay}", "allow_header_conformance"),
    ("/delay/{delay}", TIMEOUT_CHECK),
}


#: a bound for a run that never ends, not a pace: on a loaded machine a 25 s budget cut the run before
#: /status/{codes} was reached, and the deviation the test asserts was not found
BUDGET_S = 120


@pytest.fixture(scope="module")
def httpbinx_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VerifyReport, float]]:
    with httpbinx(tmp_path_factory.mktemp("httpbinx")) as (url, spec):
        _with_a_plain_status_example(spec)
        started = time.monotonic()
        report = verify(spec, VerifyOptions(base_url=url, headers=(("Authorization", f"Bearer {SECRET}"),),
                                            max_examples=3, seed=1, request_timeout=1, paths=PATHS,
                                            exclude_checks=("ignored_auth",), max_time=BUDGET_S,
                                            phases=("examples", "coverage", "fuzzing")))
        yield report, time.monotonic() - started


def _with_a_plain_status_example(spec: Path) -> None:
    """Add the example ``/status/200`` beside the published ``200:3,400:1``.

    The published example makes the server pick 200 or 400 at random (unseeded): one full run in six
    on a loaded machine never drew a 200 there, and the Content-Type deviation of /status/200 went
    unseen. The server is verified as published otherwise.
    """
    document = json.loads(spec.read_text(encoding="utf-8"))
    (parameter,) = document["paths"]["/status/{codes}"]["get"]["parameters"]
    parameter["examples"]["plain"] = {"value": "200"}
    spec.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "check", "words"), DEVIATIONS, ids=[d[1] for d in DEVIATIONS])
def test_each_real_deviation_of_httpbinx_is_found(httpbinx_report: tuple[VerifyReport, float], operation: str,
                                                  check: str, words: str) -> None:
    report, _ = httpbinx_report
    matching = [f for f in report.failures if f.check == check and words in f.reason]
    assert matching, render_scorecard(report)
    assert any(f.operation == operation for f in matching) or check == "allow_header_conformance", matching
    assert all(f.curl.startswith("curl -X") for f in matching)


@pytest.mark.slow
def test_httpbinx_run_has_no_false_alarm_and_keeps_its_budget(httpbinx_report: tuple[VerifyReport, float]) -> None:
    report, elapsed = httpbinx_report
    card = render_scorecard(report)
    assert elapsed < BUDGET_S + 4, card
    assert not report.errors, card
    for failure in report.failures:
        path = failure.operation.split(" ", 1)[1]
        assert (path, failure.check) in ALLOWED, f"unexpected: {failure}\n{card}"
    clean = [s.label for s in report.operations.values() if s.cases and not s.failures]
    assert {"GET /get", "GET /html", "GET /xml", "GET /cookies/set"} <= set(clean), card
    assert SECRET not in card


@pytest.mark.slow
def test_https_with_a_private_ca(tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    with httpbinx(tmp_path, certfile, keyfile) as (url, spec):
        args = ["verify", str(spec), "--base-url", url, "--path", "/get", "--path", "/html", "--max-examples", "2",
                "--seed", "1", "--max-time", "20"]
        untrusted = CliRunner().invoke(cli.main, args)
        trusted = CliRunner().invoke(cli.main, [*args, "--cacert", str(cafile)])
    assert untrusted.exit_code == 4, untrusted.output
    assert "TLS handshake" in untrusted.output and "--cacert" in untrusted.output
    assert "Traceback" not in untrusted.output
    assert trusted.exit_code == 0, trusted.output
    assert "2/2 operations tested" in trusted.output
