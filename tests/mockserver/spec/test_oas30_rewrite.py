"""OpenAPI 3.0 schemas judged by jsonschema-rs on their 2020-12 rewrite give OAS30Validator's verdict.

The property: for every schema of the shipped specs (in their 3.0 twins), of the API node's
3.0 twin, of Airflow's 3.0 spec and of the Prism harness' OpenAPI 3.0 cases, values generated
from the schema and mutated (a member removed or added, a value replaced by one of another
type, out of range, not base64, not a URI...) get the same verdict from the rewrite
(``CompiledSchema.verdict``) as from the pure-Python ``OAS30Validator`` that words the errors
(``CompiledSchema.validator``).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.spec import CompiledSchema, SchemaCompiler, generate, load_spec
from mockserver.spec.pointers import escape_token, resolve_pointer

from ...corpus.harness import all_cases
from ...twin30 import twin30

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"

#: values a mutation puts in place of a generated one
ODD: list[Any] = [None, True, False, 0, -1, 7, 2**31, -(2**31) - 1, 2**63, 1.5, 1e10 + 0.5, -0.25, "", "abc",
                  "Zm9vYmFy", "not base64!", "http://example.com/a", "a b<c>", "example.com", "-bad-.host",
                  "é", "[a-z", "2024-01-01", [], [1, 1], ["x"], {}, {"a": 1}]


def _schema_pointers(node: Any, pointer: str = "") -> list[str]:
    """Every place a schema is written: ``schema`` values and components' schemas."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{escape_token(str(key))}"
            if key == "schema" and isinstance(value, dict):
                found.append(here)
            elif key == "schemas" and pointer == "/components" and isinstance(value, dict):
                found.extend(f"{here}/{escape_token(str(k))}" for k in value)
            elif key not in ("example", "examples", "default"):
                found.extend(_schema_pointers(value, here))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_schema_pointers(item, f"{pointer}/{index}"))
    return found


def _documents() -> list[tuple[str, dict[str, Any]]]:
    docs = [(p.name, twin30(load_spec(p).document)) for p in sorted((ROOT / "specs").glob("*.yaml"))]
    docs.append(("dataiku-apinode-30", load_spec(DATA / "specs" / "dataiku-apinode-30.yaml").document))
    docs.append(("airflow-2.8.0", load_spec(DATA / "airflow" / "v1-2.8.0.yaml").document))
    for case in all_cases():
        if not re.search(r"^openapi:\s*['\"]?3\.0", case.spec, re.M):
            continue
        try:
            document = yaml.safe_load(case.spec)
        except yaml.YAMLError:
            continue
        if isinstance(document, dict):
            docs.append((case.name, json.loads(json.dumps(document, default=str))))  # text keys, as loaded
    return docs


@cache
def _targets() -> list[tuple[str, str, dict[str, Any], CompiledSchema]]:
    """(spec, pointer, document, compiled) for every schema the rewrite judges."""
    targets = []
    for name, document in _documents():
        compiler = SchemaCompiler(document)
        for pointer in _schema_pointers(document):
            try:
                compiled = compiler.at(pointer)
            except Exception:  # a schema neither engine can compile (broken on purpose in some cases)
                continue
            if compiled.rewritten:
                targets.append((name, pointer, document, compiled))
    return targets


def _locations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_locations(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_locations(item, (*path, index)))
    return found


def _odd(data: st.DataObject) -> Any:
    return copy.deepcopy(data.draw(st.sampled_from(ODD)))


def _mutate(value: Any, data: st.DataObject) -> Any:
    value = copy.deepcopy(value)
    for _ in range(data.draw(st.integers(0, 3))):
        path = data.draw(st.sampled_from(_locations(value)))
        action = data.draw(st.sampled_from(["replace", "drop", "add"]))
        if not path:
            value = _odd(data) if action == "replace" else value
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        if action == "replace":
            parent[path[-1]] = _odd(data)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["zz", "id", "name", "type"]))] = _odd(data)
        else:
            parent.append(_odd(data))
    return value


def test_the_rewrite_covers_the_corpus() -> None:
    """Most schemas of the corpus are judged by jsonschema-rs (else the property below proves little)."""
    names = {name for name, *_ in _targets()}
    assert len(_targets()) > 1000
    assert {"dataiku-apinode-30", "airflow-2.8.0", "dataiku-dss.yaml", "tecton.yaml"} <= names


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_same_verdict_as_oas30validator(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(_targets()) - 1))
    name, pointer, document, compiled = _targets()[index]
    schema = resolve_pointer(document, pointer)
    seed = data.draw(st.integers(0, 50))
    valid = generate(document, schema, seed=seed, dynamic=seed > 0)
    value = _mutate(valid, data)
    expected = not any(True for _ in compiled.validator.iter_errors(value))
    assert compiled.is_valid(value) == expected, (name, pointer, value)
    if not expected:  # the words too: as OAS30Validator gives them from the pointer, references unresolved
        assert list(compiled.iter_errors(value)) == _reference_errors(index, value), (name, pointer, value)


