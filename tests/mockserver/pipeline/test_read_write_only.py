"""``readOnly``/``writeOnly`` with ``required``: required only in the direction each may travel; a request
carrying a readOnly property is refused, a response never carries a writeOnly one (OpenAPI 3.0 and 3.1)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mockserver import MockConfig, load_spec
from mockserver.pipeline.operation import MockAPI
from mockserver.spec import SchemaCompiler

from ..conftest import client_for, write_spec

USER: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "password"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "password": {"type": "string", "writeOnly": True},
    },
}


def users_spec(version: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/User"}
    return {
        "openapi": version,
        "info": {"title": "users", "version": "1"},
        "paths": {"/users": {"post": {
            "operationId": "createUser",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
            "responses": {"201": {"description": "created", "content": {"application/json": {"schema": ref}}},
                          "400": {"description": "invalid"}},
        }}},
        "components": {"schemas": {"User": copy.deepcopy(user or USER)}},  # a test may change it
    }


VERSIONS = ["3.0.3", "3.1.0"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_required_write_only_property_is_required_in_requests(tmp_path: Path, version: str) -> None:
    client = client_for(write_spec(tmp_path, users_spec(version)))
    answer = client.post("/users", json={"name": "ann"})
    assert answer.status_code == 400
    assert "/password" in answer.get_data(as_text=True)
    assert client.post("/users", json={"name": "ann", "password": "secret"}).status_code == 201


@pytest.mark.parametrize("version", VERSIONS)
def test_a_read_only_property_in_a_request_is_refused(tmp_path: Path, version: str) -> None:
    client = client_for(write_spec(tmp_path, users_spec(version)))
    answer = client.post("/users", json={"id": 7, "name": "ann", "password": "secret"})
    assert answer.status_code == 400
    assert "readOnly" in answer.get_data(as_text=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_answers_carry_read_only_and_never_write_only(tmp_path: Path, version: str) -> None:
    client = client_for(write_spec(tmp_path, users_spec(version)))
    answer = client.post("/users", json={"name": "ann", "password": "secret"})
    body = answer.get_json()
    assert answer.status_code == 201 and "id" in body and "password" not in body


def test_required_names_in_an_all_of_branch_follow_the_direction(tmp_path: Path) -> None:
    user = {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "required": ["id", "name"]}]}
    spec = users_spec("3.0.3", user)
    spec["components"]["schemas"]["Base"] = {"type": "object", "properties": {
        "id": {"type": "string", "readOnly": True}, "name": {"type": "string"}}}
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/users", json={"name": "ann"}).status_code == 201
    assert "id" in client.post("/users", json={"name": "ann"}).get_json()


def test_a_response_example_carrying_a_write_only_property_is_passed_over(tmp_path: Path) -> None:
    spec = users_spec("3.1.0")
    media = spec["paths"]["/users"]["post"]["responses"]["201"]["content"]["application/json"]
    media["example"] = {"id": 1, "name": "ann", "password": "leaked"}
    client = client_for(write_spec(tmp_path, spec))
    body = client.post("/users", json={"name": "ann", "password": "secret"}).get_json()
    assert "password" not in body and "id" in body


def test_a_schema_without_read_or_write_only_has_one_validator(tmp_path: Path) -> None:
    spec = users_spec("3.1.0")
    spec["components"]["schemas"]["Plain"] = {"type": "object", "required": ["a"]}
    compiler = SchemaCompiler(spec)
    plain = compiler.at("/components/schemas/Plain")
    assert compiler.at("/components/schemas/Plain", "request") is plain
    assert compiler.at("/components/schemas/Plain", "response") is plain
    assert compiler.at("/components/schemas/User", "request") is not compiler.at("/components/schemas/User")
    del spec["components"]["schemas"]["User"]["properties"]["id"]["readOnly"]
    del spec["components"]["schemas"]["User"]["properties"]["password"]["writeOnly"]
    untouched = SchemaCompiler(spec)
    assert untouched.document_for("response") is spec


@pytest.mark.parametrize("version", VERSIONS)
def test_an_example_broken_only_by_write_only_says_so(tmp_path: Path, version: str) -> None:
    # train-travel's payment answer: a card with its writeOnly cvc inside an anyOf, whose own message
    # ("not valid under any of the schemas") does not say why
    spec = users_spec(version)
    media = spec["paths"]["/users"]["post"]["responses"]["201"]["content"]["application/json"]
    media["schema"] = {"anyOf": [{"$ref": "#/components/schemas/User"}]}
    media["example"] = {"id": 1, "name": "ann", "password": "leaked"}
    api = MockAPI(load_spec(write_spec(tmp_path, spec)), MockConfig())
    [example] = [e for op in api.operations for e in op.invalid_examples]
    assert "writeOnly" in example.violations[0].message
    assert "writeOnly" not in example.violations[-1].message


def test_an_example_broken_otherwise_is_not_blamed_on_write_only(tmp_path: Path) -> None:
    spec = users_spec("3.1.0")
    media = spec["paths"]["/users"]["post"]["responses"]["201"]["content"]["application/json"]
    media["example"] = {"id": "one", "name": "ann"}
    api = MockAPI(load_spec(write_spec(tmp_path, spec)), MockConfig())
    [example] = [e for op in api.operations for e in op.invalid_examples]
    assert not any("readOnly/writeOnly" in v.message for v in example.violations)
