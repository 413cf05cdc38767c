"""Postman collections (v2.1) served: each request with its saved responses is an operation with examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver import load_spec
from mockserver.spec.postman import infer_schema

from ..conftest import client_for

COLLECTION: dict[str, Any] = {
    "info": {"_postman_id": "1", "name": "Todo API",
             "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
    "item": [
        {"name": "todos", "item": [
            {"name": "List todos",
             "request": {"method": "GET", "url": {"raw": "{{baseUrl}}/todos?limit=10", "host": ["{{baseUrl}}"],
                                                  "path": ["todos"], "query": [{"key": "limit", "value": "10"}]}},
             "response": [{"name": "all", "code": 200, "header": [{"key": "Content-Type", "value": "application/json"},
                                                                 {"key": "X-Count", "value": "1"}],
                           "body": "[{\"id\": 1, \"title\": \"milk\", \"done\": false}]"}]},
            {"name": "Get todo",
             "request": {"method": "GET", "auth": {"type": "noauth"}, "url": "{{baseUrl}}/todos/:id"},
             "response": [{"name": "found", "code": 200, "header": [],
                           "body": "{\"id\": 1, \"title\": \"milk\", \"done\": false}"},
                          {"name": "missing", "code": 404, "header": [{"key": "Content-Type", "value": "text/plain"}],
                           "body": "no such todo"}]},
            {"name": "Create todo",
             "request": {"method": "POST", "header": [{"key": "Content-Type", "value": "application/json"}],
                         "body": {"mode": "raw", "raw": "{\"title\": \"milk\", \"done\": false}"},
                         "url": {"raw": "https://api.example.com/todos", "path": ["todos"]}},
             "response": [{"name": "created", "code": 201,
                           "header": [{"key": "Content-Type", "value": "application/json"}],
                           "body": "{\"id\": 2, \"title\": \"milk\", \"done\": false}"}]},
        ]},
    ],
}

AUTH = {"Authorization": "Bearer t-1"}


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "todo.postman_collection.json"
    path.write_text(json.dumps(COLLECTION), encoding="utf-8")
    return path


def test_a_collection_becomes_openapi_operations(tmp_path: Path) -> None:
    loaded = load_spec(_write(tmp_path), strict=True)
    assert loaded.source_format == "postman" and loaded.title == "Todo API"
    paths = loaded.document["paths"]
    assert set(paths) == {"/todos", "/todos/{id}"}
    assert set(paths["/todos"]) == {"get", "post"}
    assert paths["/todos/{id}"]["get"]["security"] == []
    assert paths["/todos"]["get"]["security"] == [{"bearer": []}]
    assert paths["/todos"]["get"]["parameters"] == [{"name": "limit", "in": "query", "schema": {"type": "string"}}]
    found = paths["/todos/{id}"]["get"]["responses"]
    assert found["200"]["content"]["application/json"]["examples"]["found"]["value"]["title"] == "milk"
    assert found["404"]["content"]["text/plain"]["examples"]["missing"]["value"] == "no such todo"


def test_a_collection_is_served_with_its_saved_responses(tmp_path: Path) -> None:
    client = client_for(_write(tmp_path))
    listed = client.get("/todos", headers=AUTH)
    assert listed.status_code == 200 and listed.json == [{"id": 1, "title": "milk", "done": False}]
    assert listed.headers["X-Count"] == "1"
    assert client.get("/todos").status_code == 401
    assert client.get("/todos/1").json == {"id": 1, "title": "milk", "done": False}
    missing = client.get("/todos/9", headers={"Prefer": "code=404"})
    assert missing.status_code == 404 and missing.get_data(as_text=True) == "no such todo"
    created = client.post("/todos", json={"title": "bread", "done": True}, headers=AUTH)
    assert created.status_code == 201 and created.json == {"id": 2, "title": "milk", "done": False}
    refused = client.post("/todos", json={"title": 3}, headers=AUTH)  # the body's schema is inferred from the raw body
    assert refused.status_code == 400


def test_inferred_schemas_type_every_value() -> None:
    assert infer_schema({"a": [1, "x"], "b": None, "c": 1.5}) == {
        "type": "object", "required": ["a", "b", "c"], "properties": {
            "a": {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]}},
            "b": {"type": "null"}, "c": {"type": "number"}}}


def test_form_bodies_api_keys_and_merged_requests(tmp_path: Path) -> None:
    """urlencoded and formdata bodies become form fields, an apikey auth a scheme, and two requests with the
    same method and path one operation."""
    form = [{"key": "title", "value": "milk"}, {"key": "done", "value": "false"}]
    collection = {"info": {"name": "Forms", "schema": COLLECTION["info"]["schema"]},
                  "auth": {"type": "apikey",
                           "apikey": [{"key": "key", "value": "X-Key"}, {"key": "in", "value": "header"}]},
                  "item": [
                      {"name": "by form", "request": {"method": "POST", "url": "{{baseUrl}}/todos",
                                                      "body": {"mode": "urlencoded", "urlencoded": form}},
                       "response": [{"name": "made", "code": 201, "body": "{\"id\": 1}"}]},
                      {"name": "by form again", "request": {"method": "POST", "url": "{{baseUrl}}/todos",
                                                            "body": {"mode": "urlencoded", "urlencoded": form}},
                       "response": [{"name": "again", "code": 201, "body": "{\"id\": 2}"}]},
                      {"name": "upload", "request": {"method": "PUT", "url": "{{baseUrl}}/files",
                                                     "body": {"mode": "formdata", "formdata": form}},
                       "response": [{"name": "ok", "code": 200, "body": "{\"ok\": true}"}]}]}
    path = tmp_path / "forms.postman_collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    paths = load_spec(path).document["paths"]
    assert set(paths) == {"/todos", "/files"} and set(paths["/todos"]) == {"post"}
    assert set(paths["/todos"]["post"]["responses"]["201"]["content"]["application/json"]["examples"]) == {
        "made", "again"}
    assert "application/x-www-form-urlencoded" in paths["/todos"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in paths["/files"]["put"]["requestBody"]["content"]
    client = client_for(path)
    assert client.post("/todos", data={"title": "x", "done": "true"}).status_code == 401
    made = client.post("/todos", data={"title": "x", "done": "true"}, headers={"X-Key": "k"})
    assert made.status_code == 201, made.get_data(as_text=True)
    assert client.put("/files", data={"title": "x", "done": "true"}, headers={"X-Key": "k"},
                      content_type="multipart/form-data").status_code == 200


@pytest.mark.parametrize(("auth", "scheme"), [
    ({"type": "basic"}, {"type": "http", "scheme": "basic"}),
    ({"type": "digest"}, {"type": "http", "scheme": "digest"}),
    ({"type": "oauth2"}, {"type": "http", "scheme": "bearer", "description": "Postman oauth2: a bearer token"}),
    ({"type": "apikey", "apikey": [{"key": "key", "value": "token"}, {"key": "in", "value": "query"}]},
     {"type": "apiKey", "in": "query", "name": "token"}),
])
def test_each_postman_auth_becomes_a_security_scheme(tmp_path: Path, auth: dict[str, Any],
                                                     scheme: dict[str, Any]) -> None:
    collection = {"info": {"name": "Auth", "schema": COLLECTION["info"]["schema"]}, "auth": auth,
                  "item": [{"name": "one", "request": {"method": "GET", "url": "{{baseUrl}}/x"}}]}
    path = tmp_path / "auth.postman_collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    document = load_spec(path).document
    assert list(document["components"]["securitySchemes"].values()) == [scheme]
    assert document["paths"]["/x"]["get"]["security"] == [{next(iter(document["components"]["securitySchemes"])): []}]
