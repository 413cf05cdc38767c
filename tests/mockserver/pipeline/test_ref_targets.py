"""A ``$ref`` into the middle of the document (DigitalOcean's bundle refers to schemas under ``paths``) resolves in
every document the validators read, although their rewrites replace or wrap the nodes on its way: a readOnly
property becomes ``{not: {}}`` in the request variant, a ``nullable`` ``allOf`` and a discriminated ``oneOf``
branch are wrapped (:mod:`mockserver.spec.reftargets`)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mockserver.spec.pointers import resolve_pointer
from mockserver.spec.reftargets import TARGETS, with_stable_targets

from ..conftest import client_for, write_spec

CONNECTION = {"type": "object", "required": ["host"], "properties": {"host": {"type": "string"}}}


def pools_spec(version: str, escaped: bool = False) -> dict[str, Any]:
    """GET /dbs/{db}/pools lists pools whose ``pools`` and ``connection`` are readOnly; POST refers to its items
    (through the readOnly ``pools``), as DigitalOcean's ``POST /v2/databases/{database_cluster_uuid}/pools`` does."""
    path = "~1dbs~1%7Bdb%7D~1pools" if escaped else "~1dbs~1{db}~1pools"
    listed = f"#/paths/{path}/get/responses/200/content/application~1json/schema"
    pool = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"},
        "connection": {"allOf": [{"$ref": "#/paths/~1conns/get/responses/200/content/application~1json/schema"},
                                 {"readOnly": True}]},
    }}
    body = {"$ref": f"{listed}/properties/pools/items"}
    param = [{"name": "db", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": version, "info": {"title": "pools", "version": "1"},
        "paths": {
            "/conns": {"get": {"responses": {"200": {"description": "a connection", "content": {
                "application/json": {"schema": copy.deepcopy(CONNECTION)}}}}}},
            "/dbs/{db}/pools": {
                "parameters": param,
                "get": {"responses": {"200": {"description": "pools", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"pools": {"type": "array", "readOnly": True, "items": pool}}}}}}}},
                "post": {
                    "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                    "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"pool": body}}}}},
                        "400": {"description": "invalid"}},
                },
            },
        },
    }


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_ref_through_a_read_only_property_resolves_in_the_request_variant(tmp_path: Path, version: str) -> None:
    client = client_for(write_spec(tmp_path, pools_spec(version)))
    assert client.post("/dbs/a/pools", json={"name": "backend-pool"}).status_code == 201
    refused = client.post("/dbs/a/pools", json={"name": 7})
    assert refused.status_code == 400
    assert "/name" in refused.get_data(as_text=True)
    # the referenced schema's own readOnly member is refused in a request, as where it is written
    assert client.post("/dbs/a/pools", json={"name": "p", "connection": {"host": "h"}}).status_code == 400
    answer = client.get("/dbs/a/pools")
    assert answer.status_code == 200


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_percent_escaped_ref_in_an_unbundled_document(tmp_path: Path, version: str) -> None:
    """``%7B`` in a reference of a single-file document (nothing to bundle): unquoted where it is followed."""
    client = client_for(write_spec(tmp_path, pools_spec(version, escaped=True), name="spec.json"))
    assert client.post("/dbs/a/pools", json={"name": "backend-pool"}).status_code == 201
    assert client.post("/dbs/a/pools", json={"name": 7}).status_code == 400


