"""The official `featurebase` client (0.1.0), unchanged, against the mock of specs/featurebase.yaml.

The client only runs SQL: ``featurebase.client(hostport, database, apikey).query(sql)``
POSTs the text to ``<scheme>://<hostport>/databases/<database>/query/sql``. With an API
key it insists on https (and sends ``X-API-Key``); its documented way to trust another
server is ``cafile``. The tests therefore serve the mock over https (a certificate
for 127.0.0.1 from a throwaway CA made by ``trustme``) and pass
``hostport="127.0.0.1:PORT/v2"`` (as for the cloud: ``hostport="query.featurebase.com/v2"``)
and ``cafile``. Without a key the client speaks plain http, and the mock refuses it (401).

The rest of the API (databases, users and their keys, roles, metrics) is exercised
with httpx, as FeatureBase Cloud documents it (Bearer JWT or ``X-API-Key``).
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import featurebase
import httpx
import pytest
import trustme

from mockserver import create_app, running

from ..conftest import SPECS, free_port, wait_until_healthy

DATABASE_ID = "b9c4e1d2-6a7f-4f1e-9a0b-3c2d1e0f4a5b"
ANA_ID = "6d2a9f4e-1c3b-4e8a-9b7d-5f0e2c1a3b4d"
API_KEY = "d41f7a2c-6e8b-4c3d-9a1f-0b2e4c6d8f1a"
JWT = "eyJraWQiOiJpZCIsImFsZyI6IlJTMjU2In0.eyJlbWFpbCI6ImFuYUBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJlLWlk"
SELECT = "SELECT _id, customer_id, amount, purchased_at FROM purchases;"


@pytest.fixture(scope="module")
def base(serve_specs: Callable[..., str]) -> str:
    """The mock's URL with FeatureBase's /v2 prefix (both the API host and the query host)."""
    return serve_specs("featurebase.yaml") + "/v2"


@pytest.fixture(scope="module")
def https_front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(hostport, cafile) of the mock served over https, with a certificate from a throwaway CA (trustme)."""
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    cafile = tmp_path_factory.mktemp("featurebase-tls") / "ca.pem"
    authority.cert_pem.write_to_path(str(cafile))
    with running(create_app([SPECS / "featurebase.yaml"]), ssl_context=context) as url:
        yield f"{urlsplit(url).netloc}/v2", str(cafile)


@pytest.fixture(scope="module")
def client(https_front: tuple[str, str]) -> featurebase.client:
    hostport, cafile = https_front
    return featurebase.client(hostport=hostport, database=DATABASE_ID, apikey=API_KEY, cafile=cafile, timeout=10)


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {JWT}"}, timeout=10) as http:
        yield http


# --- the official client: SQL against a database -------------------------------------------------


def test_sql_query_with_an_api_key_over_https(client: featurebase.client) -> None:
    assert client.url.startswith("https://127.0.0.1:")
    assert client.url.endswith(f"/v2/databases/{DATABASE_ID}/query/sql")
    result = client.query(SELECT)
    assert [f["name"] for f in result.schema["fields"]] == ["_id", "customer_id", "amount", "purchased_at"]
    assert result.data == [[1, 1042, 42.5, "2026-11-20T09:30:00Z"], [2, 1042, 17.99, "2026-11-21T18:05:12Z"]]
    assert result.execution_time == 1834
    assert result.rows_affected == 0 and result.warnings is None



def test_sql_query_against_apitwin_serve_over_https(tmp_path: Path) -> None:
    """The whole path a user takes: `apitwin serve --tls-cert --tls-key` (granian, the default), then the client."""
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(cafile))
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(SPECS / "featurebase.yaml"), "--port", str(port), "--workers", "1",
                             "--tls-cert", str(cert), "--tls-key", str(key), "--no-reload"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        # ready means a whole https exchange went through (not a bare TCP connect, and no client retries that
        # give up half-way through a TLS handshake while a worker boots on a loaded machine)
        wait_until_healthy(f"https://127.0.0.1:{port}", proc, "apitwin serve over https",
                           context=ssl.create_default_context(cafile=str(cafile)))
        client = featurebase.client(hostport=f"127.0.0.1:{port}/v2", database=DATABASE_ID, apikey=API_KEY,
                                    cafile=str(cafile), timeout=60)
        result = client.query(SELECT)
        assert result.data[0] == [1, 1042, 42.5, "2026-11-20T09:30:00Z"] and result.execution_time == 1834
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert f"listening on https://127.0.0.1:{port}" in out

def test_table_statements_and_batches(client: featurebase.client) -> None:
    statements = [
        "CREATE TABLE purchases (_id id, customer_id int, amount decimal(2), purchased_at timestamp);",
        "INSERT INTO purchases (_id, customer_id, amount, purchased_at) "
        "VALUES (1, 1042, 42.50, '2026-11-20T09:30:00Z');",
        SELECT,
    ]
    in_order = client.querybatch(statements)
    assert [r.sql for r in in_order] == statements
    concurrent = client.querybatch([SELECT, "SELECT count(*) FROM purchases;"], asynchronous=True)
    assert len(concurrent) == 2 and all(r.data for r in concurrent)


