"""Whether openapi-spec-validator would find nothing in a document, told without importing it.

``apitwin lint`` reports openapi-spec-validator's findings as they are (``openapi-structure``). Most
documents have none, and the library's walk of a document (a ``SchemaPath`` lookup per node, the
pure-Python ``jsonschema`` behind every check) and its imports (pydantic-settings, requests) took
most of lint's time. :func:`surely_valid` walks the plain document the way the library does
(``openapi_spec_validator.validation.keywords`` 0.8: tags, paths, path items, parameters,
operations, responses, media types, component schemas, and in each schema the ``allOf``, ``anyOf``,
``oneOf``, ``not``, ``items`` and ``properties`` it looks into) with the same checks:

* the document against the library's own OpenAPI JSON schema (the file it ships), with jsonschema-rs
  built as the library builds it (its own backend is jsonschema-rs when installed);
* duplicate tag names, duplicate parameters (name and ``in``), duplicate operationIds, path
  parameters not in the template and template variables not declared;
* each schema the library meta-checks, against the same meta-schema (JSON Schema draft 4 for 3.0, the
  OpenAPI 3.1 base dialect for 3.1), with the same format checks (``regex`` compiled by Python's
  ``re``; ``uri`` and ``uri-reference`` unchecked, as ``jsonschema`` leaves them when neither
  ``rfc3987`` nor ``rfc3986-validator`` is installed);
* a ``required`` name no ``allOf`` branch nor the schema itself defines;
* each ``default`` value against its schema, with the library's own OpenAPI validator (openapi-schema-validator's,
  the one that walk uses: imported only when a document has defaults).

It answers True only when each check passes. Anything it does not settle answers False and the
library runs as before, with its messages: any finding, a ``$schema`` or ``jsonSchemaDialect`` of
another dialect, an integral float (``minLength: 1.0``: draft 4 and jsonschema-rs could disagree), a
reference outside the document, ``swagger`` or an OpenAPI version other than 3.0 and 3.1, a format
package (``regress``, ``rfc3987``...) that would make the library's checks stricter.
"""

from __future__ import annotations

import importlib.util
import json
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.spec import resolve_pointer

__all__ = ["has_integral_float", "surely_valid"]

#: the operations the library's path validator looks at (3.0 and 3.1)
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VERSION = re.compile(r"(?P<major>\d+)\.(?P<minor>\d+)(\..*)?")
OAS31_BASE_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
#: packages that give ``jsonschema`` or openapi-schema-validator format checks this screen does not make
#: (``rfc3986-validator`` and ``rfc3987-syntax`` are not among them: the first is checked here as jsonschema checks
#: it, the second checks ``iri`` formats no meta-schema uses; JupyterHub's dependencies install both)
_STRICTER_FORMATS = ("regress", "rfc3987")
#: nesting beyond which the screen gives up (the library recurses without a bound)
_MAX_DEPTH = 200


class _Unsure(Exception):
    """Something the screen does not settle: the library decides."""


def surely_valid(document: dict[str, Any]) -> bool:
    """True when openapi-spec-validator would yield no error for ``document`` (module doc); False: ask it."""
    if "swagger" in document or not isinstance(document.get("openapi"), str):
        return False
    version = _VERSION.match(document["openapi"])
    minor = version.group("minor") if version is not None and version.group("major") == "3" else None
    if minor not in ("0", "1"):
        return False
    try:
        if any(importlib.util.find_spec(name) is not None for name in _STRICTER_FORMATS):
            return False
        if not _spec_schema(minor).is_valid(document):
            return False
        _Walk(document, minor).root()
    except (_Unsure, RecursionError, KeyError, IndexError, TypeError, ValueError):
        return False
    return True


def _package_folder(name: str) -> Path:
    found = importlib.util.find_spec(name)
    if found is None or not found.submodule_search_locations:
        raise _Unsure(f"{name} is not installed")
    return Path(next(iter(found.submodule_search_locations)))


_VALIDATORS: dict[str, Any] = {}


def _spec_schema(minor: str) -> Any:
    """jsonschema-rs over openapi-spec-validator's schema of OpenAPI 3.``minor``, built as the library builds it."""
    key = f"spec-3.{minor}"
    if key not in _VALIDATORS:
        import jsonschema_rs

        path = _package_folder("openapi_spec_validator") / "resources" / "schemas" / f"v3.{minor}" / "schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        _VALIDATORS[key] = jsonschema_rs.validator_cls_for(schema)(schema)
    return _VALIDATORS[key]


