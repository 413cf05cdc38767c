"""A stateful sequence's "valid request" refused because a value passed from an earlier call breaks this
operation's schema of it is the spec's finding, not the mock's failure (Dataiku's ``serviceId``)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.spec_findings import move_spec_findings
from contracts.verify_report import CheckFailure, OperationScore, VerifyReport

DOCUMENT: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
    "/projects/{key}/services/{serviceId}": {"post": {"parameters": [
        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "serviceId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
        "responses": {"204": {"description": "made"}}}},
    "/deployer/services/{serviceId}/settings": {
        "parameters": [{"$ref": "#/components/parameters/ServiceId"}],
        "get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}],
                "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}},
}, "components": {"parameters": {"ServiceId": {"name": "serviceId", "in": "path", "required": True,
                                               "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"}}}}}

LABEL = "GET /deployer/services/{serviceId}/settings"
CREATE = "curl -X POST -H 'X-Key: k' http://localhost/api/projects/P/services/%C3%B6%03"
CREATE_OK = "curl -X POST -H 'X-Key: k' http://localhost/api/projects/P/services/svc-1"


def _moved(steps: list[str], sent: str, reason: str = "Received: 400 for a valid request / Documented: 200, 400"
           ) -> tuple[list[str], int]:
    report = VerifyReport("spec.yaml", "http://localhost/api", 1)
    score = report.operations[LABEL] = OperationScore(LABEL, cases=1, failed=1)
    score.failures.append(CheckFailure(LABEL, "positive_data_acceptance", "Rejected", reason, steps[-1],
                                       sequence=steps if len(steps) > 1 else [], sent=sent))
    move_spec_findings(report, DOCUMENT, [])
    return report.spec_findings, len(report.failures)


def test_a_passed_value_the_schema_here_refuses_is_a_finding_naming_parameter_and_pointer() -> None:
    sent = "curl -X GET -H 'X-Key: k' http://localhost/api/deployer/services/%C3%B6%03/settings"
    findings, failures = _moved([CREATE, sent], sent)
    assert failures == 0
    assert len(findings) == 1
    assert "the path parameter 'serviceId' = 'ö\\x03'" in findings[0]
    assert "spec.yaml#/components/parameters/ServiceId/schema" in findings[0]


@pytest.mark.parametrize(("steps", "sent", "reason"), [
    # the value is valid here: the 400 is the mock's to explain
    ([CREATE_OK, "curl -X GET http://localhost/api/deployer/services/svc-1/settings"],
     "curl -X GET http://localhost/api/deployer/services/svc-1/settings", None),
    # invalid, but no earlier call carried it: the suite generated it, the failure stays
    ([CREATE_OK, "curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings"],
     "curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings", None),
    # one call, no sequence
    (["curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings"],
     "curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings", None),
    # not a client error
    ([CREATE, "curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings"],
     "curl -X GET http://localhost/api/deployer/services/%C3%B6%03/settings",
     "Received: 500 for a valid request / Documented: 200, 400"),
])
def test_other_refusals_stay_failures(steps: list[str], sent: str, reason: str | None) -> None:
    findings, failures = _moved(steps, sent, *([reason] if reason else []))
    assert (findings, failures) == ([], 1)


def test_a_query_value_passed_along_is_read_as_its_schema_type() -> None:
    earlier = "curl -X GET 'http://localhost/api/things?limit=50'"
    sent = "curl -X GET 'http://localhost/api/deployer/services/svc-1/settings?limit=50'"
    findings, _ = _moved([earlier, sent], sent)
    assert len(findings) == 1 and "the query parameter 'limit' = '50'" in findings[0]
    fits = "curl -X GET 'http://localhost/api/deployer/services/svc-1/settings?limit=5'"
    assert _moved(["curl -X GET 'http://localhost/api/things?limit=5'", fits], fits)[0] == []
