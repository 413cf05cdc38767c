"""`apitwin verify` against Prism 5.16 serving each shipped spec: a peer implementation nobody here wrote.

Prism's known deviations from the specs it serves are the expected findings,
asserted by check; the run is bounded by ``--max-time`` and must end within a
few seconds of it, with no error of apitwin's own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.reports import render_scorecard
from contracts.verify import TIMEOUT_CHECK, VerifyOptions, VerifyReport, verify

from ..conftest import SPECS
from .real_servers import install_prism, prism

MAX_TIME = 8.0

# check -> what Prism does that the spec does not say
PRISM_DEVIATIONS = {
    # Prism checks that a credential is present, not that it is valid
    "ignored_auth": "answers 2xx to a request with an invalid credential",
    # Prism answers undeclared methods 405 without an Allow header, or 404
    "unsupported_method": "no Allow header on its 405, or 404 for an undeclared method",
    # Prism's own errors (422 on a bad request, 404 on an unknown path) are application/problem+json
    "content_type_conformance": "errors as application/problem+json where the spec documents application/json",
    "status_code_conformance": "status codes the spec does not document (its own 404/405/422)",
    # Prism sends its own 422 where a spec documents 400 for a bad request
    "negative_data_rejection": "accepts some invalid requests",
    "positive_data_acceptance": "rejects some valid requests",
    "missing_required_header": "answers a request without a required header with something else than 4xx",
    # Prism never answers a POST whose body is one NUL byte (checked by hand: curl --data-binary @nul.bin waits
    # until its own time-out; the curl schemathesis prints, -d $'\\x00', sends an empty body in bash and gets 400)
    TIMEOUT_CHECK: "no answer to a body that is not JSON",
}

# the findings every bounded run makes: Prism answers slowly on a loaded machine (0.4 s a request on 2 shared
# cores), so a run of MAX_TIME seconds covers the first operations only; these are found on the first ones
EXPECTED = {
    "dataiku-apinode.yaml": {"ignored_auth", "unsupported_method"},
    "dataiku-dss.yaml": {"content_type_conformance", "status_code_conformance"},
    "tecton.yaml": {"ignored_auth"},
    "featurebase.yaml": {"content_type_conformance"},
    "crossingminds.yaml": {"content_type_conformance"},
}


# the DSS spec has 267 operations: three of its tags (26 operations) fit the time budget on a loaded machine
TAGS = {"dataiku-dss.yaml": ("Projects", "Wiki", "Jobs")}


@pytest.fixture(scope="session")
def prism_binary() -> Path:
    return install_prism()


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def prism_run(request: pytest.FixtureRequest, prism_binary: Path) -> Iterator[tuple[str, VerifyReport, float]]:
    spec = SPECS / request.param
    with prism(prism_binary, spec) as url:
        started = time.monotonic()
        report = verify(spec, VerifyOptions(base_url=url, auth=("key", ""), max_examples=2, seed=1,
                                            request_timeout=1, phases=("examples", "coverage"),
                                            max_time=MAX_TIME,
                                            tags=TAGS.get(request.param, ())))
        yield request.param, report, time.monotonic() - started


@pytest.mark.slow
def test_prism_deviations_are_found_and_named(prism_run: tuple[str, VerifyReport, float]) -> None:
    name, report, elapsed = prism_run
    found = set(report.by_check())
    summary = f"{name}: found {sorted(found)} in {elapsed:.1f}s, cut: {report.cut}\n{render_scorecard(report)[-3000:]}"
    assert elapsed < MAX_TIME + 4, summary
    assert report.tested > 0 and not report.errors, summary
    assert EXPECTED[name] <= found, summary
    assert found <= set(PRISM_DEVIATIONS), f"a finding that is not a known deviation of Prism: {summary}"
    for failure in report.failures:
        assert "\n" not in failure.reason and failure.curl.startswith("curl -X"), failure


@pytest.mark.slow
def test_cli_against_prism_keeps_its_time_budget(prism_binary: Path, tmp_path: Path) -> None:
    spec = SPECS / "dataiku-apinode.yaml"
    with prism(prism_binary, spec) as url:
        started = time.monotonic()
        result = CliRunner().invoke(cli.main, ["verify", str(spec), "--base-url", url, "--auth", "key:",
                                               "--max-examples", "50", "--max-time", "4", "--seed", "1",
                                               "--junit-xml", str(tmp_path / "r.xml")])
        elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert elapsed < 4 + 4, result.output
    assert "Traceback" not in result.output
    assert "ignored_auth (failed" in result.output
    assert "Received: 200 with invalid credentials / Documented: 401 or 403" in result.output
    assert (tmp_path / "r.xml").read_text().count("<testcase") > 1
