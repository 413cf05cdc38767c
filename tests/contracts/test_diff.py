"""`apitwin diff`: each kind of breaking change is caught; additions clients can ignore are not breaking."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.diff import Change, diff_specs

from ..mockserver.conftest import write_spec

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1"},
    "security": [{"basic": []}, {"bearer": []}],
    "paths": {
        "/orders": {
            "post": {
                "operationId": "createOrder",
                "parameters": [{"name": "dryRun", "in": "query", "schema": {"type": "boolean"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/NewOrder"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Order"}}}}},
            }
        },
        "/orders/{id}": {
            "get": {
                "operationId": "getOrder",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Order"}}}}},
            }
        },
    },
    "components": {
        "securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                            "bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "NewOrder": {"type": "object", "required": ["sku"], "properties": {
                "sku": {"type": "string", "maxLength": 20},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
                "channel": {"type": "string", "enum": ["web", "store", "phone"]}}},
            "Order": {"type": "object", "required": ["id", "sku", "status"], "properties": {
                "id": {"type": "string"}, "sku": {"type": "string"}, "status": {"type": "string"},
                "total": {"type": "number"}}},
        },
    },
}


def changed(tmp_path: Path, mutate: Callable[[dict[str, Any]], object]) -> list[Change]:
    new = copy.deepcopy(BASE)
    mutate(new)
    return diff_specs(write_spec(tmp_path, BASE, "old.yaml"), write_spec(tmp_path, new, "new.yaml"))


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]  # type: ignore[no-any-return]


BREAKING: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "removed operation": (lambda d: d["paths"]["/orders/{id}"].pop("get"), "operation removed"),
    "removed response field": (lambda d: schemas(d)["Order"]["properties"].pop("total"), "property removed"),
    "response field no longer required": (lambda d: schemas(d)["Order"]["required"].remove("status"),
                                          "no longer required"),
    "new required parameter": (lambda d: d["paths"]["/orders/{id}"]["get"]["parameters"].append(
        {"name": "tenant", "in": "header", "required": True, "schema": {"type": "string"}}), "required parameter"),
    "new required property": (lambda d: (schemas(d)["NewOrder"]["properties"].update(
        {"customer": {"type": "string"}}), schemas(d)["NewOrder"]["required"].append("customer")),
        "required property added"),
    "narrowed enum": (lambda d: schemas(d)["NewOrder"]["properties"]["channel"]["enum"].remove("phone"),
                      "enum narrowed"),
    "narrowed bounds": (lambda d: schemas(d)["NewOrder"]["properties"]["quantity"].update({"maximum": 10}),
                        "maximum 100 -> 10"),
    "changed type": (lambda d: schemas(d)["Order"]["properties"]["total"].update({"type": "string"}),
                     "type number -> string"),
    "changed media type": (lambda d: d["paths"]["/orders/{id}"]["get"]["responses"]["200"].update(
        {"content": {"application/xml": {"schema": {"type": "string"}}}}), "response media type removed"),
    "removed security alternative": (lambda d: d["security"].pop(), "security alternative removed: bearer"),
}


@pytest.mark.parametrize("kind", sorted(BREAKING))
def test_each_breaking_change_is_caught(tmp_path: Path, kind: str) -> None:
    mutate, words = BREAKING[kind]
    changes = changed(tmp_path, mutate)
    breaking = [c for c in changes if c.breaking]
    assert breaking, f"{kind} not reported: {changes}"
    assert any(words in c.message for c in breaking), breaking


def test_additions_clients_can_ignore_are_not_breaking(tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["Order"]["properties"]["note"] = {"type": "string"}
        schemas(d)["NewOrder"]["properties"]["gift"] = {"type": "boolean"}
        schemas(d)["NewOrder"]["properties"]["channel"]["enum"].append("app")
        d["paths"]["/health"] = {"get": {"responses": {"200": {"description": "ok"}}}}

    changes = changed(tmp_path, mutate)
    assert not any(c.breaking for c in changes), changes
    # Order is returned by two operations, so its new field is a change of both
    assert sorted((c.operation, c.message) for c in changes) == [
        ("GET /health", "operation added"), ("GET /orders/{id}", "optional property added"),
        ("POST /orders", "enum widened: ['app'] added"), ("POST /orders", "optional property added"),
        ("POST /orders", "optional property added")]


def test_identical_specs_have_no_changes(tmp_path: Path) -> None:
    assert changed(tmp_path, lambda d: None) == []


def test_cli_text_json_and_exit_codes(tmp_path: Path) -> None:
    old = write_spec(tmp_path, BASE, "old.yaml")
    new_doc = copy.deepcopy(BASE)
    new_doc["paths"]["/orders/{id}"].pop("get")
    new = write_spec(tmp_path, new_doc, "new.yaml")
    result = CliRunner().invoke(cli.main, ["diff", str(old), str(new)])
    assert result.exit_code == 1
    assert "BREAKING  GET /orders/{id}: operation removed" in result.output
    result = CliRunner().invoke(cli.main, ["diff", str(old), str(new), "--format", "json"])
    assert json.loads(result.output)["breaking"] == 1
    assert CliRunner().invoke(cli.main, ["diff", str(old), str(old)]).exit_code == 0
    missing = CliRunner().invoke(cli.main, ["diff", str(old), str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 3 and "no such file" in missing.output


def test_a_refactor_into_allof_and_renamed_components_is_no_change(tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        # Order becomes Purchase = allOf [Base {id}, {sku, status, total}]: the same values, another shape
        order = schemas(d).pop("Order")
        schemas(d)["Base"] = {"type": "object", "required": ["id"], "properties": {"id": order["properties"]["id"]}}
        schemas(d)["Purchase"] = {"allOf": [{"$ref": "#/components/schemas/Base"}, {
            "type": "object", "required": ["sku", "status"],
            "properties": {k: v for k, v in order["properties"].items() if k != "id"}}]}
        for item in d["paths"].values():
            for operation in item.values():
                for response in operation["responses"].values():
                    response["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Purchase"}

    assert changed(tmp_path, mutate) == []


def test_a_property_removed_behind_allof_is_still_breaking(tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        order = schemas(d)["Order"]
        schemas(d)["Order"] = {"allOf": [{"type": "object", "required": ["id"], "properties": {"id": {
            "type": "string"}}}, {"properties": {"sku": {"type": "string"}, "status": {"type": "string"}},
            "required": ["sku", "status"]}]}
        assert "total" in order["properties"]

    breaking = [c for c in changed(tmp_path, mutate) if c.breaking]
    assert breaking and all(c.message == "property removed" and c.location.endswith("/total") for c in breaking)


def _order_schema(doc: dict[str, Any], schema: dict[str, Any]) -> None:
    doc["paths"]["/orders/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = schema


def test_oneof_alternatives_compare_as_sets(tmp_path: Path) -> None:
    def widened(d: dict[str, Any]) -> None:  # Order, or now also a Refund: clients may get something new
        schemas(d)["Refund"] = {"type": "object", "properties": {"amount": {"type": "number"}}}
        _order_schema(d, {"oneOf": [{"$ref": "#/components/schemas/Refund"}, {"$ref": "#/components/schemas/Order"}]})

    breaking = [c for c in changed(tmp_path, widened) if c.breaking]
    assert [(c.operation, c.message) for c in breaking] == [("GET /orders/{id}", "alternative added: Refund")]

    def reordered(d: dict[str, Any]) -> None:  # the same alternatives in another order, under other names
        for doc in (d,):
            schemas(doc)["Refund"] = {"type": "object", "properties": {"amount": {"type": "number"}}}
            schemas(doc)["Purchase"] = schemas(doc).pop("Order")
            _order_schema(doc, {"anyOf": [{"$ref": "#/components/schemas/Purchase"},
                                          {"$ref": "#/components/schemas/Refund"}]})
        d["paths"]["/orders"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/Purchase"}

    old = copy.deepcopy(BASE)
    schemas(old)["Refund"] = {"type": "object", "properties": {"amount": {"type": "number"}}}
    _order_schema(old, {"anyOf": [{"$ref": "#/components/schemas/Refund"}, {"$ref": "#/components/schemas/Order"}]})
    new = copy.deepcopy(BASE)
    reordered(new)
    assert diff_specs(write_spec(tmp_path, old, "o.yaml"), write_spec(tmp_path, new, "n.yaml")) == []


def test_nullable_and_type_arrays_are_the_same_thing(tmp_path: Path) -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    old["openapi"] = "3.0.3"
    schemas(old)["Order"]["properties"]["total"] = {"type": "number", "nullable": True}
    schemas(new)["Order"]["properties"]["total"] = {"type": ["number", "null"]}
    assert diff_specs(write_spec(tmp_path, old, "o.yaml"), write_spec(tmp_path, new, "n.yaml")) == []
    schemas(old)["Order"]["properties"]["total"] = {"type": "number"}
    breaking = [c for c in diff_specs(write_spec(tmp_path, old, "o.yaml"), write_spec(tmp_path, new, "n.yaml"))
                if c.breaking]
    assert [c.message for c in breaking] == ["type number -> null/number", "type number -> null/number"]


def test_closing_additional_properties_breaks_what_clients_send(tmp_path: Path) -> None:
    changes = changed(tmp_path, lambda d: schemas(d)["NewOrder"].update({"additionalProperties": False}))
    assert [(c.message, c.breaking) for c in changes] == [("additional properties no longer allowed", True)]


def test_a_renamed_path_parameter_is_the_same_operation(tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        item = d["paths"].pop("/orders/{id}")
        item["get"]["parameters"][0]["name"] = "orderId"
        d["paths"]["/orders/{orderId}"] = item

    assert changed(tmp_path, mutate) == []


def test_a_scope_added_to_a_requirement_breaks_and_one_dropped_does_not(tmp_path: Path) -> None:
    def scopes(*names: str) -> Callable[[dict[str, Any]], None]:
        def mutate(d: dict[str, Any]) -> None:
            d["components"]["securitySchemes"]["oauth"] = {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://auth.example.com/token", "scopes": {"read": "r", "write": "w"}}}}
            d["paths"]["/orders/{id}"]["get"]["security"] = [{"oauth": list(names)}]
        return mutate

    old = copy.deepcopy(BASE)
    scopes("read")(old)
    more, fewer = copy.deepcopy(BASE), copy.deepcopy(BASE)
    scopes("read", "write")(more)
    scopes()(fewer)
    base = write_spec(tmp_path, old, "old.yaml")
    added = diff_specs(base, write_spec(tmp_path, more, "more.yaml"))
    assert [(c.message, c.breaking) for c in added] == [("scopes required: ['write'] added", True)]
    dropped = diff_specs(base, write_spec(tmp_path, fewer, "fewer.yaml"))
    assert [(c.message, c.breaking) for c in dropped] == [("scopes no longer required: ['read']", False)]


def test_a_list_that_became_a_map_is_one_change_and_map_values_are_compared(tmp_path: Path) -> None:
    def as_map(value: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        def mutate(d: dict[str, Any]) -> None:
            schemas(d)["Order"]["properties"]["lines"] = {"type": "object", "additionalProperties": value}
        return mutate

    old = copy.deepcopy(BASE)
    schemas(old)["Order"]["properties"]["lines"] = {"type": "array", "items": {
        "type": "object", "properties": {"sku": {"type": "string"}, "count": {"type": "integer"}}}}
    to_map, narrower = copy.deepcopy(BASE), copy.deepcopy(BASE)
    as_map({"type": "object", "properties": {"sku": {"type": "string"}}})(to_map)
    as_map({"type": "integer"})(narrower)
    base = write_spec(tmp_path, old, "old.yaml")
    changes = diff_specs(base, write_spec(tmp_path, to_map, "map.yaml"))
    assert {(c.location, c.message) for c in changes} == {
        ("response 200 application/json/lines", "type array -> object"),
        ("response 201 application/json/lines", "type array -> object")}
    maps = write_spec(tmp_path, to_map, "map.yaml")
    values = diff_specs(maps, write_spec(tmp_path, narrower, "narrower.yaml"))
    assert {(c.location, c.message, c.breaking) for c in values} == {
        ("response 200 application/json/lines/*", "type object -> integer", True),
        ("response 201 application/json/lines/*", "type object -> integer", True)}
