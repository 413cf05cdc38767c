"""OpenAPI 3.0 schemas rewritten as equivalent JSON Schema 2020-12, for jsonschema-rs.

The mock's reference for a 3.0 schema's meaning is openapi-schema-validator's
``OAS30Validator`` (with apitwin's format checker, see :mod:`.schemas`); this module
writes each schema so that jsonschema-rs gives the same verdict on every JSON value,
about a hundred times faster than the pure-Python validator:

* ``nullable: true`` with a ``type`` -> ``type: [t, "null"]`` (``nullable`` means nothing
  without a ``type``, as in ``OAS30Validator``);
* draft-4 boolean ``exclusiveMinimum``/``exclusiveMaximum`` -> 2020-12 numbers;
* a ``required`` property whose own schema is ``readOnly`` or ``writeOnly`` is not required
  (``OAS30Validator``'s reading, in both directions), unless ``plain_required`` (a document already
  rewritten for requests or responses, :mod:`.access`);
* ``format``: the formats the 3.0 checker checks keep their check (``int32``/``int64`` as bounds on
  integers, ``byte``, ``regex``, ``uri``, ``uri-reference``, ``hostname`` as custom formats); every
  other format is an annotation, as in 3.0 (never ``date-time``, ``email``... checked);
* ``discriminator``, ``readOnly``, ``writeOnly``, ``xml``, ``example``, ``x-`` keys: annotations.

What cannot be written faithfully is marked: a schema that uses it (directly or through a
``$ref``) stays with the pure-Python validator. That is a ``discriminator`` next to
``oneOf``/``anyOf``/``allOf`` (``OAS30Validator`` then follows the discriminator alone), keywords
2020-12 validates but 3.0 does not know (``const``, ``if``, ``prefixItems``...: ignored in 3.0),
a draft-4 ``id``, a ``type`` that is not a string, a fractional ``multipleOf`` (the two libraries
round differently), ``items`` as a list, ``patternProperties``.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from collections.abc import Collection
from typing import Any

from .reftargets import TARGETS

__all__ = ["INT_BOUNDS", "NO_STRING_CHECK", "PREFIX", "URI_FORMATS", "inline_refs", "is_byte", "to_2020"]

#: the range of each integer format
INT_BOUNDS = {f"int{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (32, 64)}

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_URI_REFERENCE = re.compile(r"^[^\s<>\"{}|\\^`]*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*\.?$")
#: the formats apitwin checks in 3.0 beyond openapi-schema-validator's (which needs optional packages for them)
URI_FORMATS = {"uri": _URI, "uri-reference": _URI_REFERENCE, "hostname": _HOSTNAME}


def is_byte(value: str) -> bool:
    """Whether ``value`` is base64 (of ASCII text only)."""
    try:
        b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):  # not base64, or not ASCII (which openapi-schema-validator lets raise)
        return False
    return True


#: formats whose check passes every string (int32/int64 are checked as bounds on integers)
NO_STRING_CHECK = frozenset({"int32", "int64", "float", "double", "binary", "password"})

#: what the 3.0 format checker knows but 2020-12 also validates: written under names no spec uses
PREFIX = "apitwin-oas30-"

#: keywords 2020-12 validates (or that change its reading) which OAS30Validator ignores
_FOREIGN = frozenset({
    "const", "contains", "minContains", "maxContains", "if", "then", "else", "dependentRequired",
    "dependentSchemas", "prefixItems", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "$id", "id",
    "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$schema", "$defs",
    "additionalItems", "dependencies", "patternProperties", "contentEncoding", "contentMediaType", "contentSchema",
})
_TYPES = ("string", "number", "integer", "boolean", "array", "object")
_SUBSCHEMA = ("not", "items", "additionalProperties")
_SUBSCHEMAS = ("allOf", "anyOf", "oneOf")


class _Converter:
    def __init__(self, formats: Collection[str], plain_required: bool = False) -> None:
        self.plain_required = plain_required
        self.formats = formats  # the formats the 3.0 format checker checks in strings
        self.unsupported: set[int] = set()  # id() of converted nodes jsonschema-rs must not judge

    def schema(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        faithful = not (_FOREIGN & node.keys())
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: self.schema(sub) for name, sub in value.items()}
            elif key in _SUBSCHEMA:
                out[key] = self.schema(value)
                faithful &= not isinstance(value, list)
            elif key in _SUBSCHEMAS and isinstance(value, list):
                out[key] = [self.schema(sub) for sub in value]
            elif key == "definitions" and isinstance(value, dict):
                out[key] = {name: self.schema(sub) for name, sub in value.items()}
            elif key in ("nullable", "format", "exclusiveMinimum", "exclusiveMaximum", "required"):
                continue  # below, once every key is known
            else:
                out[key] = value
        declared = node.get("type")
        if "type" in node:
            if declared not in _TYPES:
                faithful = False
            elif node.get("nullable") is True:
                out["type"] = [declared, "null"]
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if node.get(exclusive) is True and bound in node:
                out[exclusive] = out.pop(bound)
            elif not isinstance(node.get(exclusive, False), bool):
                faithful = False
        required = node.get("required")
        if isinstance(required, list) and not self.plain_required:
            props = node.get("properties")
            props = props if isinstance(props, dict) else {}
            out["required"] = [name for name in required if not _read_or_write_only(props.get(name))]
        elif "required" in node:
            out["required"] = required
        self._format(node, out)
        divisor = node.get("multipleOf")
        if isinstance(divisor, float) and not divisor.is_integer():
            faithful = False
        if "discriminator" in node and any(k in node for k in _SUBSCHEMAS):
            faithful = False
        if not faithful:
            self.unsupported.add(id(out))
        return out

    def _format(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        fmt = node.get("format")
        if not isinstance(fmt, str):
            return
        if fmt in INT_BOUNDS:  # only integers are checked (any other value passes the format)
            low, high = INT_BOUNDS[fmt]
            bounds = {"minimum": low, "maximum": high}
            check = bounds if node.get("type") == "integer" else {"anyOf": [{"not": {"type": "integer"}}, bounds]}
            out["allOf"] = [*out.get("allOf", []), check]
        elif fmt in self.formats:
            out["format"] = PREFIX + fmt

    def document(self, node: Any, key: str = "") -> Any:
        """The document with every schema (``schema`` values, ``components.schemas``) converted."""
        if isinstance(node, list):
            return [self.document(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for name, value in node.items():
            if name == "schema":
                out[name] = self.schema(value)
            elif ((name == "schemas" and key == "components") or name == TARGETS) and isinstance(value, dict):
                out[name] = {k: self.schema(v) for k, v in value.items()}
            elif name in ("example", "examples", "value", "default"):
                out[name] = value  # data, never a schema
            else:
                out[name] = self.document(value, name)
        return out


def _read_or_write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(schema.get("readOnly") or schema.get("writeOnly"))


def to_2020(document: dict[str, Any], formats: Collection[str],
            plain_required: bool = False) -> tuple[dict[str, Any], set[int]]:
    """The document with its schemas in 2020-12 words, and the ``id()`` of the converted schemas that
    jsonschema-rs cannot judge as ``OAS30Validator`` does (a schema reaching one stays pure-Python).

    ``formats``: the formats the 3.0 checker checks in strings; each becomes ``PREFIX + name``, for a
    custom jsonschema-rs format that asks that checker. Any other format is an annotation."""
    converter = _Converter(formats, plain_required)
    return converter.document(document), converter.unsupported


class _KeepRefs(Exception):
    """A schema that inlining would change (a draft-4 ``id`` moves the base of the references under it)."""


def inline_refs(document: dict[str, Any], node: Any, memo: dict[str, Any] | None = None,
                stack: tuple[str, ...] = ()) -> Any:
    """``node`` with its internal ``$ref`` replaced by their targets where that means the same to
    ``OAS30Validator`` (the pure-Python validator then skips ``referencing``'s look-ups, most of its
    time): a reference alone in its object, not a back-reference (recursion keeps the ``$ref``), and,
    in ``properties``, not to a ``readOnly``/``writeOnly`` schema (``required`` reads those flags on
    the property's own schema). Returns ``node`` itself when a draft-4 ``id`` is in the way."""
    memo = {} if memo is None else memo
    try:
        return _inline(document, node, memo, stack, in_properties=False)
    except _KeepRefs:
        return node


def _inline(document: dict[str, Any], node: Any, memo: dict[str, Any], stack: tuple[str, ...],
            in_properties: bool) -> Any:
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("id"), str):
        raise _KeepRefs
    ref = node.get("$ref")
    if isinstance(ref, str):
        if len(node) > 1 or not ref.startswith("#"):
            return node
        from urllib.parse import unquote

        from .pointers import resolve_pointer

        pointer = unquote(ref[1:])
        if pointer in stack:
            return node
        try:
            target = resolve_pointer(document, pointer)
        except KeyError:
            return node
        if in_properties and _read_or_write_only(target):
            return node
        if pointer not in memo:
            memo[pointer] = _inline(document, target, memo, (*stack, pointer), in_properties=False)
        return memo[pointer]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _inline(document, v, memo, stack, in_properties=True) for k, v in value.items()}
        elif key in _SUBSCHEMA and isinstance(value, dict):
            out[key] = _inline(document, value, memo, stack, in_properties=False)
        elif key in _SUBSCHEMAS and isinstance(value, list):
            out[key] = [_inline(document, v, memo, stack, in_properties=False) for v in value]
        else:
            out[key] = value
    return out
