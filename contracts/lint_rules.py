"""The named lint rules and their registry: each rule yields (JSON pointer, message) pairs for one spec."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from mockserver import LoadedSpec
from mockserver.spec import Operation, SchemaCompiler, deref, escape_token, join_pointer, referenced_components

from .keywords import MAPS, OBJECTS, OPENAPI_30_SCHEMA_KEYWORDS, REFERENCE_KEYS, SCHEMA_KEYWORDS, SCHEMA_TYPES

__all__ = ["ERROR", "RULES", "WARNING", "Rule", "RuleContext", "all_objects", "is_30", "lint_rule"]

ERROR, WARNING = "error", "warning"
_PLACEHOLDERS = {"string", "Hello, world!", "hello world"}


@dataclass(frozen=True)
class Rule:
    """A registered lint rule."""

    name: str
    severity: str
    explanation: str
    check: Callable[[RuleContext], Iterable[tuple[str, str]]]
    #: whether the rule assumes a structurally valid document (the others also run on an invalid one)
    needs_valid: bool = True


RULES: dict[str, Rule] = {}


def lint_rule(name: str, severity: str, explanation: str,
              needs_valid: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a rule: ``check(context)`` yields ``(pointer, message)`` pairs."""

    def register(check: Callable[..., Any]) -> Callable[..., Any]:
        RULES[name] = Rule(name, severity, explanation, check, needs_valid)
        return check

    return register


@dataclass
class RuleContext:
    spec: LoadedSpec
    document: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    compiler: SchemaCompiler | None = None
    objects: list[tuple[str, str, Any]] | None = None
    examples: list[tuple[str, str, Any]] | None = None


def _walk(node: Any, pointer: str = "") -> list[tuple[str, Any]]:
    """(pointer, node) of ``node`` and of everything in it, parents first, in document order."""
    out: list[tuple[str, Any]] = []
    _collect(node, pointer, out)
    return out


