"""Swagger 2.0 documents converted at load: served under basePath, bodies validated, errors on the Swagger lines."""

from __future__ import annotations

import base64
import copy
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from mockserver import SpecLoadError, load_spec

from ...conftest import free_port, wait_until_healthy
from ..conftest import client_for, write_spec

KEY = {"X-Api-Key": "k-1"}

SWAGGER: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "Pets 2", "version": "1"},
    "host": "api.example.com",
    "basePath": "/v2",
    "schemes": ["https"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "securityDefinitions": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
        "basic": {"type": "basic"},
        "oauth": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a.example.com/auth",
                  "tokenUrl": "https://a.example.com/token", "scopes": {"read": "read pets"}},
    },
    "security": [{"key": []}],
    "parameters": {
        "limit": {"name": "limit", "in": "query", "type": "integer", "minimum": 1, "x-example": 5},
        "newPet": {"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/NewPet"}},
    },
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [
                    {"$ref": "#/parameters/limit"},
                    {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                    {"name": "ids", "in": "query", "type": "array", "items": {"type": "integer"},
                     "collectionFormat": "multi"},
                ],
                "responses": {"200": {"description": "pets", "schema": {"type": "array",
                                                                         "items": {"$ref": "#/definitions/Pet"}},
                                      "headers": {"X-Total": {"type": "integer", "x-example": 2}}}},
            },
            "post": {
                "operationId": "createPet",
                "parameters": [{"$ref": "#/parameters/newPet"}],
                "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Pet"},
                                      "examples": {"application/json": {"id": 7, "name": "Rex", "tag": None}}}},
            },
        },
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
            "get": {
                "operationId": "getPet",
                "produces": ["application/json", "application/xml"],
                "responses": {"200": {"description": "a pet", "schema": {"$ref": "#/definitions/Pet"}},
                              "404": {"description": "none"}},
            },
        },
        "/pets/{petId}/photo": {
            "post": {
                "operationId": "uploadPhoto",
                "consumes": ["multipart/form-data"],
                "security": [{"basic": []}],
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "type": "integer"},
                    {"name": "caption", "in": "formData", "type": "string", "required": True},
                    {"name": "file", "in": "formData", "type": "file"},
                ],
                "responses": {"204": {"description": "stored"}},
            },
        },
    },
    "definitions": {
        "NewPet": {"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string"}, "tag": {"type": "string", "x-nullable": True}}},
        "Pet": {"allOf": [{"$ref": "#/definitions/NewPet"},
                          {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}]},
    },
}


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_swagger2_becomes_the_equivalent_openapi3(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, SWAGGER), strict=True)
    doc = loaded.document
    assert loaded.source_format == "swagger2" and doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": "https://api.example.com/v2"}]
    assert "definitions" not in doc and set(doc["components"]["schemas"]) == {"NewPet", "Pet"}
    assert doc["components"]["schemas"]["Pet"]["allOf"][0] == {"$ref": "#/components/schemas/NewPet"}
    assert doc["components"]["schemas"]["NewPet"]["properties"]["tag"]["nullable"] is True
    schemes = doc["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    assert schemes["oauth"]["flows"]["authorizationCode"]["scopes"] == {"read": "read pets"}
    listing = doc["paths"]["/pets"]["get"]
    limit, tags, ids = listing["parameters"]
    assert limit["schema"] == {"type": "integer", "minimum": 1} and limit["example"] == 5
    assert (tags["style"], tags["explode"]) == ("form", False)
    assert (ids["style"], ids["explode"]) == ("form", True)
    assert listing["responses"]["200"]["headers"]["X-Total"] == {"schema": {"type": "integer"}, "example": 2}
    body = doc["paths"]["/pets"]["post"]["requestBody"]
    assert body["required"] is True and body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewPet"}
    photo = doc["paths"]["/pets/{petId}/photo"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert photo["required"] == ["caption"] and photo["properties"]["file"] == {"type": "string", "format": "binary"}
    assert set(doc["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]) == {"application/json",
                                                                                        "application/xml"}


def test_swagger2_is_served_under_its_base_path_with_bodies_validated(tmp_path: Path) -> None:
    client = client_for(write_spec(tmp_path, SWAGGER))
    assert client.get("/pets", headers=KEY).status_code == 404  # basePath /v2 (bug 18)
    listed = client.get("/v2/pets?tags=a,b&ids=1&ids=2", headers=KEY)
    assert listed.status_code == 200 and isinstance(listed.json, list) and listed.json  # produces + schema
    assert listed.headers["X-Total"] == "2"
    assert client.get("/v2/pets?limit=0", headers=KEY).status_code == 400
    assert client.get("/v2/pets?ids=x", headers=KEY).status_code == 400
    assert client.get("/v2/pets").status_code == 401
    created = client.post("/v2/pets", json={"name": "Rex"}, headers=KEY)
    assert created.status_code == 201 and created.json == {"id": 7, "name": "Rex", "tag": None}
    refused = client.post("/v2/pets", json={"tag": "x"}, headers=KEY)  # body parameters are validated (bug 18)
    assert refused.status_code == 400 and "name" in refused.get_data(as_text=True)
    basic = {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}
    stored = client.post("/v2/pets/1/photo", data={"caption": "hi"}, headers=basic, content_type="multipart/form-data")
    assert stored.status_code == 204, stored.get_data(as_text=True)
    missing = client.post("/v2/pets/1/photo", data={"other": "x"}, headers=basic, content_type="multipart/form-data")
    assert missing.status_code == 400


def test_errors_name_the_lines_of_the_swagger_file(tmp_path: Path) -> None:
    spec = copy.deepcopy(SWAGGER)
    spec["definitions"]["NewPet"]["properties"]["name"]["minLength"] = "three"
    path = write_spec(tmp_path, spec)
    with pytest.raises(SpecLoadError) as caught:
        load_spec(path, strict=True)
    lines = path.read_text().splitlines()
    assert caught.value.pointer == "/definitions/NewPet/properties/name/minLength"
    assert caught.value.line == next(n for n, line in enumerate(lines, 1) if "minLength: three" in line)
    spec = copy.deepcopy(SWAGGER)
    del spec["paths"]["/pets"]["post"]["responses"]["201"]["description"]  # converted as "", no warning about it
    assert load_spec(write_spec(tmp_path, spec, "other.yaml")).warnings == []


def test_swagger2_with_definitions_in_other_files_has_no_stray_components(tmp_path: Path) -> None:
    # Kubernetes' swagger.json was refused for a `components: {}` the bundler added
    write_spec(tmp_path, {"Pet": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                    "friend": {"$ref": "#/Pet"}}}}, "defs.yaml")
    spec = copy.deepcopy(SWAGGER)
    spec["definitions"]["Pet"] = {"$ref": "defs.yaml#/Pet"}
    loaded = load_spec(write_spec(tmp_path, spec), strict=True)
    assert loaded.warnings == []
    client = client_for(loaded.path)
    assert client.get("/v2/pets/1", headers=KEY).status_code == 200


def test_a_swagger_without_host_is_served_at_its_base_path(tmp_path: Path) -> None:
    spec = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/api",
            "paths": {"/ping": {"get": {"produces": ["text/plain"],
                                        "responses": {"200": {"description": "ok", "schema": {"type": "string"},
                                                              "examples": {"*/*": "pong"}}}}}}}
    loaded = load_spec(write_spec(tmp_path, spec))
    assert loaded.document["servers"] == [{"url": "/api"}]
    answer = client_for(loaded.path).get("/api/ping")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "pong"
    assert answer.mimetype == "text/plain"


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs fork")
def test_apitwin_serve_serves_swagger2_with_an_underscored_api_key_header(tmp_path: Path) -> None:
    # the Swagger petstore's `api_key` header: gunicorn drops header names with underscores unless told not to
    spec = copy.deepcopy(SWAGGER)
    spec["securityDefinitions"]["key"]["name"] = "api_key"
    path = write_spec(tmp_path, spec)
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    process = subprocess.Popen([str(exe), "serve", str(path), "--port", str(port), "--workers", "1", "--no-reload"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, "apitwin serve")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/pets/1", headers={"api_key": "k-1"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200 and json.loads(answer.read())["name"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert "Pets 2: 4 operations at http://127.0.0.1:" in output and "/v2" in output


@pytest.mark.parametrize(("collection_format", "style", "explode"), [
    ("csv", "form", False), ("tsv", "form", False), ("ssv", "spaceDelimited", False),
    ("pipes", "pipeDelimited", False), ("multi", "form", True)])
def test_each_collection_format_becomes_its_style(tmp_path: Path, collection_format: str, style: str,
                                                  explode: bool) -> None:
    swagger = copy.deepcopy(SWAGGER)
    swagger["paths"]["/pets"]["get"]["parameters"][1]["collectionFormat"] = collection_format
    tags = load_spec(write_spec(tmp_path, swagger)).document["paths"]["/pets"]["get"]["parameters"][1]
    assert (tags["style"], tags["explode"]) == (style, explode)
