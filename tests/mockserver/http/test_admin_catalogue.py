"""What the dashboard's form is built from (``/__apitwin/apis``), checked for every operation of the five specs.

The browser test sends every operation through the page's own code; this one checks the data
it uses, without a browser: every parameter the form must send has a value that fits its schema,
every body has a value its encoding can send, and the credential is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver import create_app

from ..conftest import make_spec, write_spec


@pytest.fixture(scope="module")
def catalogue() -> list[dict[str, Any]]:
    client: FlaskClient = create_app().test_client()
    answer = client.get("/__apitwin/apis").get_json()
    assert isinstance(answer, list)
    return answer


def _operations(catalogue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for a in catalogue for o in a["operations"]]


def test_every_required_parameter_has_a_value(catalogue: list[dict[str, Any]]) -> None:
    operations = _operations(catalogue)
    assert len(operations) == 353
    missing = [(o["operationId"], p["name"]) for o in operations for p in o["parameters"]
               if p["required"] and (p["value"] is None or p["value"] == "")]
    assert missing == []
    # path parameters are always required, whatever the spec wrote
    assert all(p["required"] for o in operations for p in o["parameters"] if p["in"] == "path")


def test_every_body_has_a_value_its_encoding_can_send(catalogue: list[dict[str, Any]]) -> None:
    for op in _operations(catalogue):
        body = op["requestBody"]
        if body is None:
            continue
        assert body["encoding"] in ("json", "multipart", "urlencoded", "text"), op["operationId"]
        if body["encoding"] == "text":
            assert isinstance(body["value"], str)
            continue
        value = json.loads(body["value"]) if body["value"] else None
        if body["encoding"] == "json":
            assert value is not None or not body["required"], op["operationId"]
        else:  # a form: an object of parts, the file parts named
            assert isinstance(value, dict) and set(body["files"]) <= set(value), op["operationId"]
            assert body["files"], op["operationId"]  # the five specs' multipart bodies all upload a file


def test_every_operation_of_the_five_specs_carries_a_credential(catalogue: list[dict[str, Any]]) -> None:
    # every operation of the five specs is secured: the form must send a credential for each
    assert [o["operationId"] for o in _operations(catalogue) if not o["auth"] and not o["authQuery"]] == []


def test_a_query_credential_and_a_form_body(tmp_path: Path) -> None:
    spec = make_spec(
        security=[{"query": []}],
        paths={"/items": {"post": {
            "operationId": "addItem",
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["name", "size"],
                "properties": {"name": {"type": "string", "minLength": 2}, "size": {"type": "integer"}}}}}},
            "responses": {"204": {"description": "added"}}}}},
        components={"securitySchemes": {"query": {"type": "apiKey", "in": "query", "name": "key"}}})
    client = create_app([write_spec(tmp_path, spec)]).test_client()
    (op,) = client.get("/__apitwin/apis").get_json()[0]["operations"]
    assert op["auth"] == "" and op["authQuery"] == "key=apitwin-key"
    body = op["requestBody"]
    assert body["encoding"] == "urlencoded" and body["files"] == []
    fields = json.loads(body["value"])  # generated from the schema: no example
    assert client.post("/items?" + op["authQuery"], data=fields).status_code == 204
    assert client.post("/items", data=fields).status_code == 401
