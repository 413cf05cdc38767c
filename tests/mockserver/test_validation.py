"""Request validation: every error listed, 415, tolerated JSON without Content-Type, error models."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from .conftest import AUTH


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
