"""Behaviour controls: CORS (preflight from the spec), delays, injected faults."""

from __future__ import annotations

import time

import pytest
import requests
from flask.testing import FlaskClient

from mockserver import MockConfig, create_app, running

from ..conftest import AUTH, PETSTORE, client_for

ORIGIN = {"Origin": "http://localhost:3000"}


def test_preflight_is_answered_from_the_spec(pets: FlaskClient) -> None:
    response = pets.options("/api/v1/pets/1", headers={
        **ORIGIN, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "Authorization, X-Evil"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "DELETE"}
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization"


def test_preflight_of_an_unknown_path_is_404(pets: FlaskClient) -> None:
    response = pets.options("/api/v1/nowhere", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 404


def test_cross_origin_responses_carry_cors_headers(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets", headers={**AUTH, **ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "X-Total-Count" in response.headers["Access-Control-Expose-Headers"]
    assert "sl-violations" in response.headers["Access-Control-Expose-Headers"]
    unauthorized = pets.get("/api/v1/pets", headers=ORIGIN)
    assert unauthorized.status_code == 401 and "Access-Control-Allow-Origin" in unauthorized.headers


def test_cors_can_be_restricted_or_switched_off() -> None:
    restricted = client_for(PETSTORE, config=MockConfig(cors_origins=("https://app.example.com",)))
    assert "Access-Control-Allow-Origin" not in restricted.get("/api/v1/pets", headers={**AUTH, **ORIGIN}).headers
    off = client_for(PETSTORE, config=MockConfig(cors=False))
    assert off.options("/api/v1/pets/1", headers={**ORIGIN, "Access-Control-Request-Method": "GET"}
                       ).status_code == 405


def test_prefer_delay_holds_the_answer(pets: FlaskClient) -> None:
    started = time.perf_counter()
    assert pets.get("/api/v1/pets/1", headers={**AUTH, "Prefer": "delay=300"}).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_configured_delay_applies_to_every_answer() -> None:
    client = client_for(PETSTORE, config=MockConfig(delay_ms=200))
    started = time.perf_counter()
    client.get("/api/v1/pets/1", headers=AUTH)
    assert time.perf_counter() - started >= 0.2


def test_prefer_fault_500_uses_the_problem_shape(pets: FlaskClient) -> None:
    response = pets.get("/api/v1/pets/1", headers={**AUTH, "Prefer": "fault=500"})
    assert response.status_code == 500
    assert response.get_json()["title"] == "Injected Fault"


def test_error_rate_per_operation() -> None:
    client = client_for(PETSTORE, config=MockConfig(error_rates=(("getPet", 1.0),)))
    assert client.get("/api/v1/pets/1", headers=AUTH).status_code == 500
    assert client.get("/api/v1/pets", headers=AUTH).status_code == 200


def test_prefer_fault_reset_drops_the_connection() -> None:
    with running(create_app([PETSTORE])) as url:
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/api/v1/pets/1", headers={**AUTH, "Prefer": "fault=reset"}, timeout=5)
        assert requests.get(url + "/api/v1/pets/1", headers=AUTH, timeout=5).status_code == 200


def test_prefer_fault_timeout_holds_then_drops() -> None:
    with running(create_app([PETSTORE], MockConfig(fault_timeout_s=0.5))) as url:
        started = time.perf_counter()
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/api/v1/pets/1", headers={**AUTH, "Prefer": "fault=timeout"}, timeout=5)
        assert time.perf_counter() - started >= 0.5
