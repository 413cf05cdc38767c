"""OpenAPI 3.0 specs are served too (``nullable``, draft-4 style schemas)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import client_for, make_spec, write_spec


def spec30(tmp_path: Path) -> Path:
    spec = make_spec(openapi="3.0.3")
    spec["components"]["schemas"]["Item"]["properties"]["name"] = {"type": "string", "nullable": True}
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"] = {
        "nameless": {"value": {"id": 1, "name": None}}}
    spec["paths"]["/items"] = {"post": {"operationId": "createItem", "requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
        "responses": {"201": {"description": "created"}}}}
    return write_spec(tmp_path, spec)


def test_nullable_example_is_served(tmp_path: Path) -> None:
    client = client_for(spec30(tmp_path))
    assert client.get("/items/1").get_json() == {"id": 1, "name": None}


def test_nullable_is_honoured_in_request_validation(tmp_path: Path) -> None:
    client = client_for(spec30(tmp_path))
    assert client.post("/items", json={"id": 2, "name": None}).status_code == 201
    response = client.post("/items", json={"id": "two"})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["pointer"] == "/id"


def test_head_answers_like_get_without_body(tmp_path: Path) -> None:
    client = client_for(spec30(tmp_path))
    response = client.head("/items/1")
    assert response.status_code == 200 and response.data == b""


def test_a_valid_request_is_judged_without_the_pure_python_validator(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """jsonschema-rs gives the verdict (a hundred times faster); the pure-Python validator only words errors."""
    import openapi_schema_validator

    class Refused:
        FORMAT_CHECKER = openapi_schema_validator.OAS30Validator.FORMAT_CHECKER  # its format checks are used

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("the pure-Python validator was built")

    monkeypatch.setattr(openapi_schema_validator, "OAS30Validator", Refused)
    client = client_for(spec30(tmp_path))
    assert client.post("/items", json={"id": 2, "name": None}).status_code == 201
    assert client.get("/items/1").get_json() == {"id": 1, "name": None}
    monkeypatch.undo()
    response = client.post("/items", json={"id": "two"})
    assert response.status_code == 400
    assert response.get_json()["errors"][0] == {"location": "body", "pointer": "/id",
                                                "message": "'two' is not of type 'integer'"}


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_keywords_beside_a_ref_are_applied(tmp_path: Path, version: str) -> None:
    """README, Spec loading: ``{$ref: Item, required: [name]}`` (DigitalOcean's ``POST
    /v2/load_balancers/{lb_id}/droplets``) requires ``name`` in 3.0 too, as its author meant and as Prism and
    openapi-core read it, although 3.0 says siblings of ``$ref`` are ignored (``apitwin lint``: ref-siblings)."""
    spec = make_spec(openapi=version)
    spec["paths"]["/items"] = {"post": {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Item", "required": ["name"]}}}},
        "responses": {"201": {"description": "created"}, "400": {"description": "invalid"}}}}
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/items", json={"id": 2, "name": "a"}).status_code == 201
    response = client.post("/items", json={"id": 2})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["pointer"] == "/name"
