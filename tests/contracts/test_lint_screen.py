"""The structural screen of ``apitwin lint``: a document it passes is one openapi-spec-validator finds nothing in,
and lint then neither imports nor runs the library."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contracts.lint_screen import surely_valid
from mockserver import load_spec
from mockserver.spec.validity import iter_errors

ROOT = Path(__file__).resolve().parents[2]
#: what a lint of a structurally valid spec no longer imports
LIBRARY = ("openapi_spec_validator", "openapi_schema_validator", "jsonschema_path", "requests", "pydantic_settings")

VALID: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "tags": [{"name": "things"}],
    "paths": {
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": "getThing",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer", "default": 3}}],
                "responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}},
            },
        },
    },
    "components": {"schemas": {
        "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
        "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}], "required": ["id"],
                  "properties": {"size": {"type": "integer", "minimum": 0, "default": 1}}},
    }},
}


def _broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    get = doc["paths"]["/things/{id}"]["get"]
    schemas = doc["components"]["schemas"]
    if change == "duplicate tag":
        doc["tags"].append({"name": "things"})
    elif change == "duplicate parameter":
        get["parameters"].append({"name": "q", "in": "query", "schema": {"type": "string"}})
    elif change == "duplicate operationId":
        doc["paths"]["/other"] = {"get": {"operationId": "getThing", "responses": {"200": {"description": "ok"}}}}
    elif change == "undeclared path parameter":
        doc["paths"]["/things/{id}/{part}"] = doc["paths"].pop("/things/{id}")
    elif change == "meta-schema":
        schemas["Base"]["properties"]["id"]["minLength"] = -1
    elif change == "required not defined":
        schemas["Thing"]["required"].append("colour")
    elif change == "default refused":
        schemas["Thing"]["properties"]["size"]["default"] = -5
    elif change == "parameter default refused":
        get["parameters"][0]["schema"]["default"] = "three"
    elif change == "spec schema":
        get["responses"]["200"].pop("description")
    elif change == "boolean schema at the top":
        schemas["Anything"] = True
    return doc


CHANGES = ["duplicate tag", "duplicate parameter", "duplicate operationId", "undeclared path parameter",
           "meta-schema", "required not defined", "default refused", "parameter default refused", "spec schema",
           "boolean schema at the top"]


def test_a_valid_document_passes_the_screen_and_the_library() -> None:
    assert list(iter_errors(copy.deepcopy(VALID), thorough=True)) == []
    assert surely_valid(copy.deepcopy(VALID))


@pytest.mark.parametrize("change", CHANGES)
def test_each_problem_the_library_finds_sends_the_document_to_it(change: str) -> None:
    doc = _broken(change)
    assert list(iter_errors(copy.deepcopy(doc), thorough=True)) != []  # the library finds it...
    assert not surely_valid(doc)  # ...so the screen leaves the document to it


@pytest.mark.parametrize("spec", sorted((ROOT / "specs").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "data" / "lint").glob("*.yaml")), ids=lambda p: p.name)
def test_the_screen_never_passes_what_the_library_refuses(spec: Path) -> None:
    document = load_spec(spec, validate=False).document
    if surely_valid(document):
        assert list(iter_errors(document, thorough=True)) == []


PROGRAM = """
import json, sys
from contracts.cli import main
sys.argv = ["apitwin", "lint", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_lint_of_valid_specs_imports_no_spec_validator() -> None:
    specs = [str(p) for p in sorted((ROOT / "specs").glob("*.yaml"))]
    result = subprocess.run([sys.executable, "-c", PROGRAM, *specs], capture_output=True, text=True, cwd=ROOT,
                            check=True, timeout=120)
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["code"] in (0, 1)
    assert [m for m in outcome["modules"] if m.split(".")[0] in LIBRARY] == []
