"""xminds' JSON request layer, unchanged, against the mock of specs/crossingminds.yaml (connections and tables)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from xminds.api.apirequest import CrossingMindsApiJsonRequest
from xminds.api.exceptions import AuthError, WrongData


@pytest.fixture(scope="module")
def api(serve_specs: Callable[..., str]) -> CrossingMindsApiJsonRequest:
    request = CrossingMindsApiJsonRequest(host=serve_specs("crossingminds.yaml"))
    request.set_jwt_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrZW5kIn0.c2lnbmF0dXJl")
    return request


def test_list_and_get_connections(api: CrossingMindsApiJsonRequest) -> None:
    listed = api.get("connections")
    assert [c["connection"] for c in listed["connections"]] == ["S3"]
    assert api.get("connections/S3")["credentials"]["aws_access_key_id"] == "AKIAIOSFODNN7EXAMPLE"


def test_put_test_and_delete_a_connection(api: CrossingMindsApiJsonRequest) -> None:
    body = {"credentials": {"domain": "shop-example", "client_id": "cm-client-42", "client_secret": "x"}}
    assert api.put("connections/SHOPIFY", body) is None
    assert api.post("connections/SHOPIFY/test", body) is None
    assert api.delete("connections/SHOPIFY") is None


def test_tables(api: CrossingMindsApiJsonRequest) -> None:
    assert api.get("connections/S3/tables")["tables"][0]["status"] == "available"
    table = api.get("connections/S3/tables/users_2026_11")
    assert table["resource"] == "user" and table["connection"] == "S3"
    assert api.patch("connections/S3/tables/users_2026_11", {"resource": "user"}) is None
    preview = api.post("connections/GCS/tables/items_2026_11.csv/test", {"resource": "item"})
    assert preview["connection_table_params"]["options"]["delimiter"] == ","
    page = api.get("tables", params={"connection": "S3", "resource": "user_id", "page": 2, "amt": 10})
    assert page["has_next"] is False and page["tables"][0]["name"] == "user_whitelist_test"
    assert api.delete("connections/S3/tables/users_2026_11") is None


def test_errors_become_xminds_exceptions(api: CrossingMindsApiJsonRequest, serve_specs: Callable[..., str]) -> None:
    with pytest.raises(WrongData):
        api.get("tables", params={"amt": 65})  # amt is 1 to 64
    with pytest.raises(WrongData):
        api.patch("connections/S3/tables/users_2026_11", {"resource": "movies"})
    with pytest.raises(AuthError):
        CrossingMindsApiJsonRequest(host=serve_specs("crossingminds.yaml")).get("connections")


def test_errors_name_the_class_and_the_documented_fine_name(serve_specs: Callable[..., str]) -> None:
    import requests

    base = serve_specs("crossingminds.yaml")
    auth = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrZW5kIn0.c2lnbmF0dXJl"}
    wrong = requests.get(f"{base}/v1/tables/", params={"amt": 65}, headers=auth, timeout=10).json()
    assert (wrong["error_code"], wrong["error_name"]) == (40, "WrongData")
    assert wrong["error_data"]["name"] == "WRONG_DATA_TYPE"
    missing = requests.get(f"{base}/v1/connections/S3/tables/nope/test/", headers={**auth, "Prefer": "code=404"},
                           timeout=10)
    assert missing.status_code == 404
    body = missing.json()
    assert (body["error_name"], body["error_data"]["name"]) == ("NotFoundError", "TABLE_NOT_FOUND")
    other = requests.get(f"{base}/v1/connections/S3/tables/nope/test/",
                         headers={**auth, "Prefer": "code=404, example=resourceNotFound"}, timeout=10).json()
    assert other["error_data"]["name"] == "RESOURCE_NOT_FOUND"  # testTable documents both
    unauthenticated = requests.get(f"{base}/v1/connections/", timeout=10).json()
    assert (unauthenticated["error_code"], unauthenticated["error_name"]) == (21, "AuthError")
