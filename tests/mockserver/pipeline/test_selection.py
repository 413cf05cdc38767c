"""Response selection: Prefer, default choice, request matching, generation, headers, 204, 406."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask.testing import FlaskClient

from ..conftest import AUTH, client_for, make_spec, write_spec


def test_default_is_lowest_2xx_with_example(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets", headers=AUTH)
    assert response.status_code == 200
    assert [p["name"] for p in response.get_json()] == ["Rex", "Tom"]


def test_prefer_code_picks_the_documented_status(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1", headers={**AUTH, "Prefer": "code=404"})
    assert response.status_code == 404
    assert response.get_json() == {"code": 400, "message": "Bad request"}


def test_prefer_undocumented_code_is_refused(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1", headers={**AUTH, "Prefer": "code=418"})
    assert response.status_code == 422
    assert "418" in response.get_json()["detail"] and "200, 404" in response.get_json()["detail"]


def test_prefer_example_by_name(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1", headers={**AUTH, "Prefer": "example=tom"})
    assert response.get_json()["name"] == "Tom"


def test_recorded_request_path_parameter_selects_the_example(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets/1", headers=AUTH).get_json()["name"] == "Rex"
    assert pets.get("/api/v1/pets/2", headers=AUTH).get_json()["name"] == "Tom"
    assert pets.get("/api/v1/pets/99", headers=AUTH).get_json()["name"] == "Rex"  # no match: first example


def test_request_body_example_of_the_same_name_selects_the_response(pets: FlaskClient) -> None:
    assert pets.post("/api/v1/pets", json={"name": "Tom", "kind": "cat"}, headers=AUTH).get_json()["id"] == 2
    assert pets.post("/api/v1/pets", json={"name": "Rex", "kind": "dog"}, headers=AUTH).get_json()["id"] == 1


def test_generated_response_honours_the_schema_and_is_stable(pets: FlaskClient) -> None:
    first = pets.get("/api/v1/pets/3/photo", headers=AUTH).get_json()
    second = pets.get("/api/v1/pets/3/photo", headers=AUTH).get_json()
    assert first == second
    uuid.UUID(first["id"])
    assert first["url"].startswith("https://")
    assert 100 <= first["width"] <= 4000
    assert first["format"] in ("jpeg", "png")
    assert first["taken"].endswith("Z")


def test_dynamic_responses_vary_and_stay_valid(pets: FlaskClient) -> None:
    bodies = [pets.get("/api/v1/pets/3/photo", headers={**AUTH, "Prefer": "dynamic=true"}).get_json()
              for _ in range(5)]
    assert len({b["id"] for b in bodies}) > 1
    assert all(100 <= b["width"] <= 4000 for b in bodies)


def test_documented_headers_are_sent(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets", headers=AUTH).headers["X-Total-Count"] == "2"


def test_201_has_location(pets: FlaskClient) -> None:
    response = pets.post("/api/v1/pets", json={"name": "Rex", "kind": "dog"}, headers=AUTH)
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/pets/1"


def test_204_has_no_body(pets: FlaskClient) -> None:
    response = pets.delete("/api/v1/pets/1", headers=AUTH)
    assert response.status_code == 204
    assert response.data == b"" and "Content-Type" not in response.headers


def test_unsatisfiable_accept_is_406(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1", headers={**AUTH, "Accept": "text/xml"})
    assert response.status_code == 406
    assert pets.get("/api/v1/pets/1", headers={**AUTH, "Accept": "application/*"}).status_code == 200


def test_accept_chooses_among_media_types(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["text/csv"] = {
        "schema": {"type": "string"}, "examples": {"csv": {"value": "id,name\n1,a\n"}}}
    client = client_for(write_spec(tmp_path, spec))
    response = client.get("/items/1", headers={"Accept": "text/csv"})
    assert response.content_type.startswith("text/csv") and response.data == b"id,name\n1,a\n"
    assert client.get("/items/1").content_type == "application/json"


def test_a_recorded_boolean_query_value_matches_whatever_its_case(tmp_path: Path) -> None:
    spec = make_spec(paths={"/jobs": {"get": {
        "operationId": "listJobs",
        "parameters": [{"name": "running", "in": "query", "schema": {"type": "boolean"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"},
            "examples": {"all": {"value": {"jobs": 3}},
                         "running": {"value": {"jobs": 1}, "x-apitwin-request": {"query": {"running": True}}}}}}}}}}})
    client = client_for(write_spec(tmp_path, spec))
    for sent in ("true", "True"):  # Python clients (dataikuapi) send str(True)
        assert client.get(f"/jobs?running={sent}").get_json() == {"jobs": 1}, sent
    assert client.get("/jobs?running=false").get_json() == {"jobs": 3}
