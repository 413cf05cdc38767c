"""Error bodies in the API's own model carry the real violations, also in lists of error objects (bug 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..conftest import client_for, make_spec, write_spec

ASANA_ERROR = {"type": "object", "properties": {"errors": {"type": "array", "items": {
    "type": "object", "properties": {"message": {"type": "string"}, "help": {"type": "string"}}}}}}


def test_a_list_of_error_objects_gets_one_entry_per_violation(tmp_path: Path) -> None:
    operation: dict[str, Any] = {
        "operationId": "create",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["project"], "properties": {"project": {"type": "string"}}}}}},
        "responses": {
            "201": {"description": "made", "content": {"application/json": {"example": {}}}},
            "400": {"description": "bad", "content": {"application/json": {
                "schema": ASANA_ERROR,
                "example": {"errors": [{"message": "project: Missing input", "help": "see the docs"}]}}}},
        },
    }
    client = client_for(write_spec(tmp_path, make_spec(paths={"/tasks": {"post": operation}})))
    response = client.post("/tasks?limit=many", json={"name": "x"})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    messages = sorted(e["message"] for e in errors)
    assert len(errors) == 2 and all(e["help"] == "see the docs" for e in errors)
    assert any("limit" in m for m in messages) and any("project" in m and "required" in m for m in messages)
    assert "Missing input" not in response.get_data(as_text=True)


def test_an_error_documented_as_text_is_answered_with_its_example(tmp_path: Path) -> None:
    operation: dict[str, Any] = {"operationId": "p", "responses": {
        "200": {"description": "ok", "content": {"text/plain": {"example": "ok"}}},
        "415": {"description": "no body", "content": {"text/plain": {"example": "no body allowed"}}}}}
    client = client_for(write_spec(tmp_path, make_spec(paths={"/p": {"post": operation}})))
    response = client.post("/p", data="x", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.mimetype, response.get_data(as_text=True)) == (
        415, "text/plain", "no body allowed")
    assert "sl-violations" in response.headers


def test_an_error_documented_as_html_without_an_example_is_answered_as_html(tmp_path: Path) -> None:
    """Box's ``GET /authorize`` documents only ``200`` and ``default`` as ``text/html``: an invalid request is
    answered in that media type (the detail as the text), not problem+json."""
    html = {"text/html": {"schema": {"type": "string", "format": "html"}}}
    operation: dict[str, Any] = {"operationId": "authorize", "parameters": [
        {"name": "response_type", "in": "query", "required": True, "schema": {"type": "string", "enum": ["code"]}}],
        "responses": {"200": {"description": "page", "content": html},
                      "default": {"description": "page", "content": html}}}
    client = client_for(write_spec(tmp_path, make_spec(paths={"/authorize": {"get": operation}})))
    response = client.get("/authorize?response_type=null")
    assert (response.status_code, response.mimetype) == (400, "text/html")
    assert "response_type" in response.get_data(as_text=True)