def _collect(node: Any, pointer: str, out: list[tuple[str, Any]]) -> None:
    out.append((pointer, node))
    if isinstance(node, dict):
        for key, value in node.items():
            _collect(value, f"{pointer}/{escape_token(str(key))}", out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _collect(value, f"{pointer}/{index}", out)


@lint_rule("operation-id", ERROR, "every operation has an operationId, unique in the spec")
def _operation_ids(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for op in ctx.operations:
        op_id = op.raw.get("operationId")
        if not op_id:
            yield op.pointer, f"{op.method.upper()} {op.path} has no operationId"
        elif op_id in seen:
            yield op.pointer + "/operationId", f"operationId {op_id!r} is also used by {seen[op_id]}"
        else:
            seen[op_id] = f"{op.method.upper()} {op.path}"


@lint_rule("path-parameters", ERROR, "every {parameter} of a path is declared in: path, and every one declared is used")
def _path_parameters(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        in_template = set(re.findall(r"\{([^}]+)\}", op.path))
        declared = {str(p.get("name")) for p, _ in op.parameters if p.get("in") == "path"}
        for name in sorted(in_template - declared):
            yield op.pointer, f"path parameter {name!r} of {op.path} is not declared"
        for name in sorted(declared - in_template):
            yield op.pointer, f"path parameter {name!r} is declared but {op.path} has no {{{name}}}"


@lint_rule("success-response", ERROR, "every operation documents a success (2xx or 3xx) response")
def _success(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not any(s[0] in "23" for s in op.responses):
            yield op.pointer + "/responses", f"{op.method.upper()} {op.path} documents no success response"


@lint_rule("error-responses", WARNING, "every operation documents its errors (a 4xx or default response)")
def _errors(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not any(s[0] == "4" or s == "default" for s in op.responses):
            yield op.pointer + "/responses", f"{op.method.upper()} {op.path} documents no error response"


@lint_rule("security-declared", ERROR, "security is declared (root or operation) and names defined schemes")
def _security(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    schemes = (ctx.document.get("components") or {}).get("securitySchemes") or {}
    for op in ctx.operations:
        if "security" not in op.raw and "security" not in ctx.document:
            yield op.pointer, f"{op.method.upper()} {op.path}: no security declared (use security: [] for none)"
        for requirement in op.security:
            for name in requirement:
                if name not in schemes:
                    yield op.pointer, f"security scheme {name!r} is not defined in components.securitySchemes"


@lint_rule("tags-declared", WARNING, "every tag an operation uses is declared in the root tags list")
def _tags(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    declared = {t.get("name") for t in ctx.document.get("tags") or [] if isinstance(t, dict)}
    for op in ctx.operations:
        for index, tag in enumerate(op.raw.get("tags") or []):
            if tag not in declared:
                yield f"{op.pointer}/tags/{index}", f"tag {tag!r} is not declared in the root tags"


@lint_rule("summary", WARNING, "every operation has a summary")
def _summary(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not str(op.raw.get("summary") or "").strip():
            yield op.pointer, f"{op.method.upper()} {op.path} has no summary"


@lint_rule("servers", WARNING, "the spec lists its servers")
def _servers(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if not ctx.document.get("servers"):
        yield "", "no servers: clients and the mock cannot know the base path"


@lint_rule("unused-component", WARNING, "every component is referenced somewhere")
def _unused(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    used = referenced_components(ctx.document)
    components = ctx.document.get("components") or {}
    for kind in ("schemas", "parameters", "responses", "examples", "requestBodies", "headers", "links"):
        for name in components.get(kind) or {}:
            if (kind, str(name)) not in used:
                yield f"/components/{kind}/{escape_token(str(name))}", f"{kind} component {name!r} is never referenced"


_STATUS_KEY = re.compile(r"^(default|[1-5]XX|[1-5][0-9][0-9])$")


def _objects(node: Any, kind: str, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(pointer, kind, node) for every OpenAPI object and every schema of the document.

    ``kind`` is a name of :data:`OBJECTS`, a key of :data:`MAPS`, ``"Schema"`` or ``"Reference"``
    (a ``$ref`` where an OpenAPI object stands). Extensions (``x-...``) are not looked into.
    """
    if kind.startswith(("map:", "list:")):
        container, _, item = kind.partition(":")
        if container == "map" and isinstance(node, dict):
            for key, value in node.items():
                if not str(key).startswith("x-") or item == "Schema":
                    yield from _objects(value, item, f"{pointer}/{escape_token(str(key))}")
        elif container == "list" and isinstance(node, list):
            for index, value in enumerate(node):
                yield from _objects(value, item, f"{pointer}/{index}")
        return
    if kind == "Schema":
        yield pointer, kind, node
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            expected = SCHEMA_KEYWORDS.get(str(key))
            child = f"{pointer}/{escape_token(str(key))}"
            if expected == "schema":
                yield from _objects(value, "Schema", child)
            elif expected == "schemas":
                yield from _objects(value, "list:Schema", child)
            elif expected == "schema-map":
                yield from _objects(value, "map:Schema", child)
            elif key in ("discriminator", "xml", "externalDocs") and isinstance(value, dict):
                yield from _objects(value, {"discriminator": "Discriminator", "xml": "XML"}.get(key, "ExternalDocs"),
                                    child)
        return
    if not isinstance(node, dict):
        return
    if "$ref" in node and kind != "PathItem":
        yield pointer, "Reference", node
        return
    yield pointer, kind, node
    free = MAPS.get(kind)
    for key, value in node.items():
        if str(key).startswith("x-"):
            continue
        child = f"{pointer}/{escape_token(str(key))}"
        if free is not None:
            yield from _objects(value, free, child)
        else:
            sub = OBJECTS.get(kind, {}).get(str(key))
            if sub:
                yield from _objects(value, sub, child)


def all_objects(ctx: RuleContext) -> list[tuple[str, str, Any]]:
    if ctx.objects is None:
        ctx.objects = list(_objects(ctx.document, "OpenAPI"))
    return ctx.objects


def is_30(ctx: RuleContext) -> bool:
    return str(ctx.document.get("openapi", "")).startswith("3.0")


def _unexpected_key(kind: str, key: str, openapi_30: bool = False) -> bool:
    if key.startswith("x-"):
        return False
    if kind == "Schema":
        return key not in SCHEMA_KEYWORDS and not (openapi_30 and key in OPENAPI_30_SCHEMA_KEYWORDS)
    if kind == "Reference":
        return key not in REFERENCE_KEYS
    if kind == "Paths":
        return not key.startswith("/")
    if kind == "Responses":
        return _STATUS_KEY.match(key) is None
    if kind == "Callback":
        return False
    return key not in OBJECTS.get(kind, {})


@lint_rule("unknown-key", ERROR, "every key of an OpenAPI object or schema is a keyword of that object (or x-...)",
           needs_valid=False)
def _unknown_keys(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for pointer, kind, node in all_objects(ctx):
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if not _unexpected_key(kind, str(key), is_30(ctx)):
                continue
            message = f"{key!r} is not a keyword of {'a schema' if kind == 'Schema' else f'a {kind} object'}"
            if value is None:
                message += ("; its value is null: did an unquoted comma in a flow mapping "
                            "({description: a, b}) split a value?")
            yield f"{pointer}/{escape_token(str(key))}", message


def _type_error(expected: str, value: Any) -> str | None:
    """What is wrong with ``value`` as a value of a schema keyword of type ``expected`` (None: nothing)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "schema":
        ok = isinstance(value, (dict, bool))
    elif expected == "schemas":
        ok = isinstance(value, list) and bool(value) and all(isinstance(v, (dict, bool)) for v in value)
    elif expected == "schema-map":
        ok = isinstance(value, dict) and all(isinstance(v, (dict, bool)) for v in value.values())
    elif expected == "string":
        ok = isinstance(value, str)
    elif expected == "number":
        ok = is_number
    elif expected == "boolean-or-number":
        ok = is_number or isinstance(value, bool)
    elif expected == "positive":
        ok = is_number and value > 0
    elif expected == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif expected == "boolean":
        ok = isinstance(value, bool)
    elif expected == "list":
        ok = isinstance(value, list)
    elif expected == "strings":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value) and len(set(value)) == len(value)
    elif expected == "string-lists":
        ok = isinstance(value, dict) and all(isinstance(v, list) and all(isinstance(s, str) for s in v)
                                             for v in value.values())
    elif expected == "object":
        ok = isinstance(value, dict)
    elif expected == "type":
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else None
        ok = bool(names) and all(isinstance(n, str) and n in SCHEMA_TYPES for n in names or [])
    else:
        return None
    return None if ok else _DESCRIPTIONS[expected]


_DESCRIPTIONS = {
    "schema": "a schema (a mapping or a boolean)", "schemas": "a non-empty list of schemas",
    "schema-map": "a mapping of names to schemas", "string": "a string", "number": "a number",
    "positive": "a number greater than 0", "count": "an integer >= 0", "boolean": "a boolean",
    "list": "a list", "strings": "a list of distinct strings", "string-lists": "a mapping of names to lists of strings",
    "object": "a mapping", "boolean-or-number": "a boolean (OpenAPI 3.0) or a number",
    "type": f"one of {', '.join(sorted(SCHEMA_TYPES))} or a list of them",
}
#: simple fields of OpenAPI objects, with their type (fields holding objects must hold a mapping or list)
_FIELD_TYPES = {"description": "string", "summary": "string", "title": "string", "version": "string",
                "operationId": "string", "name": "string", "in": "string", "url": "string", "style": "string",
                "required": "boolean", "deprecated": "boolean", "explode": "boolean", "allowReserved": "boolean",
                "allowEmptyValue": "boolean", "tags": "list"}


@lint_rule("keyword-type", ERROR, "every schema keyword and OpenAPI field has a value of the type it takes",
           needs_valid=False)
def _keyword_types(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for pointer, kind, node in all_objects(ctx):
        if not isinstance(node, dict) or kind in MAPS or kind == "Reference":
            continue
        for key, value in node.items():
            key = str(key)
            if kind == "Schema":
                expected = (OPENAPI_30_SCHEMA_KEYWORDS.get(key) if is_30(ctx) else None) or SCHEMA_KEYWORDS.get(key)
            else:
                sub = OBJECTS.get(kind, {}).get(key)
                if sub is None:
                    continue
                if kind == "Tag" and key == "name":
                    expected = "string"
                elif kind == "Operation" and key == "tags":
                    expected = "strings"
                elif sub:
                    expected = "list" if sub.startswith("list:") else "object"
                else:
                    expected = _FIELD_TYPES.get(key)
            if expected is None:
                continue
            problem = _type_error(expected, value)
            if problem is not None:
                where = "schema keyword" if kind == "Schema" else f"{kind} field"
                yield f"{pointer}/{escape_token(key)}", f"{where} {key!r} must be {problem}, not {value!r}"


@lint_rule("required-declared", WARNING, "every property a schema requires is one of its properties")
def _required_declared(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    combinators = ("allOf", "anyOf", "oneOf", "$ref", "if", "dependentSchemas", "patternProperties", "not")
    for pointer, kind, node in all_objects(ctx):
        if kind != "Schema" or not isinstance(node, dict) or any(k in node for k in combinators):
            continue
        properties = node.get("properties")
        required = node.get("required")
        if not isinstance(required, list) or not isinstance(properties, dict):
            continue
        for index, name in enumerate(required):
            if isinstance(name, str) and name not in properties:
                yield f"{pointer}/required/{index}", f"required property {name!r} is not among the schema's properties"


@lint_rule("array-items", WARNING, "every array schema says what its items are (items or prefixItems)")
def _array_items(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for pointer, kind, node in all_objects(ctx):
        if kind != "Schema" or not isinstance(node, dict) or "items" in node or "prefixItems" in node:
            continue
        declared = node.get("type")
        if declared == "array" or (isinstance(declared, list) and "array" in declared):
            yield pointer, "an array schema without items: say what the items are ({} for any JSON value)"


@lint_rule("path-no-query", ERROR, "a path key holds no query string or fragment (? or #)")
def _path_query(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for path in ctx.document.get("paths") or {}:
        if "?" in str(path) or "#" in str(path):
            yield join_pointer("paths", path), f"path {path!r} holds a query string or fragment: use parameters"


_URL_SAFE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$")


@lint_rule("operation-id-url-safe", WARNING, "every operationId is safe in a URL (links and docs use it)")
def _operation_id_url_safe(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        op_id = op.raw.get("operationId")
        if isinstance(op_id, str) and not _URL_SAFE.match(op_id):
            yield op.pointer + "/operationId", f"operationId {op_id!r} has characters not allowed in a URL"


def _example_values(ctx: RuleContext) -> list[tuple[str, str, Any]]:
    """(pointer of the value, pointer of its schema, value) for every example in the spec (found once)."""
    if ctx.examples is None:
        ctx.examples = list(_find_examples(ctx.document))
    return ctx.examples


def _direction(schema_pointer: str) -> Literal["request", "response"] | None:
    """Which way a media type's or parameter's example travels (readOnly/writeOnly); None: a named schema's."""
    if "/responses/" in schema_pointer or "/headers/" in schema_pointer:
        return "response"
    return None if schema_pointer.startswith("/components/schemas/") else "request"


def _find_examples(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    for pointer, node in _holders(document, ""):
        schema_pointer = pointer + "/schema"
        if "example" in node:
            yield pointer + "/example", schema_pointer, node["example"]
        for name, example in (node.get("examples") or {}).items() if isinstance(node.get("examples"), dict) else ():
            resolved = deref(document, example)
            if isinstance(resolved, dict) and "value" in resolved:
                yield f"{pointer}/examples/{escape_token(str(name))}/value", schema_pointer, resolved["value"]
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        base = f"/components/schemas/{escape_token(str(name))}"
        if isinstance(schema, dict):
            if "example" in schema:
                yield base + "/example", base, schema["example"]
            for index, value in enumerate(schema.get("examples") or []):
                yield f"{base}/examples/{index}", base, value


def _holders(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, node) of every mapping with a ``schema`` key, in the order of :func:`_walk`."""
    if isinstance(node, dict):
        if "schema" in node:
            yield pointer, node
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _holders(value, f"{pointer}/{escape_token(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                yield from _holders(value, f"{pointer}/{index}")


@lint_rule("example-valid", ERROR, "every example (media type, parameter, schema) validates against its schema")
def _examples(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for value_pointer, schema_pointer, value in _example_values(ctx):
        ctx.compiler = ctx.compiler or SchemaCompiler(ctx.document)  # at the first example: Kubernetes has none
        try:
            validator = ctx.compiler.at(schema_pointer, _direction(schema_pointer))
            errors = list(validator.iter_errors(value))
        except Exception as exc:  # an unresolvable schema is reported by the structural check
            yield value_pointer, f"cannot validate: {exc}"
            continue
        for where, message in errors[:3]:
            yield value_pointer + where, f"example does not match its schema: {message}"


@lint_rule("placeholder-example", WARNING, 'no placeholder example values ("string", "Hello, world!")')
def _placeholders(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for value_pointer, _, value in _example_values(ctx):
        for pointer, node in _walk(value):
            if isinstance(node, str) and node.strip() in _PLACEHOLDERS:
                key = pointer.rsplit("/", 1)[-1].lower()
                if node.strip() == "string" and key.endswith("type"):
                    continue  # a column or field type named "string" (DSS schemas, SQL types) is real data
                yield value_pointer + pointer, f"placeholder value {node!r}: use a realistic one"
