"""Schemas no value satisfies, proved by small checks (the spec contradicting itself, not a generator gap),
and nothing claimed where a value exists. Shapes of the public specs where they were found (bench/public_specs.md)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.spec import SchemaCompiler, generate
from mockserver.spec.unsatisfiable import Proof, unsatisfiable

CLAUSE = {"type": "object", "required": ["op"], "properties": {"op": {"type": "string"}}}


def prove(schema: Any, version: str = "3.0.3", **schemas: Any) -> Proof | None:
    document = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {},
                "components": {"schemas": {"S": schema, "Clause": CLAUSE, **schemas}}}
    proof = unsatisfiable(document, "/components/schemas/S")
    if proof is not None:  # a proof is never given where the generator finds a valid value
        validator = SchemaCompiler(document).at("/components/schemas/S")
        for seed in range(5):
            value = generate(document, {"$ref": "#/components/schemas/S"}, seed=seed, check=validator.is_valid)
            assert not validator.is_valid(value), value
    return proof


SEND_AT = {"type": "string", "enum": ["now"], "format": "date-time"}  # SendGrid's single send schedule


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_an_enum_whose_values_all_fail_the_schema(version: str) -> None:
    schema = {"type": "object", "required": ["send_at"], "properties": {"send_at": SEND_AT}}
    proof = prove(schema, version)
    assert proof is not None and proof.pointer == "/components/schemas/S/properties/send_at"
    assert "enum" in proof.reason and "'now'" in proof.reason
    assert prove({**schema, "required": []}, version) is None  # the member may be left out
    assert prove({"type": "string", "enum": ["now", "2026-01-01T00:00:00Z"], "format": "date-time"}, version) is None
    assert prove({"const": 3, "type": "string"}, version) is not None


def test_a_nullable_enum_that_lists_null_admits_it_in_openapi_30() -> None:
    assert prove({**SEND_AT, "nullable": True, "enum": ["now", None]}) is None
    assert prove({**SEND_AT, "nullable": True}) is not None  # the enum must list null too (OpenAPI 3.0.3)


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_required_names_a_member_additional_properties_false_forbids(version: str) -> None:
    # Jira's ScreenTypes: requires defaultScreen, lists default
    screens = {"type": "object", "additionalProperties": False, "required": ["defaultScreen"],
               "properties": {"default": {"type": "integer"}}}
    proof = prove(screens, version)
    assert proof is not None and "'defaultScreen'" in proof.reason
    # reached through a required member and allOf (Jira's ScreenSchemeDetails)
    details = {"type": "object", "required": ["screens"],
               "properties": {"screens": {"allOf": [{"$ref": "#/components/schemas/Screens"}]}}}
    assert (prove(details, version, Screens=screens) or Proof("", "")).pointer == "/components/schemas/Screens"
    assert prove({**screens, "patternProperties": {"^default": {}}}, version) is None
    assert prove({**screens, "additionalProperties": True}, version) is None
    assert prove({k: v for k, v in screens.items() if k != "type"}, version) is None  # a string satisfies it
    assert prove({**screens, "type": ["object", "string"]}, version) is None


def test_a_nullable_object_admits_null_in_openapi_30() -> None:
    schema = {"type": "object", "nullable": True, "additionalProperties": False, "required": ["a"]}
    assert prove(schema) is None


def test_every_branch_requires_what_additional_properties_false_forbids() -> None:
    # Jira's JqlQueryClause: no properties beside additionalProperties: false, branches requiring members
    schema = {"type": "object", "additionalProperties": False,
              "anyOf": [{"$ref": "#/components/schemas/Clause"}, {"required": ["field"]}]}
    proof = prove(schema)
    assert proof is not None and "anyOf" in proof.reason
    assert prove({**schema, "anyOf": [{"$ref": "#/components/schemas/Clause"}, {"type": "object"}]}) is None
    assert prove({**schema, "properties": {"op": {"type": "string"}, "field": {}}}) is None
    assert prove({**schema, "anyOf": None, "allOf": [{"$ref": "#/components/schemas/Clause"}]}) is not None


def test_all_of_with_enums_in_common_or_not() -> None:
    # SendGrid's bounce_type: [soft, hard] and [bounced, blocked, expired] in two allOf branches
    assert prove({"allOf": [{"enum": ["soft", "hard"]}, {"enum": ["bounced", "blocked"]}]}) is not None
    assert prove({"allOf": [{"enum": ["soft", "hard"]}, {"enum": ["hard", "blocked"]}]}) is None
    assert prove({"allOf": [{"enum": [1]}, {"enum": [1.0]}]}) is None  # the same JSON number
    assert prove({"allOf": [{"enum": [True]}, {"enum": [1]}]}) is not None  # true is not 1


def test_branches_items_and_recursion() -> None:
    never = {"type": "string", "enum": ["x"], "minLength": 2}
    assert prove({"anyOf": [never, never]}) is not None
    assert prove({"oneOf": [never, {"type": "integer"}]}) is None
    assert prove({"type": "array", "minItems": 1, "items": never}) is not None
    assert prove({"type": "array", "items": never}) is None  # [] satisfies it
    assert prove(False, "3.1.0") is not None
    loop = {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/S"}}}
    assert prove(loop) is None  # no finite value, but no contradiction is found along a recursion