def _meta_schema(minor: str) -> Any:
    """jsonschema-rs over the meta-schema the library checks each schema of OpenAPI 3.``minor`` against."""
    key = f"meta-3.{minor}"
    if key not in _VALIDATORS:
        import jsonschema_rs

        specifications = _package_folder("jsonschema_specifications") / "schemas"
        if minor == "0":
            meta = json.loads((specifications / "draft4" / "metaschema.json").read_text(encoding="utf-8"))
            resources = [(str(meta["id"]).rstrip("#"), meta)]
        else:
            folders = [_package_folder("openapi_schema_validator") / "schemas" / "oas3.1",
                       specifications / "draft202012"]
            resources = []
            for folder in folders:
                for file in sorted(folder.rglob("*")):
                    if file.is_file() and not file.name.startswith("."):
                        contents = json.loads(file.read_text(encoding="utf-8"))
                        resources.append((str(contents["$id"]), contents))
            meta = dict(resources)[OAS31_BASE_DIALECT]
        formats = {"regex": _is_regex, **_uri_formats(minor)}
        _VALIDATORS[key] = jsonschema_rs.validator_for(meta, formats=formats, validate_formats=True,
                                                       registry=jsonschema_rs.Registry(resources), retriever=_offline)
    return _VALIDATORS[key]


def _uri_formats(minor: str) -> dict[str, Callable[[Any], bool]]:
    """``uri`` (and from draft 6, ``uri-reference``) as jsonschema checks them: with rfc3986-validator when it is
    installed (and rfc3987, which it would prefer, is not: :data:`_STRICTER_FORMATS`), else not at all."""
    if importlib.util.find_spec("rfc3986_validator") is None:
        return {"uri": _anything, "uri-reference": _anything}
    from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

    def rule(name: str) -> Callable[[Any], bool]:
        return lambda value: not isinstance(value, str) or bool(validate_rfc3986(value, rule=name))

    return {"uri": rule("URI"), "uri-reference": _anything if minor == "0" else rule("URI_reference")}


