"""Self-check: a response that does not match the spec is never served silently."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mockserver import MockConfig

from ..conftest import client_for, make_spec, write_spec


def broken_spec(tmp_path: Path) -> Path:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"] = {
        "bad": {"value": {"id": "not-a-number"}}}
    return write_spec(tmp_path, spec)


def test_an_example_breaking_its_schema_is_passed_over_for_a_valid_value(tmp_path: Path) -> None:
    """The spec contradicting itself (issue 19): the mock still answers something valid, generated."""
    response = client_for(broken_spec(tmp_path)).get("/items/1")
    assert response.status_code == 200
    assert isinstance(response.get_json()["id"], int)


def test_another_valid_example_is_picked_over_the_invalid_one(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"] = {
        "bad": {"value": {"id": "not-a-number"}}, "good": {"value": {"id": 7, "name": "seven"}}}
    assert client_for(write_spec(tmp_path, spec)).get("/items/1").get_json() == {"id": 7, "name": "seven"}


def test_invalid_example_asked_for_is_a_500_naming_operation_example_and_pointer(tmp_path: Path) -> None:
    response = client_for(broken_spec(tmp_path)).get("/items/1", headers={"Prefer": "example=bad"})
    assert response.status_code == 500
    body = response.get_json()
    assert response.content_type == "application/problem+json"
    assert body["operation"] == "getItem"
    assert "'bad'" in body["example"]
    assert body["errors"][0]["pointer"] == "/id"
    assert "getItem" in body["detail"] and "/id" in body["detail"]


def test_invalid_example_is_reported_at_load_with_file_and_line(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        client_for(broken_spec(tmp_path))
    assert any("spec.yaml:" in r.getMessage() and "'bad'" in r.getMessage() for r in caplog.records)


def test_self_check_can_be_switched_off(tmp_path: Path) -> None:
    client = client_for(broken_spec(tmp_path), config=MockConfig(validate_responses=False))
    assert client.get("/items/1").get_json() == {"id": "not-a-number"}


def test_generated_value_that_cannot_match_is_reported(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"type": "string", "pattern": "^(?=a)b$"}}  # unsatisfiable
    response = client_for(write_spec(tmp_path, spec)).get("/items/1")
    assert response.status_code == 500
    assert "generated" in response.get_json()["detail"]


def test_every_problem_kind_has_a_status() -> None:
    from typing import get_args

    from mockserver.pipeline.problems import STATUS, ProblemKind

    assert set(STATUS) == set(get_args(ProblemKind))