def test_a_ref_into_a_wrapped_nullable_all_of_and_a_discriminated_branch(tmp_path: Path) -> None:
    """3.0: ``{nullable: true, allOf: [...]}`` becomes ``anyOf: [..., null]`` and a discriminated ``oneOf``
    branch ``allOf: [branch, ...]`` for the validators: a pointer through either still names its schema."""
    named = "#/paths/~1things/get/responses/200/content/application~1json/schema/properties"
    spec = {
        "openapi": "3.0.3", "info": {"title": "things", "version": "1"},
        "paths": {"/things": {
            "get": {"responses": {"200": {"description": "things", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "owner": {"nullable": True, "allOf": [{"type": "object", "required": ["id"],
                                                          "properties": {"id": {"type": "integer"}}}]},
                    "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                            "discriminator": {"propertyName": "kind"}},
                }}}}}}},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"owner": {"$ref": f"{named}/owner/allOf/0"},
                                                     "cat": {"$ref": f"{named}/pet/oneOf/0"}}}}}},
                "responses": {"201": {"description": "made"}, "400": {"description": "invalid"}},
            },
        }},
        "components": {"schemas": {
            "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
            "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
        }},
    }
    client = client_for(write_spec(tmp_path, spec))
    assert client.post("/things", json={"owner": {"id": 1}, "cat": {"kind": "Cat"}}).status_code == 201
    assert client.post("/things", json={"owner": {"id": "x"}}).status_code == 400
    assert client.post("/things", json={"cat": {}}).status_code == 400


def test_stable_targets_leave_component_refs_and_every_pointer_alone() -> None:
    spec = pools_spec("3.0.3")
    spec["components"] = {"schemas": {"A": {"type": "string"}, "B": {"$ref": "#/components/schemas/A"}}}
    plain = {"openapi": "3.0.3", "components": spec["components"]}
    assert with_stable_targets(plain) is plain
    stable = with_stable_targets(spec)
    assert stable is not spec and TARGETS not in spec
    items = "/paths/~1dbs~1{db}~1pools/get/responses/200/content/application~1json/schema/properties/pools/items"
    assert resolve_pointer(stable, items)["required"] == ["name"]  # the original pointers still lead there
    body = resolve_pointer(stable, "/paths/~1dbs~1{db}~1pools/post/requestBody/content/application~1json/schema")
    assert body["$ref"].startswith(f"#/{TARGETS}/")
    assert resolve_pointer(stable, "/components/schemas/B") == {"$ref": "#/components/schemas/A"}


def test_a_discriminator_mapping_follows_its_moved_branch() -> None:
    branch = "#/paths/~1a/get/responses/200/content/application~1json/schema"
    spec = {"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"description": "a", "content": {
        "application/json": {"schema": {"type": "object"}}}}}}}},
        "components": {"schemas": {"U": {"oneOf": [{"$ref": branch}],
                                         "discriminator": {"propertyName": "k", "mapping": {"a": branch}}}}}}
    union = with_stable_targets(spec)["components"]["schemas"]["U"]
    assert union["discriminator"]["mapping"]["a"] == union["oneOf"][0]["$ref"] != branch


def test_a_parameter_schema_referring_to_a_read_only_property(tmp_path: Path) -> None:
    """DigitalOcean's ``ssh_key_identifier`` is ``anyOf`` the readOnly ``id`` and ``fingerprint`` of the listed
    keys: in the request variant their place holds ``{not: {}}``, which refused every value (400, no 500)."""
    listed = "#/paths/~1keys/get/responses/200/content/application~1json/schema/properties/keys/items/properties"
    spec = {
        "openapi": "3.0.3", "info": {"title": "keys", "version": "1"},
        "paths": {
            "/keys": {"get": {"responses": {"200": {"description": "keys", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"keys": {"type": "array", "items": {
                    "type": "object", "properties": {"id": {"type": "integer", "readOnly": True},
                                                     "fingerprint": {"type": "string", "readOnly": True}}}}}}}}}}}},
            "/keys/{key}": {"get": {
                "parameters": [{"name": "key", "in": "path", "required": True, "schema": {
                    "anyOf": [{"$ref": f"{listed}/id"}, {"$ref": f"{listed}/fingerprint"}]}}],
                "responses": {"200": {"description": "a key"}, "400": {"description": "invalid"}},
            }},
        },
    }
    client = client_for(write_spec(tmp_path, spec))
    assert client.get("/keys/3b%3A16%3Abf").status_code == 200
    assert client.get("/keys/512189").status_code == 200