def _is_regex(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _anything(value: Any) -> bool:
    return True


def _offline(uri: str) -> Any:
    raise ValueError(f"{uri}: the meta-schemas are all local")


_DOCUMENT_URI = "urn:apitwin:linted"


def _refuses_strings(value: Any) -> bool:
    return not isinstance(value, str)


def _in_range(bits: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:  # openapi-schema-validator's is_int32 / is_int64
        if isinstance(value, bool) or not isinstance(value, int):
            return True
        return ~(1 << (bits - 1)) < value < 1 << (bits - 1)

    return check


#: formats for jsonschema-rs checking a default: the library's number checks; any string under another format
#: it knows is left to the library (jsonschema's format checks are Python's own)
_DEFAULT_FORMATS: dict[str, Callable[[Any], bool]] = {
    **{name: _refuses_strings for name in (
        "byte", "color", "date", "date-time", "duration", "email", "host-name", "hostname", "idn-email",
        "idn-hostname", "ip-address", "ipv4", "ipv6", "iri", "iri-reference", "json-pointer", "regex",
        "relative-json-pointer", "time", "uri", "uri-reference", "uri-template", "uuid")},
    "int32": _in_range(32), "int64": _in_range(64), "float": _anything, "double": _anything,
    "binary": _anything, "password": _anything,
}


def _no_strings(node: Any) -> bool:
    if isinstance(node, str):
        return False
    if isinstance(node, dict):
        return not node
    if isinstance(node, list):
        return all(_no_strings(value) for value in node)
    return True


def has_integral_float(node: Any) -> bool:
    """Whether ``node`` holds a float with an integral value (``1.0``: draft 4 and jsonschema-rs may disagree)."""
    if isinstance(node, float):
        return node.is_integer()
    if isinstance(node, dict):
        return any(has_integral_float(value) for value in node.values())
    if isinstance(node, list):
        return any(has_integral_float(value) for value in node)
    return False


class _Walk:
    """The library's walk over one document; raises :class:`_Unsure` at the first doubt."""

    def __init__(self, document: dict[str, Any], minor: str) -> None:
        self.document = document
        self.minor = minor
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self.operation_ids: list[Any] = []
        #: the library's validator of default values, made at the first one
        self.values: Callable[[dict[Any, Any]], Any] | None = None
        #: the document for jsonschema-rs, made at the first default
        self.registry: Any = None
        if minor == "1" and document.get("jsonSchemaDialect", OAS31_BASE_DIALECT) != OAS31_BASE_DIALECT:
            raise _Unsure("another JSON Schema dialect")

    def deref(self, node: Any) -> Any:
        """The node a (chain of) ``$ref`` leads to, as ``SchemaPath`` reads it."""
        for _ in range(_MAX_DEPTH):
            if not isinstance(node, dict) or "$ref" not in node:
                return node
            ref = node["$ref"]
            if not isinstance(ref, str):  # a property named $ref (Kubernetes' JSONSchemaProps): no reference
                return node
            if not ref.startswith("#"):
                raise _Unsure("a reference outside the document")
            node = resolve_pointer(self.document, ref[1:])
        raise _Unsure("a reference chain too long")

    def mapping(self, node: Any) -> dict[Any, Any]:
        node = self.deref(node)
        if not isinstance(node, dict):
            raise _Unsure("not a mapping")
        return node

    def sequence(self, node: Any) -> list[Any]:
        node = self.deref(node)
        if not isinstance(node, list):
            raise _Unsure("not a list")
        return node

    def root(self) -> None:
        document = self.document
        if "tags" in document:
            seen: set[Any] = set()
            for tag in self.sequence(document["tags"]):
                name = self.mapping(tag)["name"]
                if name in seen:
                    raise _Unsure("duplicate tag")
                seen.add(name)
        if "paths" in document:
            for url, item in self.mapping(document["paths"]).items():
                self.path(str(url), self.mapping(item))
        if "components" in document:
            components = self.mapping(document["components"])
            if "schemas" in components:
                for schema in self.mapping(components["schemas"]).values():
                    self.schema(schema)

    def parameters(self, node: Any) -> list[dict[Any, Any]]:
        seen: set[tuple[Any, Any]] = set()
        parameters = [self.mapping(parameter) for parameter in self.sequence(node)]
        for parameter in parameters:
            if "schema" in parameter:
                self.schema(parameter["schema"])
            key = (parameter["name"], parameter["in"])
            if key in seen:
                raise _Unsure("duplicate parameter")
            seen.add(key)
        return parameters

    def path(self, url: str, item: dict[Any, Any]) -> None:
        shared = self.parameters(item["parameters"]) if "parameters" in item else None
        for name, operation in item.items():
            if name in _OPERATIONS:
                self.operation(url, self.mapping(operation), shared)

    def operation(self, url: str, operation: dict[Any, Any], shared: list[dict[Any, Any]] | None) -> None:
        if "operationId" in operation:
            operation_id = operation["operationId"]
            if operation_id is not None and operation_id in self.operation_ids:
                raise _Unsure("duplicate operationId")
            self.operation_ids.append(operation_id)
        if "responses" in operation:
            for response in self.mapping(operation["responses"]).values():
                response = self.mapping(response)
                if "content" in response:
                    for media_type in self.mapping(response["content"]).values():
                        media_type = self.mapping(media_type)
                        if "schema" in media_type:
                            self.schema(media_type["schema"])
        names: list[Any] = []
        if "parameters" in operation:
            names += [p["name"] for p in self.parameters(operation["parameters"]) if p["in"] == "path"]
        if shared is not None:
            names += [p["name"] for p in shared if p["in"] == "path"]
        in_url = {field for _, field, _, _ in string.Formatter().parse(url) if field}
        if set(names) != in_url:
            raise _Unsure("a path parameter not resolved")

    def schema(self, node: Any, require_properties: bool = True, meta_checked: bool = False, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            raise _Unsure("schemas nested too deep")
        value = self.deref(node)
        if not isinstance(value, (dict, bool)):
            raise _Unsure("a schema that is neither a mapping nor a boolean")
        if not meta_checked and id(value) not in self.meta_checked:
            self.meta_checked.add(id(value))
            self.meta_check(value)
        if id(value) in self.visited or isinstance(value, bool):  # a boolean schema has no keyword to look into
            self.visited.add(id(value))
            return
        self.visited.add(id(value))
        nested: set[Any] = set()
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                for inner in self.sequence(value[keyword]):
                    self.schema(inner, False, True, depth + 1)
                    if keyword == "allOf":
                        nested |= self.properties(inner, depth + 1)
        for keyword in ("not", "items"):
            if keyword in value:
                self.schema(value[keyword], False, True, depth + 1)
        if "properties" in value:
            for inner in self.mapping(value["properties"]).values():
                self.schema(inner, False, True, depth + 1)
        required = ("required" in value and self.deref(value["required"])) or []
        properties: Any = ("properties" in value and self.mapping(value["properties"]).keys()) or []
        if require_properties and "allOf" in value and set(required) - set(properties) - nested:
            raise _Unsure("required names no property defines")
        if "default" in value and (value["default"] is not None or value.get("nullable") is not True):
            self.default(value, value["default"])

    def default(self, schema: dict[Any, Any], value: Any) -> None:
        """Validate a schema's default as the library does: its OpenAPI validator, the document's references.

        jsonschema-rs answers first where it cannot be more lenient than the library: no integral float, a
        format only on numbers (int32/int64 bounded as the library bounds them; a string under any format it
        refuses, the library then decides), and no ``pattern`` reachable when the value holds strings (the
        library matches with Python's ``re``). What jsonschema-rs refuses, the library decides (it imports
        openapi-schema-validator)."""
        if self.screens_default(schema, value):
            return
        if self.values is None:
            from openapi_schema_validator import (
                OAS30Validator,
                OAS31Validator,
                oas30_format_checker,
                oas31_format_checker,
            )
            from referencing import Registry
            from referencing.jsonschema import DRAFT202012

            resolver = Registry().with_resource("", DRAFT202012.create_resource(self.document)).resolver("")
            cls, checker = (OAS30Validator, oas30_format_checker) if self.minor == "0" else (
                OAS31Validator, oas31_format_checker)
            self.values = lambda schema: cls(schema, _resolver=resolver, format_checker=checker)
        if next(iter(self.values(schema).iter_errors(value)), None) is not None:
            raise _Unsure("a default value its schema refuses")

    def screens_default(self, schema: dict[Any, Any], value: Any) -> bool:
        if has_integral_float(value) or (not _no_strings(value) and self.reaches_pattern(schema)):
            return False
        import jsonschema_rs

        if self.registry is None:
            self.registry = jsonschema_rs.Registry([(_DOCUMENT_URI, self.document)])
        cls = jsonschema_rs.Draft4Validator if self.minor == "0" else jsonschema_rs.Draft202012Validator
        try:
            validator = cls(schema, formats=_DEFAULT_FORMATS, validate_formats=True, registry=self.registry,
                            base_uri=_DOCUMENT_URI, retriever=_offline)
            return bool(validator.is_valid(value))
        except (ValueError, jsonschema_rs.ValidationError):
            return False

    def reaches_pattern(self, schema: Any) -> bool:
        """Whether a ``pattern`` or ``patternProperties`` is in ``schema`` or anything it references."""
        stack, seen = [schema], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, dict):
                if "pattern" in node or "patternProperties" in node:
                    return True
                if isinstance(node.get("$ref"), str):
                    stack.append(self.deref({"$ref": node["$ref"]}))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return False

    def properties(self, node: Any, depth: int) -> set[Any]:
        """Every property name reachable from a schema, as the library collects them."""
        if depth > _MAX_DEPTH:
            raise _Unsure("schemas nested too deep")
        value = self.deref(node)
        if isinstance(value, bool):
            return set()
        if not isinstance(value, dict):
            raise _Unsure("a schema that is neither a mapping nor a boolean")
        found: set[Any] = set(self.mapping(value["properties"])) if "properties" in value else set()
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                for inner in self.sequence(value[keyword]):
                    found |= self.properties(inner, depth + 1)
        for keyword in ("items", "not"):
            if keyword in value:
                found |= self.properties(value[keyword], depth + 1)
        return found

    def meta_check(self, value: dict[Any, Any] | bool) -> None:
        if isinstance(value, dict) and "$schema" in value:
            raise _Unsure("another JSON Schema dialect")
        if has_integral_float(value) or not _meta_schema(self.minor).is_valid(value):
            raise _Unsure("the meta-schema check")
