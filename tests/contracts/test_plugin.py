"""The pytest plugins, tested with pytester: contract tests from a user's suite, and the mock fixture.

Each inner run is a subprocess: schemathesis keeps process-wide state that would
otherwise leak into the rest of the suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import running

from ..conftest import DATA
from .real_servers import httpbinx
from .widgets_impl import make_app

WIDGETS = DATA / "specs" / "widgets.yaml"

CONTRACT_TEST = """
import schemathesis

schema = schemathesis.pytest.from_fixture("apitwin_schema")

@schema.parametrize()
def test_api(case):
    case.call_and_validate()
"""


def test_contract_tests_pass_against_the_in_process_mock(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\napitwin_contract_spec = {WIDGETS}\n")
    pytester.makepyfile(test_contract=CONTRACT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--hypothesis-seed=1")
    result.assert_outcomes(passed=1)  # one item; schemathesis runs each operation as a subtest
    result.stdout.fnmatch_lines(["*1 passed*"])


KEYED_SPEC = """
openapi: 3.0.3
info: {title: Keyed, version: "1"}
servers: [{url: http://localhost/api}]
security: [{key: []}]
paths:
  /things/{thingId}:
    get:
      operationId: getThing
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 9}}
      responses:
        "200":
          description: a thing
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: {id: {type: integer}}
              example: {id: 1}
        "400": {description: not a thing id}
        "401": {description: no key}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
"""


def test_in_process_mock_refuses_a_call_without_the_key_it_is_sent(pytester: pytest.Pytester) -> None:
    # schemathesis' ignored_auth check sends a case without the credential: the mock must refuse
    # it (as the real API would), and accept the credential the suite sends with every other case
    pytester.makefile(".yaml", keyed=KEYED_SPEC)
    pytester.makepyfile(test_contract=CONTRACT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--apitwin-contract-spec=keyed.yaml",
                                           "--hypothesis-seed=1")
    result.assert_outcomes(passed=1)


def test_contract_tests_catch_a_wrong_implementation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_contract=CONTRACT_TEST)
    with running(make_app("wrong-status")) as url:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--apitwin-contract-spec={WIDGETS}",
                                    f"--apitwin-base-url={url}", "--hypothesis-seed=1")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1
    result.stdout.fnmatch_lines(["Undocumented status code: Received: 202 / Documented: 200, 400, 404", "",
                                 "Reproduce with:", "    curl -X GET http://127.0.0.1:*/v1/widgets/*"])
    assert "Traceback" not in result.stdout.str()


def test_missing_spec_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_contract=CONTRACT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*apitwin_contract_spec*"])


def test_mock_fixture_serves_the_configured_spec(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\napitwin_specs = {WIDGETS}\n")
    pytester.makepyfile(test_mock="""
import requests

def test_widget(apitwin_url):
    response = requests.get(apitwin_url + "/v1/widgets/1")
    assert response.status_code == 200
    assert response.json() == {"id": 1, "name": "bolt", "size": 2}
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_stateful_fixture_resets_the_world_for_each_test(pytester: pytest.Pytester) -> None:
    notes = DATA / "specs" / "notes.yaml"
    pytester.makeini(f"[pytest]\napitwin_specs = {notes}\napitwin_stateful = true\n")
    pytester.makepyfile(test_state="""
import requests

KEY = {"X-Key": "k"}

def test_delete_then_gone(apitwin):
    assert requests.delete(apitwin + "/api/notes/n1", headers=KEY).status_code == 204
    assert requests.get(apitwin + "/api/notes/n1", headers=KEY).status_code == 404

def test_next_test_sees_it_again(apitwin):
    assert requests.get(apitwin + "/api/notes/n1", headers=KEY).status_code == 200
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


REAL_CONTRACT_TEST = """
import schemathesis
from hypothesis import settings

schema = schemathesis.pytest.from_fixture("apitwin_schema").include(path=["/absolute-redirect/{n}", "/get"])

@schema.parametrize()
@settings(max_examples=15, deadline=None)
def test_api(case):
    case.call_and_validate()
"""


@pytest.mark.slow
def test_contract_tests_against_a_real_server_fail_with_one_line_reasons(pytester: pytest.Pytester,
                                                                       tmp_path: Path) -> None:
    """The README's contract test against httpbinx (FastAPI, run by uvicorn): its real 500 is a pytest failure."""
    pytester.makepyfile(test_contract=REAL_CONTRACT_TEST)
    with httpbinx(tmp_path) as (url, spec):
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--apitwin-contract-spec={spec}",
                                               f"--apitwin-base-url={url}", "--hypothesis-seed=1")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*Server error: Received: 500 (a server error)*", "Reproduce with:",
                                 "    curl -X GET *127.0.0.1*/absolute-redirect/*"])
    assert "Traceback" not in result.stdout.str()
    assert "GET /get" not in "\n".join(line for line in result.stdout.lines if "FAILED" in line)
