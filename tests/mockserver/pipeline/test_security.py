"""Security: 401 with WWW-Authenticate for missing or malformed credentials, configurable acceptance."""

from __future__ import annotations

import base64
from pathlib import Path

from flask.testing import FlaskClient

from mockserver import MockConfig

from ..conftest import PETSTORE, client_for, make_spec, write_spec


def basic(user: str, password: str = "") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_missing_credential_is_401_with_a_challenge_per_scheme(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1")
    assert response.status_code == 404 or response.status_code == 401
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Basic realm=") and "Bearer realm=" in challenge


def test_malformed_credentials_are_401(pets: FlaskClient) -> None:
    for header in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer ", "Token abc"):
        response = pets.get("/api/v1/pets/1", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_any_well_formed_credential_is_accepted(pets: FlaskClient) -> None:
    assert pets.get("/api/v1/pets/1", headers=basic("some-api-key")).status_code == 200
    assert pets.get("/api/v1/pets/1", headers={"Authorization": "Bearer whatever"}).status_code == 200


def test_only_configured_credentials_when_configured() -> None:
    client = client_for(PETSTORE, config=MockConfig(accept_any_credential=False, credentials=frozenset({"k1"})))
    assert client.get("/api/v1/pets/1", headers=basic("k1")).status_code == 200
    refused = client.get("/api/v1/pets/1", headers=basic("k2"))
    assert refused.status_code == 401
    assert "not accepted" in refused.headers["sl-violations"]


def test_api_key_header_with_prefix(tmp_path: Path) -> None:
    spec = make_spec(
        security=[{"tectonKey": []}],
        components={
            "securitySchemes": {"tectonKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                                              "x-apitwin-prefix": "Tecton-key "}},
            "schemas": make_spec()["components"]["schemas"],
        },
    )
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/items/1", headers={"Authorization": "Tecton-key abc"}).status_code == 200
    refused = client.get("/items/1", headers={"Authorization": "Bearer abc"})
    assert refused.status_code == 401
    assert 'ApiKey realm="Mini", header="Authorization"' in refused.headers["WWW-Authenticate"]


def test_operation_without_security_needs_nothing(tmp_path: Path) -> None:
    spec = make_spec(security=[{"basic": []}], components={
        "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        "schemas": make_spec()["components"]["schemas"]})
    spec["paths"]["/items/{id}"]["get"]["security"] = []
    assert client_for(write_spec(tmp_path, spec)).get("/items/1").status_code == 200
