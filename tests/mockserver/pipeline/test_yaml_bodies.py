"""YAML request bodies are read and validated like JSON ones (Kubernetes' ``application/apply-patch+yaml``:
verify --against-mock found ``[null, null]`` accepted for a ``type: object`` patch, 98 operations)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ..conftest import client_for, write_spec

PATCH = "application/apply-patch+yaml"


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    schema = {"type": "object", "properties": {"replicas": {"type": "integer"}}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "patches", "version": "1"},
        "paths": {"/things/{name}": {"patch": {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/merge-patch+json": {"schema": schema},
                                                          PATCH: {"schema": schema}}},
            "responses": {"200": {"description": "patched", "content": {"application/json": {"schema": schema}}},
                          "400": {"description": "invalid"}},
        }}},
    }
    return client_for(write_spec(tmp_path, spec))


def test_a_yaml_body_that_breaks_its_schema_is_refused(client: FlaskClient) -> None:
    answer = client.patch("/things/a", data="- null\n- null\n", content_type=PATCH)
    assert answer.status_code == 400
    assert "is not of type" in answer.get_data(as_text=True)
    assert client.patch("/things/a", data="replicas: two\n", content_type=PATCH).status_code == 400


def test_a_valid_yaml_body_is_accepted(client: FlaskClient) -> None:
    assert client.patch("/things/a", data="replicas: 3\n", content_type=PATCH).status_code == 200
    assert client.patch("/things/a", data='{"replicas": 3}', content_type=PATCH).status_code == 200
    assert client.patch("/things/a", data="when: 2001-12-14\n", content_type=PATCH).status_code == 200  # text


@pytest.mark.parametrize("body", ["a: &x [1]\nb: *x\n", "1: one\n", "when: !!timestamp 2001-12-14\n", "x: .nan\n",
                                  "x: !!binary aGVsbG8=\n", "a: [\n"])
def test_yaml_that_is_not_json_data_is_refused(client: FlaskClient, body: str) -> None:
    answer = client.patch("/things/a", data=body, content_type=PATCH)
    assert answer.status_code == 400
    assert "YAML" in answer.get_data(as_text=True)
