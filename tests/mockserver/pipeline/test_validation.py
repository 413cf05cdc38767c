"""Request validation: every error listed, 415, tolerated JSON without Content-Type, error models."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask.testing import FlaskClient

from ..conftest import AUTH, client_for, make_spec, write_spec


def test_invalid_body_lists_every_error_with_pointers(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", json={"name": "", "kind": "fish"}, headers=AUTH)
    assert response.status_code == 400
    violations = json.loads(response.headers["sl-violations"])
    pointers = {(v["location"], v["pointer"]) for v in violations}
    assert pointers == {("body", "/name"), ("body", "/kind")}


def test_missing_required_property_names_it(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", json={"name": "Rex"}, headers=AUTH)
    assert response.status_code == 400
    violations = json.loads(response.headers["sl-violations"])
    assert violations == [{"location": "body", "pointer": "/kind", "message": "\"kind\" is a required property"}]


def test_documented_error_status_uses_the_apis_error_model(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", json={"kind": "dog"}, headers=AUTH)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "message"} and body["code"] == 400
    assert "/name" in body["message"]


def test_undocumented_error_status_is_problem_json(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets?limit=100", headers=AUTH)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/invalid-request") and body["title"] == "Bad Request" and body["status"] == 400
    assert body["errors"] == [{"location": "query", "pointer": "limit",
                               "message": "100 is greater than the maximum of 50"}]


def test_query_parameters_are_cast_before_validation(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets?limit=5&tag=a&tag=b", headers=AUTH).status_code == 200
    response = pets.get("/api/v1/pets?limit=many", headers=AUTH)
    assert response.status_code == 400
    assert "limit" in response.get_json()["detail"]


def test_path_parameter_is_validated(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/0", headers=AUTH)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"  # getPet documents no 400
    assert "petId" in response.headers["sl-violations"]


def test_unsupported_media_type_is_415(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", data="name=Rex", headers={**AUTH, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.get_json()["detail"]


def test_json_body_without_content_type_is_accepted(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", data=json.dumps({"name": "Tom", "kind": "cat"}), headers=AUTH,
                         content_type="")
    assert response.status_code == 201
    assert response.get_json()["name"] == "Tom"


def test_malformed_json_is_400(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", data="{nope", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["message"]


def test_missing_required_body_is_400(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "required" in response.get_json()["message"]


def test_multipart_upload_under_a_prefix_with_a_greedy_path(tmp_path: Path) -> None:
    spec = make_spec(servers=[{"url": "http://localhost/api/v1"}], paths={"/folders/{id}/contents/{path}": {"post": {
        "operationId": "upload",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "path", "in": "path", "required": True, "x-apitwin-greedy": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}},
        "responses": {"204": {"description": "stored"}}}}})
    client = client_for(write_spec(tmp_path, spec))
    stored = client.post("/api/v1/folders/f1/contents/reports/2026/q4.csv",
                         data={"file": (io.BytesIO(b"a,b\n1,2\n"), "q4.csv")}, content_type="multipart/form-data")
    assert stored.status_code == 204, stored.get_data(as_text=True)
    missing = client.post("/api/v1/folders/f1/contents/q4.csv", data={"other": "x"},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in missing.get_data(as_text=True)


def _upload_spec(tmp_path: Path) -> Path:
    return write_spec(tmp_path, make_spec(paths={"/uploads": {"post": {
        "operationId": "upload",
        "parameters": [{"name": "folder", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"contentMediaType": "application/zip"}}}}}},
        "responses": {"204": {"description": "stored"}, "400": {"description": "bad"}}}}}))


def test_a_malformed_multipart_body_is_a_400_not_a_crash(tmp_path: Path) -> None:
    client = client_for(_upload_spec(tmp_path))
    response = client.post("/uploads", data=b"--xx\r\n-3.7e-64--xx--\r\n",
                           headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert response.status_code == 400
    assert "malformed multipart/form-data body" in response.get_data(as_text=True)


def test_binary_file_parts_and_an_empty_query_value_are_accepted(tmp_path: Path) -> None:
    client = client_for(_upload_spec(tmp_path))
    zipped = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe\x00"
    response = client.post("/uploads?folder=", data={"file": (io.BytesIO(zipped), "a.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 204, response.get_data(as_text=True)


def test_int64_bounds_apply_to_json_numbers(tmp_path: Path) -> None:
    spec = make_spec(paths={"/events": {"post": {
        "operationId": "addEvent",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"at": {"type": "integer", "format": "int64"},
                                             "n": {"type": "integer", "format": "int32"}}}}}},
        "responses": {"204": {"description": "added"}}}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/events", json={"at": 2 ** 63 - 1, "n": -(2 ** 31)}).status_code == 204
    too_big = client.post("/events", json={"at": 2 ** 63})
    assert too_big.status_code == 400
    assert too_big.get_json()["errors"][0]["pointer"] == "/at"
    assert client.post("/events", json={"n": 2 ** 31}).status_code == 400


def test_an_empty_file_is_a_body_a_missing_one_is_not(tmp_path: Path) -> None:
    spec = make_spec(paths={"/blobs": {"post": {
        "operationId": "putBlob",
        "requestBody": {"required": True, "content": {"application/octet-stream": {}}},
        "responses": {"204": {"description": "stored"}, "400": {"description": "bad"}}}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/blobs", data=b"", headers={"Content-Type": "application/octet-stream"}).status_code == 204
    missing = client.post("/blobs")
    assert missing.status_code == 400 and "request body is required" in missing.get_data(as_text=True)


def test_error_models_carry_the_detail_in_nested_and_error_fields(tmp_path: Path) -> None:
    error = {"type": "object", "required": ["error", "requestError"], "properties": {
        "error": {"type": "string"},
        "requestError": {"type": "object", "properties": {"errorMessage": {"type": "string"},
                                                          "errorType": {"type": "string", "enum": ["BAD"]}}}}}
    spec = make_spec(paths={"/ingest": {"post": {
        "operationId": "ingest",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["dryRun"], "properties": {"dryRun": {"type": "boolean"}}}}}},
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad", "content": {"application/json": {
            "schema": error,
            "example": {"error": "x", "requestError": {"errorMessage": "x", "errorType": "BAD"}}}}}}}}})
    client = client_for(write_spec(tmp_path, spec))
    body = client.post("/ingest", json={}).get_json()
    assert "dryRun" in body["error"] and "dryRun" in body["requestError"]["errorMessage"]
    assert body["requestError"]["errorType"] == "BAD"


def test_accept_content_type_and_authorization_header_parameters_are_ignored(tmp_path: Path) -> None:
    """OpenAPI: header parameters named Accept, Content-Type or Authorization SHALL be ignored. DigitalOcean's
    ``POST /v2/apps`` declares ``Accept`` with an enum; a client's ``Accept: */*`` was refused with 400."""
    media = {"schema": {"enum": ["application/json", "application/yaml"], "type": "string"}}
    operation = {"operationId": "create", "parameters": [
        {"name": "Accept", "in": "header", "required": True, **media},
        {"name": "Content-Type", "in": "header", **media},
        {"name": "authorization", "in": "header", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"example": {"ok": True}}}}}}
    client = client_for(write_spec(tmp_path, make_spec(paths={"/apps": {"post": operation}})))
    response = client.post("/apps", data="{}", headers={"Accept": "*/*",
                                                        "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.post("/apps", json={}, headers={"Accept": "text/html"}).status_code == 406  # negotiation still
