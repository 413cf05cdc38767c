"""verify --against-mock on specs with per-operation security and without documented 4xx (bugs 14, 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.reports import render_scorecard
from contracts.verify import VerifyOptions, verify_against_mock

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

