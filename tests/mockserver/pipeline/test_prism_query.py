"""Prism's query-parameter spellings of Prefer: ``__code``, ``__example``, ``__dynamic`` (for an address bar)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from mockserver.pipeline.request import parse_prefer, split_prism_query

from ..conftest import AUTH, client_for, make_spec, write_spec


def test_split_takes_the_prism_parameters_out_of_the_query() -> None:
    query = {"limit": ["5"], "__code": ["500", "404"], "__example": ["tom"], "__dynamic": ["true"], "tag": ["a"]}
    rest, directives = split_prism_query(query)
    assert rest == {"limit": ["5"], "tag": ["a"]}
    assert directives == {"code": "404", "example": "tom", "dynamic": "true"}  # the last of repeated values
    untouched = {"code": ["404"]}  # without the underscores it is the API's own parameter
    assert split_prism_query(untouched) == (untouched, {})


def test_the_header_wins_over_the_query_for_what_it_sets() -> None:
    prefer = parse_prefer("code=200", {"code": "404", "example": "tom"})
    assert (prefer.code, prefer.example, prefer.dynamic) == (200, "tom", False)
    assert parse_prefer(None, {"dynamic": "true"}).dynamic
    assert parse_prefer(None, {"dynamic": "false"}).dynamic is False
    assert parse_prefer(None, {"code": "abc"}).code is None  # as a malformed header directive: ignored


def test_code_in_the_query_picks_the_documented_status(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1?__code=404", headers=AUTH)
    assert response.status_code == 404
    assert response.get_json() == {"code": 400, "message": "Bad request"}
    refused = pets.get("/api/v1/pets/1?__code=418", headers=AUTH)
    assert refused.status_code == 422 and "200, 404" in refused.get_json()["detail"]


def test_example_in_the_query_picks_the_named_example(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets/1", headers=AUTH).get_json()["name"] == "Rex"
    assert pets.get("/api/v1/pets/1?__example=tom", headers=AUTH).get_json()["name"] == "Tom"


def test_dynamic_in_the_query_gives_fresh_values(pets: FlaskClient) -> None:
    static = {pets.get("/api/v1/pets/3/photo", headers=AUTH).get_json()["id"] for _ in range(3)}
    fresh = {pets.get("/api/v1/pets/3/photo?__dynamic=true", headers=AUTH).get_json()["id"] for _ in range(5)}
    assert len(static) == 1 and len(fresh) > 1


def test_a_prefer_header_wins_over_the_query(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1?__code=404&__example=tom", headers={**AUTH, "Prefer": "code=200"})
    assert response.status_code == 200 and response.get_json()["name"] == "Tom"


def test_the_prism_parameters_are_not_validated_as_the_apis_own(tmp_path: Path) -> None:
    # a free-form query object takes every undeclared query parameter as a member: Prism's must not be
    spec = make_spec(paths={"/search": {"get": {
        "operationId": "search",
        "parameters": [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}},
            {"name": "filter", "in": "query", "style": "form", "explode": True,
             "schema": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9]+$"}}},
        ],
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"},
                                                                          "examples": {"one": {"value": {"n": 1}},
                                                                                       "two": {"value": {"n": 2}}}}}},
            "404": {"description": "none", "content": {"application/json": {"schema": {"type": "object"},
                                                                           "example": {"none": True}}}},
        },
    }}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/search?size=3&__example=two").get_json() == {"n": 2}
    assert client.get("/search?size=3&__code=404").status_code == 404
    assert client.get("/search?size=big").status_code == 400  # the API's own parameters still are
    assert client.get("/search?limit=11&__code=404").status_code == 400
