"""Every http auth scheme, oauth2 scopes in the challenge, AND within a requirement and OR across (bug 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from mockserver import MockConfig, example_credential

from ..conftest import client_for, make_spec, write_spec

SCHEMES: dict[str, Any] = {
    "digest": {"type": "http", "scheme": "digest"},
    "negotiate": {"type": "http", "scheme": "Negotiate"},
    "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://example.com/token",
                                                                 "scopes": {"read": "r", "write": "w"}}}},
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://example.com/.well-known/openid-configuration"},
    "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
    "query": {"type": "apiKey", "in": "query", "name": "api_key"},
}
DIGEST = ('Digest username="alice", realm="Mini", nonce="dcd98b", uri="/items/1", qop=auth, nc=00000001, '
          'cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1"')


def _client(tmp_path: Path, security: list[dict[str, list[str]]], config: MockConfig | None = None) -> FlaskClient:
    spec = make_spec(security=security)
    spec["components"]["securitySchemes"] = SCHEMES
    return client_for(write_spec(tmp_path, spec), config=config)


def test_digest_credentials_are_understood(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"digest": []}])
    assert client.get("/items/1", headers={"Authorization": DIGEST}).status_code == 200
    refused = client.get("/items/1")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith('Digest realm="Mini"')
    assert client.get("/items/1", headers={"Authorization": "Digest nonsense"}).status_code == 401
    assert client.get("/items/1", headers={"Authorization": "Bearer x"}).status_code == 401


def test_digest_user_name_is_the_credential_checked(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"digest": []}], MockConfig(accept_any_credential=False,
                                                            credentials=frozenset({"alice"})))
    assert client.get("/items/1", headers={"Authorization": DIGEST}).status_code == 200
    assert client.get("/items/1", headers={"Authorization": DIGEST.replace("alice", "bob")}).status_code == 401
    header = example_credential(SCHEMES["digest"], "alice")
    assert header is not None and client.get("/items/1", headers=dict([header])).status_code == 200


def test_any_registered_scheme_name(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"negotiate": []}])
    assert client.get("/items/1", headers={"Authorization": "Negotiate YIIBhwYGKwYBBQUCoIIB"}).status_code == 200
    refused = client.get("/items/1", headers={"Authorization": "Basic YTpi"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Negotiate realm=")


def test_oauth2_scopes_are_listed_in_the_challenge(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"oauth": ["read", "write"]}])
    refused = client.get("/items/1")
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Mini", scope="read write"'
    assert client.get("/items/1", headers={"Authorization": "Bearer t"}).status_code == 200


def test_and_within_a_requirement_or_across(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"key": [], "oauth": []}, {"query": []}])
    assert client.get("/items/1", headers={"X-Key": "k", "Authorization": "Bearer t"}).status_code == 200
    assert client.get("/items/1", headers={"X-Key": "k"}).status_code == 401
    assert client.get("/items/1?api_key=k").status_code == 200


def test_open_id_connect_is_a_bearer_token_and_a_cookie_key_is_read(tmp_path: Path) -> None:
    client = _client(tmp_path, [{"oidc": ["openid"]}, {"cookie": []}])
    refused = client.get("/items/1")
    assert refused.status_code == 401 and 'Bearer realm="Mini", scope="openid"' in refused.headers["WWW-Authenticate"]
    assert client.get("/items/1", headers={"Authorization": "Bearer t"}).status_code == 200
    client.set_cookie("session", "s1")  # the test client's jar sends it (it would drop a Cookie header)
    assert client.get("/items/1").status_code == 200
