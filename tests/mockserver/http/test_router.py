"""Routing: server prefixes, 404, 405 with Allow, greedy parameters, collisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver import MockAPI, MockConfig, RouteCollisionError, create_app
from mockserver.http.router import Preflight, RouteMatch, RouteMiss, Router

from ..conftest import AUTH, client_for, make_spec, write_spec


def greedy_files_spec(examples: dict[str, Any]) -> dict[str, Any]:
    """A spec with GET /files/{path}, its path parameter greedy (it takes slashes)."""
    return make_spec(paths={"/files/{path}": {"get": {
        "operationId": "getFile",
        "parameters": [{"name": "path", "in": "path", "required": True, "x-apitwin-greedy": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "object"}, "examples": examples}}}}}}})


def test_every_server_prefix_serves_the_operation(pets: FlaskClient) -> None:
    for prefix in ("/api/v1", "/alias"):
        response = pets.get(f"{prefix}/pets/1", headers=AUTH)
        assert response.status_code == 200, prefix
        assert response.get_json()["name"] == "Rex"


def test_unknown_path_under_an_api_prefix_is_404_in_its_error_model(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/owners", headers=AUTH)
    assert response.status_code == 404
    assert response.content_type == "application/json"  # what the API documents for 404, as its server would
    assert "/api/v1/owners" in response.get_data(as_text=True)
    assert "unknown path" in response.headers["sl-violations"]


def test_unknown_path_outside_every_prefix_is_404_problem(pets: FlaskClient) -> None:
    response = pets.get("/elsewhere/owners", headers=AUTH)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["errors"][0]["location"] == "path"
    assert "/elsewhere/owners" in body["detail"]


def test_path_outside_the_server_prefix_is_404(pets: FlaskClient) -> None:
    assert pets.get("/pets/1", headers=AUTH).status_code == 404


def test_other_method_is_405_with_allow(pets: FlaskClient) -> None:
    response = pets.put("/api/v1/pets/1", headers=AUTH)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "DELETE"} <= allowed and "PUT" not in allowed
    assert response.get_json()["status"] == 405


def test_trailing_slash_must_match_the_spec(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets/", headers=AUTH).status_code == 404


def test_static_segment_beats_template(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/latest"] = {"get": {"operationId": "latest", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"examples": {"x": {"value": {"latest": True}}}}}}}}}
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/items/latest").get_json() == {"latest": True}
    assert client.get("/items/7").get_json() == {"id": 1, "name": "a"}


def test_greedy_parameter_takes_slashes(tmp_path: Path) -> None:
    spec = greedy_files_spec({
        "other": {"value": {"file": "other"}},
        "deep": {"value": {"file": "a/b.csv"}, "x-apitwin-request": {"path": {"path": "a/b.csv"}}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/files/a/b.csv").get_json() == {"file": "a/b.csv"}
    assert client.get("/files/x").get_json() == {"file": "other"}


def test_colliding_specs_are_refused_naming_both(tmp_path: Path) -> None:
    first = write_spec(tmp_path, make_spec(), "first.yaml")
    second_spec = make_spec()
    second_spec["paths"]["/items/{itemKey}"] = second_spec["paths"].pop("/items/{id}")
    second_spec["paths"]["/items/{itemKey}"]["get"]["operationId"] = "fetchItem"
    second_spec["paths"]["/items/{itemKey}"]["get"]["parameters"][0]["name"] = "itemKey"
    second = write_spec(tmp_path, second_spec, "second.yaml")
    with pytest.raises(RouteCollisionError) as caught:
        create_app([first, second])
    message = str(caught.value)
    assert "first getItem" in message and "second fetchItem" in message and "GET /items/{}" in message


def test_two_specs_on_distinct_paths_share_one_port(tmp_path: Path) -> None:
    first = write_spec(tmp_path, make_spec(servers=[{"url": "/one"}]), "first.yaml")
    second = write_spec(tmp_path, make_spec(servers=[{"url": "https://{host}/two", "variables": {
        "host": {"default": "example.com"}}}]), "second.yaml")
    client = client_for(first, second)
    assert client.get("/one/items/1").status_code == 200
    assert client.get("/two/items/1").status_code == 200


def test_no_redirect_to_a_trailing_slash_variant(tmp_path: Path) -> None:
    spec = make_spec(paths={
        "/run/": {"get": {"operationId": "runGet", "responses": {"200": {"description": "ok"}}}},
        "/run": {"post": {"operationId": "runPost", "responses": {"200": {"description": "ok"}}}},
        "/only/": {"get": {"operationId": "only", "responses": {"200": {"description": "ok"}}}},
    })
    client = client_for(write_spec(tmp_path, spec))
    wrong_method = client.get("/run")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"
    assert client.get("/run/").status_code == 200
    missing_slash = client.get("/only")
    assert missing_slash.status_code == 404
    assert "/only/" in missing_slash.get_json()["detail"]


def test_an_internal_error_is_a_logged_500_problem(pets: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver.pipeline import operation

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(operation.CompiledOperation, "handle", broken)
    response = pets.get("/api/v1/pets/1", headers=AUTH)
    assert response.status_code == 500
    assert response.get_json()["title"] == "Internal Error" and "boom" in response.get_json()["detail"]


def test_a_concrete_path_wins_over_its_templated_sibling_for_every_method(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    uid = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    spec = make_spec(paths={"/users/current": {"get": {"operationId": "me", "responses": ok}},
                            "/users/{id}": {"parameters": [uid], "get": {"operationId": "getUser", "responses": ok},
                                            "put": {"operationId": "updateUser", "responses": ok}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/users/current").status_code == 200
    wrong = client.put("/users/current")  # not PUT /users/{id} with id "current"
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET"
    assert client.options("/users/current").headers["Allow"] == "GET, HEAD, OPTIONS"  # not the sibling's
    preflight = client.options("/users/current", headers={"Origin": "http://app.local",
                                                          "Access-Control-Request-Method": "PUT"})
    assert "PUT" not in preflight.headers["Access-Control-Allow-Methods"]
    assert client.put("/users/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 200


def test_a_literal_segment_wins_under_a_templated_prefix_too(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    spec = make_spec(paths={
        "/projects/{key}/datasets/managed": {"parameters": [key], "post": {"operationId": "createManaged",
                                                                           "responses": ok}},
        "/projects/{key}/datasets/{name}": {"parameters": [key, name],
                                            "get": {"operationId": "getDataset", "responses": ok},
                                            "delete": {"operationId": "deleteDataset", "responses": ok}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/projects/P/datasets/managed").status_code == 200
    for method in ("GET", "DELETE"):
        wrong = client.open("/projects/P/datasets/managed", method=method)
        assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST", method
    assert client.options("/projects/P/datasets/managed").headers["Allow"] == "OPTIONS, POST"
    assert client.get("/projects/P/datasets/orders").status_code == 200
    # a trailing newline is part of the name: "managed\n" is {name}, not the literal "managed" (regex $ would say so)
    assert client.get("/projects/P/datasets/managed%0A").status_code == 200


def test_a_literal_path_wins_over_a_greedy_parameter_that_would_take_several_segments(tmp_path: Path) -> None:
    """PUT .../refs/action/reset is a 405 (POST owns that path), not PUT .../refs/{path} with "action/reset"."""
    ok = {"200": {"description": "ok"}}
    key = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
    ref = {"name": "path", "in": "path", "required": True, "x-apitwin-greedy": True, "schema": {"type": "string"}}
    spec = make_spec(paths={
        "/projects/{key}/refs/action/reset": {"parameters": [key], "post": {"operationId": "reset", "responses": ok}},
        "/projects/{key}/refs/{path}": {"parameters": [key, ref],
                                        "put": {"operationId": "setRef", "responses": ok},
                                        "delete": {"operationId": "deleteRef", "responses": ok}},
        "/projects/{key}/refs/{path}/log": {"parameters": [key, ref],
                                            "get": {"operationId": "refLog", "responses": ok}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/projects/P/refs/action/reset").status_code == 200
    for method in ("PUT", "DELETE"):
        wrong = client.open("/projects/P/refs/action/reset", method=method)
        assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST", method
    assert client.put("/projects/P/refs/python/utils").status_code == 200  # the greedy path still takes slashes
    assert client.delete("/projects/P/refs/action").status_code == 200
    assert client.get("/projects/P/refs/python/utils/log").status_code == 200
    assert client.put("/projects/P/refs/python/utils/log").status_code == 405  # GET owns .../{path}/log


def test_a_greedy_parameter_may_start_with_a_slash(tmp_path: Path) -> None:
    spec = greedy_files_spec({"abs": {"value": {"file": "/a/b.csv"}}})
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/files//a/b.csv").status_code == 200  # a client quoting "/a/b.csv" keeps its slashes


# -- Router.match on plain data, without Flask ---------------------------------------------------------------------

def _router(tmp_path: Path, spec: dict[str, Any]) -> Router:
    return Router([MockAPI.load(write_spec(tmp_path, spec), MockConfig())])


def test_router_matches_an_operation_with_its_arguments_under_the_specs_names(tmp_path: Path) -> None:
    route = _router(tmp_path, make_spec()).match("GET", "/items/7")
    assert isinstance(route, RouteMatch)
    assert route.operation.operation.operation_id == "getItem" and route.params == {"id": "7"}
    head = _router(tmp_path, make_spec()).match("HEAD", "/items/7")
    assert isinstance(head, RouteMatch) and head.operation.operation.operation_id == "getItem"


def test_router_answers_405_with_allow_and_404_naming_the_served_apis(tmp_path: Path) -> None:
    router = _router(tmp_path, make_spec())
    wrong = router.match("DELETE", "/items/7")
    assert isinstance(wrong, RouteMiss) and wrong.problem.status == 405
    assert wrong.problem.headers["Allow"] == "GET, HEAD"
    unknown = router.match("GET", "/nothing")
    assert isinstance(unknown, RouteMiss) and unknown.problem.status == 404 and unknown.owner is None
    assert "spec (/)" in unknown.problem.violations[0].message


def test_router_answers_a_preflight_from_the_documented_methods(tmp_path: Path) -> None:
    route = _router(tmp_path, make_spec()).match("OPTIONS", "/items/7", preflight=True)
    assert isinstance(route, Preflight) and set(route.methods) == {"GET", "HEAD"}
    assert route.otherwise.problem.status == 405  # what a refused preflight gets


def test_path_parameters_are_decoded_as_utf8() -> None:
    """WSGI gives the path as latin-1 text of the raw bytes: a UTF-8 value must reach validation as itself."""
    from mockserver import create_app

    from ..conftest import PETSTORE

    client = create_app([PETSTORE]).test_client()
    answer = client.get("/api/v1/pets/%C3%A6", headers={"Authorization": "Bearer t"})
    assert answer.status_code == 400
    message = json.loads(answer.headers["sl-violations"])[0]["message"]
    assert message == '"\u00e6" is not of type "integer"'  # not the mojibake "\u00c3\u00a6"


def test_a_path_matched_before_is_not_routed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router([MockAPI.load(write_spec(tmp_path, make_spec()), MockConfig())])
    first = router.match("GET", "/items/7")
    assert isinstance(first, RouteMatch) and first.params == {"id": "7"}
    first.params["id"] = "changed by a caller"

    def refuse(*args: object) -> None:
        raise AssertionError("routed again")

    monkeypatch.setattr(router.matcher, "match", refuse)
    again = router.match("GET", "/items/7")
    assert isinstance(again, RouteMatch) and again.operation is first.operation and again.params == {"id": "7"}
    with pytest.raises(AssertionError, match="routed again"):
        router.match("GET", "/items/8")


def test_the_methods_of_one_url_shape_share_one_rule_and_keep_their_own_parameter_names(tmp_path: Path) -> None:
    """One rule per URL shape (each rule is parsed at start), also for two path templates
    of one shape (``/items/{id}``, ``/items/{itemKey}``); each method still gets its own operation and its own
    template's parameter names."""
    spec = make_spec()
    spec["paths"]["/items/{id}"]["put"] = {
        "operationId": "putItem", "parameters": [{"name": "id", "in": "path", "required": True,
                                                  "schema": {"type": "integer"}}],
        "responses": {"204": {"description": "stored"}}}
    spec["paths"]["/items/{itemKey}"] = {"delete": {
        "operationId": "dropItem",
        "parameters": [{"name": "itemKey", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "gone"}}}}
    router = _router(tmp_path, spec)
    assert {rule: sorted(methods) for rule, methods in router.methods.items()} == {
        "/items/<p0>": ["DELETE", "GET", "PUT"]}
    found = {method: router.match(method, "/items/7") for method in ("GET", "HEAD", "DELETE", "PUT")}
    assert {m: (r.operation.operation.operation_id, r.params) for m, r in found.items()  # type: ignore[union-attr]
            } == {"GET": ("getItem", {"id": "7"}), "HEAD": ("getItem", {"id": "7"}),
                  "DELETE": ("dropItem", {"itemKey": "7"}), "PUT": ("putItem", {"id": "7"})}
    wrong = router.match("POST", "/items/7")
    assert isinstance(wrong, RouteMiss) and wrong.problem.headers["Allow"] == "DELETE, GET, HEAD, PUT"
