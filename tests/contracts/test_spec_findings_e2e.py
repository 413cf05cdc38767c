"""Spec findings as a real run against the mock meets them: the findings read the request as sent (issue 19), and
must read it as the suite's curl shows it (the headers every request carries left out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.verify import VerifyOptions, verify_against_mock

from ..mockserver.conftest import make_spec, write_spec


@pytest.mark.parametrize("shell", ["/bin/bash", None])
def test_a_required_accept_header_parameter_is_a_finding_not_a_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell: str | None) -> None:
    """SendGrid declares required ``Accept`` header parameters, which OpenAPI ignores: the suite's request without
    one is answered, and its invalid value of one is accepted; both are the spec's, under any ``$SHELL``."""
    if shell is None:
        monkeypatch.delenv("SHELL", raising=False)
    else:
        monkeypatch.setenv("SHELL", shell)
    path = write_spec(tmp_path, make_spec(paths={"/apps": {"get": {
        "operationId": "listApps",
        "parameters": [{"name": "Accept", "in": "header", "required": True,
                        "schema": {"type": "string", "enum": ["application/json"]}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                      "400": {"description": "bad"}}}}}))
    report = verify_against_mock(path, VerifyOptions(max_examples=10, seed=1))
    assert report.ok, report.failures
    assert any("requires an Accept header parameter, which OpenAPI ignores" in f for f in report.spec_findings)
    assert any("declares an Accept header parameter, which OpenAPI ignores" in f for f in report.spec_findings)