def _reference_errors(index: int, value: Any) -> list[tuple[str, str]]:
    """The errors of the schema at the target's pointer as the 3.0 path gave them before (a ``$ref`` to it)."""
    _, pointer, document, _ = _targets()[index]
    reference = _reference_validators().get(index)
    if reference is None:
        from jsonschema.validators import extend  # type: ignore[import-untyped]
        from openapi_schema_validator import OAS30Validator
        from referencing import Registry
        from referencing.jsonschema import DRAFT4

        from mockserver.spec.schemas import _BASE, _for_validation, _linear_pattern, _oas30_format_checker

        registry = Registry().with_resource(_BASE, DRAFT4.create_resource(_for_validation(document, False)))
        reference = _reference_validators()[index] = extend(OAS30Validator, {"pattern": _linear_pattern})(
            {"$ref": f"{_BASE}#{quote(pointer, safe='/~')}"}, registry=registry,
            format_checker=_oas30_format_checker())
    return list(CompiledSchema("py", reference).iter_errors(value))


@cache
def _reference_validators() -> dict[int, Any]:
    return {}


@pytest.mark.parametrize(("schema", "good", "bad"), [
    ({"type": "string", "nullable": True}, [None, "a"], [1]),
    ({"type": "integer", "minimum": 1, "exclusiveMinimum": True}, [2], [1, 0]),
    ({"type": "integer", "maximum": 5, "exclusiveMaximum": True}, [4], [5]),
    ({"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer", "readOnly": True},
                                                                    "name": {"type": "string"}}},
     [{"name": "a"}], [{"id": 1}]),
    ({"type": "string", "format": "duration"}, ["not a duration"], []),  # not checked in 3.0
    ({"type": "string", "format": "date-time"}, ["2024-01-01T00:00:00Z"], ["not a date"]),
    ({"type": "string", "format": "byte"}, ["Zm9v"], ["not base64!", "é"]),
    ({"type": "integer", "format": "int32"}, [2**31 - 1], [2**31]),
    ({"type": "string", "format": "uri"}, ["http://x.org/a"], ["no scheme"]),
    ({"type": "string", "const": "a"}, ["b"], []),  # not a 3.0 keyword: ignored, as OAS30Validator does
])
def test_rewritten_keywords(schema: dict[str, Any], good: list[Any], bad: list[Any]) -> None:
    compiled = SchemaCompiler({"openapi": "3.0.3", "components": {"schemas": {"S": schema}}}).at(
        "/components/schemas/S")
    for value in good:
        assert compiled.is_valid(value) and not list(compiled.iter_errors(value)), value
    for value in bad:
        assert not compiled.is_valid(value) and list(compiled.iter_errors(value)), value


def test_a_discriminator_is_judged_by_its_branches_on_jsonschema_rs() -> None:
    """The validation copy writes the discriminator into its branches (each requires its name) and drops
    the keyword, so nothing is left that only OAS30Validator understands: the rewrite judges it."""
    document = {"openapi": "3.0.3", "components": {"schemas": {
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "kind"}},
        "Cat": {"type": "object", "properties": {"kind": {"type": "string"}}},
        "Owner": {"type": "object", "properties": {"pet": {"$ref": "#/components/schemas/Pet"}}}}}}
    compiler = SchemaCompiler(document)
    assert compiler.at("/components/schemas/Owner").rewritten
    assert compiler.at("/components/schemas/Cat").rewritten
    assert compiler.at("/components/schemas/Owner").is_valid({"pet": {"kind": "Cat"}})
    assert not compiler.at("/components/schemas/Owner").is_valid({"pet": {"kind": "Dog"}})


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_discriminator_value_two_branches_claim_selects_either(version: str) -> None:
    """DigitalOcean's ``POST /v2/droplets/actions``: ``oneOf`` an action and the action plus ``name``, whose
    ``type`` enums both hold ``reboot`` (the mapping names files not in the document): ``{type: reboot}``
    matches both branches, and the discriminator cannot pick one; a valid request, not a ``oneOf`` failure."""
    action = {"type": "object", "required": ["type"], "properties": {"type": {"enum": ["reboot", "snapshot"]}}}
    document = {"openapi": version, "components": {"schemas": {
        "Action": action,
        "Snapshot": {"allOf": [{"$ref": "#/components/schemas/Action"},
                               {"type": "object", "properties": {"name": {"type": "string"}}}]},
        "Body": {"oneOf": [{"$ref": "#/components/schemas/Action"}, {"$ref": "#/components/schemas/Snapshot"}],
                 "discriminator": {"propertyName": "type",
                                   "mapping": {"reboot": "models/actions.yml#/action"}}}}}}
    body = SchemaCompiler(document).at("/components/schemas/Body")
    assert body.is_valid({"type": "reboot"}) and body.is_valid({"type": "snapshot", "name": "n"})
    assert not body.is_valid({"type": "rebuild"}) and not body.is_valid({"name": "n"})


def test_a_schema_with_a_large_closure_is_judged_by_the_python_validator() -> None:
    """jsonschema-rs compiles a validator's whole closure on its own (a Stripe response's: 5 MB, a validator per
    operation): beyond 5,000 nodes the pure-Python validator judges, whose inlined schemas are shared."""
    from mockserver.spec.schemas import SchemaCompiler

    big = {"type": "object", "properties": {f"p{i}": {"type": "string", "maxLength": 3} for i in range(6000)}}
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
                "components": {"schemas": {"Big": big, "Small": {"$ref": "#/components/schemas/Leaf"},
                                           "Leaf": {"type": "integer"}}}}
    compiler = SchemaCompiler(document)
    assert compiler.faithful("/components/schemas/Small")
    assert not compiler.faithful("/components/schemas/Big")
    validator = compiler.at("/components/schemas/Big")
    assert validator.is_valid({"p1": "abc", "p5999": "x"})
    assert not validator.is_valid({"p1": "abcd"})
    assert [m for _, m in validator.iter_errors({"p7": 5})]
