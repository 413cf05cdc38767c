"""The request journal and the admin API: recent requests, verification, reset, redaction."""

from __future__ import annotations

import json

import pytest
import requests

from mockserver import ADMIN_PREFIX, MockConfig, create_app, running

from ..conftest import AUTH, PETSTORE


@pytest.fixture()
def mock_url() -> object:
    with running(create_app([PETSTORE], MockConfig(journal=True))) as url:
        yield url


def test_journal_lists_requests_with_their_validation_outcome(mock_url: str) -> None:
    requests.get(mock_url + "/api/v1/pets/1", headers=AUTH, timeout=5)
    requests.post(mock_url + "/api/v1/pets", json={"name": ""}, headers=AUTH, timeout=5)
    entries = requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json()
    assert [(e["method"], e["path"], e["status"]) for e in entries[:2]] == [
        ("POST", "/api/v1/pets", 400), ("GET", "/api/v1/pets/1", 200)]
    assert entries[0]["operation"] == "createPet"
    assert {v["pointer"] for v in entries[0]["violations"]} == {"/name", "/kind"}
    assert entries[1]["violations"] == []


def test_verification_call_counts_matching_requests(mock_url: str) -> None:
    for name in ("Rex", "Tom", "Rex"):
        requests.post(mock_url + "/api/v1/pets", json={"name": name, "kind": "dog"}, headers=AUTH, timeout=5)
    verify = mock_url + ADMIN_PREFIX + "/requests/verify"
    answer = requests.post(verify, json={"method": "POST", "path": "/api/v1/pets", "body": {"name": "Rex"},
                                         "count": 2}, timeout=5).json()
    assert answer == {"matched": 2, "ok": True}
    assert requests.post(verify, json={"method": "DELETE", "path": "/api/v1/pets/1"}, timeout=5).json() == {
        "matched": 0, "ok": False}
    assert requests.post(verify, json={"path": 1}, timeout=5).status_code == 400


def test_reset_forgets_everything(mock_url: str) -> None:
    requests.get(mock_url + "/api/v1/pets/1", headers=AUTH, timeout=5)
    assert requests.post(mock_url + ADMIN_PREFIX + "/reset", timeout=5).status_code == 204
    assert requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json() == []


def test_secrets_are_redacted(mock_url: str) -> None:
    requests.post(mock_url + "/api/v1/pets", json={"name": "Rex", "kind": "dog", "password": "hunter2"},
                  headers={**AUTH, "X-Api-Key": "k-123", "Cookie": "session=abc"}, timeout=5)
    raw = json.dumps(requests.get(mock_url + ADMIN_PREFIX + "/requests", timeout=5).json())
    for secret in ("token-1", "hunter2", "k-123", "session=abc"):
        assert secret not in raw
    assert "[redacted]" in raw


def test_loaded_apis_and_health(mock_url: str) -> None:
    apis = requests.get(mock_url + ADMIN_PREFIX + "/apis", timeout=5).json()
    assert apis[0]["title"] == "Pets" and apis[0]["prefixes"] == ["/api/v1", "/alias"]
    get_pet = next(o for o in apis[0]["operations"] if o["operationId"] == "getPet")
    assert get_pet["examples"]["200"]["application/json"] == ["rex", "tom"]
    assert requests.get(mock_url + ADMIN_PREFIX + "/health", timeout=5).json()["status"] == "ok"


def test_journal_is_off_unless_asked_for() -> None:
    with running(create_app([PETSTORE])) as url:
        assert requests.get(url + ADMIN_PREFIX + "/requests", timeout=5).status_code == 404
