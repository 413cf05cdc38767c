"""Stateful mode on the shipped specs: a create / read / update / delete flow per API, as a frontend would run it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mockserver import MockConfig, create_app

from .conftest import SPECS


def stateful(tmp_path: Path, name: str) -> FlaskClient:
    return create_app([SPECS / name], MockConfig(stateful=True, state=str(tmp_path / "state.sqlite"))).test_client()


@pytest.fixture()
def crossingminds(tmp_path: Path) -> Iterator[FlaskClient]:
    yield stateful(tmp_path, "crossingminds.yaml")


CM = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrZW5kIn0.c2lnbmF0dXJl"}


def test_crossingminds_connection_and_table_lifecycle(crossingminds: FlaskClient) -> None:
    c = crossingminds
    assert [x["connection"] for x in c.get("/v1/connections/", headers=CM).get_json()["connections"]] == ["S3"]
    credentials = {"domain": "shop-example", "client_id": "cm-client-42", "client_secret": "s"}
    assert c.put("/v1/connections/SHOPIFY/", headers=CM, json={"credentials": credentials}).status_code == 204
    listed = c.get("/v1/connections/", headers=CM).get_json()["connections"]
    assert [x["connection"] for x in listed] == ["S3", "SHOPIFY"]
    assert c.get("/v1/connections/SHOPIFY/", headers=CM).get_json()["credentials"]["domain"] == "shop-example"
    # a table under the new connection: upserted by PATCH, read, listed, deleted
    assert c.get("/v1/connections/SHOPIFY/tables/orders/", headers=CM).status_code == 404
    assert c.patch("/v1/connections/SHOPIFY/tables/orders/", headers=CM, json={"resource": "user"}).status_code in (
        200, 201, 204)
    assert c.get("/v1/connections/SHOPIFY/tables/orders/", headers=CM).get_json()["resource"] == "user"
    tables = c.get("/v1/connections/SHOPIFY/tables/", headers=CM).get_json()["tables"]
    assert "orders" in [t["name"] for t in tables]
    assert c.delete("/v1/connections/SHOPIFY/", headers=CM).status_code == 204
    gone = c.get("/v1/connections/SHOPIFY/tables/orders/", headers=CM)
    assert gone.status_code == 404 and gone.get_json()["error_name"] == "NotFoundError"  # the class; the fine name:
    assert gone.get_json()["error_data"]["name"].endswith("_NOT_FOUND")  # as documented


def test_apinode_has_no_collections_and_stays_stateless(tmp_path: Path) -> None:
    client = stateful(tmp_path, "dataiku-apinode.yaml")
    assert client.get("/__apitwin/state").get_json() == {"dataiku-apinode": {}}
    answer = client.get("/public/api/v1/churn-scoring/predict-churn/predict-simple?customer_age=42",
                        headers={"Authorization": "Bearer k"})
    assert answer.status_code in (200, 400)


FB = {"X-API-Key": "d41f7a2c-6e8b-4c3d-9a1f-0b2e4c6d8f1a"}


def test_featurebase_database_lifecycle(tmp_path: Path) -> None:
    c = stateful(tmp_path, "featurebase.yaml")
    before = [d["name"] for d in c.get("/v2/databases", headers=FB).get_json()["resources"]]
    assert "events" in before
    created = c.post("/v2/databases", headers=FB, json={"name": "clicks",
                                                         "database_options": {"shape": "8gb-aws:us-east-2"}})
    assert created.status_code == 201
    new_id = created.get_json()["id"]
    assert new_id not in ("b9c4e1d2-6a7f-4f1e-9a0b-3c2d1e0f4a5b",) and len(new_id) == 36  # a fresh uuid
    assert [d["name"] for d in c.get("/v2/databases", headers=FB).get_json()["resources"]] == [*before, "clicks"]
    assert c.get(f"/v2/databases/{new_id}", headers=FB).get_json()["database_options"] == {
        "shape": "8gb-aws:us-east-2"}
    assert c.put(f"/v2/databases/{new_id}", headers=FB, json={"name": "clicks-v2"}).status_code == 202
    updated = c.get(f"/v2/databases/{new_id}", headers=FB).get_json()
    assert updated["name"] == "clicks-v2" and updated["database_options"]["shape"] == "8gb-aws:us-east-2"
    assert c.delete(f"/v2/databases/{new_id}", headers=FB).status_code == 202
    gone = c.get(f"/v2/databases/{new_id}", headers=FB)
    assert gone.status_code == 404 and gone.get_json()["code"] == "ResourceNotFound"
    # what lives under the database goes with it
    sql = c.post(f"/v2/databases/{new_id}/query/sql", headers={**FB, "Content-Type": "text/plain"},
                 data="SELECT 1;")
    assert sql.status_code == 404


TECTON = {"Authorization": "Tecton-key 3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"}


def test_tecton_scim_user_lifecycle(tmp_path: Path) -> None:
    c = stateful(tmp_path, "tecton.yaml")
    users = "/api/scim/v2/Users"
    assert c.get(users, headers=TECTON).get_json()["totalResults"] == 1
    ada = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@example.com",
           "name": {"givenName": "Ada", "familyName": "Lovelace"}, "active": True,
           "emails": [{"value": "ada@example.com", "primary": True}]}
    created = c.post(users, headers=TECTON, json=ada)
    assert created.status_code == 201
    uid = created.get_json()["id"]
    assert c.get(f"{users}/{uid}", headers=TECTON).get_json()["name"]["familyName"] == "Lovelace"
    listed = c.get(users, headers=TECTON).get_json()
    assert listed["totalResults"] == 2 and "ada@example.com" in [u["userName"] for u in listed["Resources"]]
    assert c.put(f"{users}/{uid}", headers=TECTON, json={**ada, "active": False}).status_code == 200
    assert c.get(f"{users}/{uid}", headers=TECTON).get_json()["active"] is False
    assert c.delete(f"{users}/{uid}", headers=TECTON).status_code == 204
    gone = c.get(f"{users}/{uid}", headers=TECTON)
    assert gone.status_code == 404
    assert gone.get_json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]  # RFC 7644 error


DSS = {"Authorization": "Basic ZGt1YXBzLW1IcTJUbks4Y1M3dzRYWWI3elIwcExlOg=="}


def test_dss_project_and_dataset_lifecycle(tmp_path: Path) -> None:
    c = stateful(tmp_path, "dataiku-dss.yaml")
    api = "/public/api"
    # the example world's projects, and MYPROJECT, the project of the document's examples
    assert [p["projectKey"] for p in c.get(f"{api}/projects/", headers=DSS).get_json()] == ["CHURN", "SANDBOX",
                                                                                          "MYPROJECT"]
    created = c.post(f"{api}/projects/", headers=DSS, json={"projectKey": "FRAUD", "name": "Fraud", "owner": "admin"})
    assert created.status_code == 200
    assert "FRAUD" in [p["projectKey"] for p in c.get(f"{api}/projects/", headers=DSS).get_json()]
    assert c.put(f"{api}/projects/FRAUD/metadata", headers=DSS, json={"label": "Fraud v2", "tags": ["risk"]}
                 ).status_code == 204
    assert c.get(f"{api}/projects/FRAUD/metadata", headers=DSS).get_json()["label"] == "Fraud v2"
    # a new project starts without the example project's datasets
    assert c.get(f"{api}/projects/FRAUD/datasets/", headers=DSS).get_json() == []
    assert len(c.get(f"{api}/projects/CHURN/datasets/", headers=DSS).get_json()) > 0
    dataset = {"projectKey": "FRAUD", "name": "tx", "type": "PostgreSQL",
               "params": {"connection": "pg-main", "mode": "table", "table": "tx"}}
    assert c.post(f"{api}/projects/FRAUD/datasets/", headers=DSS, json=dataset).status_code == 200
    assert c.get(f"{api}/projects/FRAUD/datasets/tx", headers=DSS).get_json()["params"]["table"] == "tx"
    assert [d["name"] for d in c.get(f"{api}/projects/FRAUD/datasets/", headers=DSS).get_json()] == ["tx"]
    assert c.delete(f"{api}/projects/FRAUD", headers=DSS).status_code == 200
    for path in ("/projects/FRAUD/metadata", "/projects/FRAUD/datasets/tx"):
        gone = c.get(api + path, headers=DSS)
        assert gone.status_code == 404 and gone.get_json()["errorType"].endswith("NotFoundException"), path
    assert "FRAUD" not in [p["projectKey"] for p in c.get(f"{api}/projects/", headers=DSS).get_json()]