def test_client_without_a_key_is_refused(base: str) -> None:
    plain = featurebase.client(hostport=urlsplit(base).netloc + "/v2", database=DATABASE_ID, timeout=10)
    assert plain.url.startswith("http://")
    with pytest.raises(urllib.error.HTTPError) as caught:
        plain.query(SELECT)
    assert caught.value.code == 401
    body = json.loads(caught.value.read())
    caught.value.close()
    assert body["code"] == "Unauthorized" and "JWT" in body["message"] and "ApiKeyAuth" in body["message"]


def test_a_sql_error_in_the_body_raises_in_the_client(base: str) -> None:
    """The document's sample (a 200 carrying "error") makes the client's result raise."""
    answer = httpx.post(f"{base}/databases/{DATABASE_ID}/query/sql", content="select count(*) from test-table",
                        headers={"X-API-Key": API_KEY, "Content-Type": "text/plain", "Prefer": "example=documented"})
    assert answer.status_code == 200
    with pytest.raises(RuntimeError, match="cannot be converted to type 'int'"):
        featurebase.result(sql="select count(*) from test-table", response=answer.content, code=answer.status_code)


def test_query_plan_and_pql(api: httpx.Client) -> None:
    planned = api.post(f"/databases/{DATABASE_ID}/query/sql", params={"plan": "true"},
                       content="SELECT count(*) AS purchases FROM purchases;", headers={"Content-Type": "text/plain"})
    assert planned.status_code == 200 and "query-plan" in planned.json() and "error" not in planned.json()
    pql = api.post(f"/databases/{DATABASE_ID}/query/pql", content="[purchases]Count(Row(customer_id==1042))",
                   headers={"Content-Type": "text/plain"})
    assert pql.json() == {"results": [2]}
    metrics = api.get(f"/databases/{DATABASE_ID}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "pilosa_key_translation_total_writes" in metrics.text


# --- databases, users, keys, roles with plain httpx ----------------------------------------------


def test_database_lifecycle(api: httpx.Client) -> None:
    created = api.post("/databases", json={"name": "events", "database_options": {"shape": "32gb-aws:us-east-2"}})
    assert created.status_code == 201
    assert created.json()["id"] == DATABASE_ID and created.json()["database_status"] == "CREATING"
    listed = api.get("/databases").json()
    assert [d["name"] for d in listed["resources"]] == ["events"] and listed["next"] == ""
    database = api.get(f"/databases/{DATABASE_ID}").json()
    assert database["name"] == "events" and database["database_status"] == "RUNNING"
    documented = api.get("/databases/497f6eca-6276-4993-bfeb-53cbbbba6f08").json()
    assert documented["name"] == "example-database"
    assert api.put(f"/databases/{DATABASE_ID}", json={"owned_by": ANA_ID}).status_code == 202
    assert api.get(f"/databases/{DATABASE_ID}/backups").json()["backups"][0]["database_id"] == DATABASE_ID
    assert api.put(f"/databases/{DATABASE_ID}/action/stop").status_code == 202
    deleted = api.delete(f"/databases/{DATABASE_ID}")
    assert deleted.status_code == 202 and deleted.content == b""


def test_current_user_with_either_credential(base: str) -> None:
    for headers in ({"Authorization": f"Bearer {JWT}"}, {"X-API-Key": API_KEY}):
        user = httpx.get(f"{base}/users/current", headers=headers).json()
        assert user["username"] == "ana@example.com" and user["id"] == ANA_ID and user["status"] == "Active"
    refused = httpx.get(f"{base}/users/current")
    assert refused.status_code == 401 and refused.json()["code"] == "Unauthorized"
    assert "WWW-Authenticate" in refused.headers


def test_users_keys_and_roles(api: httpx.Client) -> None:
    created = api.post("/users", json={"firstname": "Ana", "lastname": "Silva"})
    assert created.status_code == 201 and created.json()["primary_email"] == "ana@example.com"
    key = api.post(f"/users/{ANA_ID}/keys", json={"description": "events ingestion"})
    assert key.status_code == 201 and key.json()["secret"] == API_KEY
    revoked = api.put(f"/users/{ANA_ID}/keys/{key.json()['id']}", json={"status": "REVOKED"})
    assert revoked.status_code == 202 and revoked.json()["status"] == "REVOKED"
    assert api.get("/orgs/a40f5d1f-d889-42e9-94ea-b9b33585fc6b/keys").json()["resources"][0]["owned_by"] == ANA_ID
    role = api.post("/roles", json={"rolename": "analyst", "acl": ["databases:read", "query:execute"]})
    assert role.status_code == 201 and role.json()["rolename"] == "analyst"
    assert api.post(f"/users/{ANA_ID}/roles", json={"rolenames": ["analyst"]}).json()["rolenames"] == ["Org_Owner",
                                                                                                        "analyst"]
    assert api.delete("/roles/analyst").status_code == 202


def test_errors_use_featurebase_error_model(api: httpx.Client) -> None:
    malformed = api.get("/databases/not-a-uuid")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "InvalidParameter" and "database_id" in malformed.json()["message"]
    missing = api.post("/databases", json={"name": "events"})
    assert missing.status_code == 400 and "database_options" in missing.json()["message"]
    bad_status = api.put(f"/users/{ANA_ID}/keys/7c1e4b2a-9d3f-4a6e-8b5c-2f0d1e3a4b6c", json={"status": "DELETED"})
    assert bad_status.status_code == 400
    not_found = api.get("/shapes/4gb-gcp:us-central1", headers={"Prefer": "code=404"})
    assert not_found.status_code == 404
    assert not_found.json() == {"code": "ResourceNotFound", "message": "Resource not found."}
