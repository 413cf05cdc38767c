"""Parameters and form fields in every style of OpenAPI 3, read from a request and cast by their schema.

Styles (OpenAPI 3.1 section 4.8.12.4): ``simple`` (path, header), ``label`` and
``matrix`` (path), ``form`` (query, cookie, form fields), ``spaceDelimited`` and
``pipeDelimited`` (query), ``deepObject`` (query, form fields; also arrays, as
Stripe writes them: ``expand[]=a`` or ``expand[0]=a``), each exploded or not, for
primitives, arrays and objects. Values arrive as text: :func:`coerce` casts them
by the schema (its ``type``, or the types of its ``allOf``/``oneOf``/``anyOf``
branches; object members and array items by their own schemas) before the
compiled validator sees them. An object with no text form in its style (an item
of a query array) is read as JSON when it is written as a JSON object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..spec import deref, schema_types

__all__ = [
    "PLAIN",
    "RESERVED", "StyledValue", "cast_scalar", "coerce", "deep_tree", "items_schema", "member_schema", "shape_deep",
    "value_kind", "value_types",
]

#: characters that ``allowReserved: false`` wants percent-encoded (RFC 3986 reserved, as Prism checks them)
RESERVED = re.compile(r"[/?#\[\]@!$&'()*+,;=]")

_BRACKETS = re.compile(r"(\[[^\[\]]*\])+")


def value_types(document: dict[str, Any], schema: Any, depth: int = 0) -> list[str]:
    """The JSON types a schema allows: its ``type``, else its combined branches' (``[]``: anything)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return []
    declared = schema_types(schema)
    if declared:
        # OpenAPI 3.0 ``nullable``: the text ``null`` (or nothing) is the null value (OpenAI's ``n=null``)
        return [*declared, "null"] if schema.get("nullable") is True and "null" not in declared else declared
    found: list[str] = []
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            for t in value_types(document, branch, depth + 1):
                if t not in found:
                    found.append(t)
    if not found and ("properties" in schema or "additionalProperties" in schema):
        found.append("object")
    if not found and ("items" in schema or "prefixItems" in schema):
        found.append("array")
    return found


def value_kind(document: dict[str, Any], schema: Any) -> str:
    """``array``, ``object`` or ``primitive``: how a parameter of this schema is serialised."""
    types = value_types(document, schema)
    if "array" in types:
        return "array"
    if "object" in types:
        return "object"
    return "primitive"


def member_schema(document: dict[str, Any], schema: Any, name: str, depth: int = 0) -> Any:
    """The schema of object member ``name`` (``properties``, combined branches, then ``additionalProperties``)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    props = schema.get("properties") or {}
    if name in props:
        return props[name]
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            found = member_schema(document, branch, name, depth + 1)
            if found != {}:
                return found
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        try:
            if re.search(pattern, name):
                return sub
        except re.error:
            continue
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def items_schema(document: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "items" in schema and isinstance(schema["items"], dict):
        return schema["items"]
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            found = items_schema(document, branch, depth + 1)
            if found != {}:
                return found
    return {}


_NOT_TEXT = ("integer", "number", "boolean")


def cast_scalar(value: str, types: Sequence[str]) -> Any:
    """``value`` (text) as the first of ``types`` (:func:`value_types`) it reads as."""
    # text that reads as a number or a boolean where the schema allows one besides strings is that value
    # (Stripe's ``expires_at: anyOf [{enum: [now]}, {type: integer}]`` sent as ``expires_at=0``)
    if "object" in types and "string" not in types and value.startswith("{"):
        # an object where OpenAPI defines no text form (an item of a query array) written as JSON, as clients
        # write it (Jira's ``properties: {type: array, items: {type: object}}`` sent as ``properties={}``)
        try:
            found = json.loads(value)
        except ValueError:
            found = None
        if isinstance(found, dict):
            return found
    for t in [t for t in types if t in _NOT_TEXT] + [t for t in types if t not in _NOT_TEXT]:
        try:
            if t == "integer":
                return int(value)
            if t == "number":
                return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            continue
        if t == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if t == "null" and value in ("", "null"):
            return None
        if t == "string":
            return value
    return value


def _scalar_fits(document: dict[str, Any], schema: Any, text: str, depth: int = 0) -> bool:
    """Whether ``text`` read as a scalar can be valid for ``schema`` by its types, ``enum`` and ``const`` (a branch
    of ``anyOf``/``oneOf`` suffices; other keywords are the validator's)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return True
    branches = [b for key in ("anyOf", "oneOf") for b in schema.get(key) or []]
    if branches:
        own = schema_types(schema)
        return any(_scalar_fits(document, b, text, depth + 1) for b in branches) and (
            not own or any(t not in ("array", "object") for t in own))
    types = value_types(document, schema)
    if types and all(t in ("array", "object") for t in types):
        return False
    if not types and ("properties" in schema or "items" in schema):
        return False
    allowed = schema["enum"] if isinstance(schema.get("enum"), list) else [schema["const"]] if "const" in schema \
        else None
    if allowed is not None:
        return any(text == ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for v in allowed)
    cast = cast_scalar(text, [t for t in types if t not in ("array", "object")] or ["string"])
    return not types or any(_is_type(cast, t) for t in types)


def _is_type(value: Any, name: str) -> bool:
    return {"string": isinstance(value, str), "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool), "null": value is None}.get(name, False)


def coerce(document: dict[str, Any], schema: Any, raw: Any) -> Any:
    """``raw`` (text, a list of texts or a dict of them, as read from the request) cast by ``schema``."""
    if isinstance(raw, dict):
        return {k: coerce(document, member_schema(document, schema, k), v) for k, v in raw.items()}
    if isinstance(raw, list):
        items = items_schema(document, schema)
        return [coerce(document, items, v) for v in raw]
    if isinstance(raw, str):
        return cast_scalar(raw, value_types(document, schema))
    return raw


def _pairs(parts: Iterable[str], sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        key, _, value = part.partition(sep)
        out[key] = value
    return out


def _alternating(parts: list[str]) -> dict[str, str]:
    return {parts[i]: parts[i + 1] if i + 1 < len(parts) else "" for i in range(0, len(parts), 2)}


def _split(text: str, sep: str) -> list[str]:
    return [] if text == "" else text.split(sep)


@dataclass(frozen=True)
class StyledValue:
    """How one parameter (or form field) is written: ``style``, ``explode`` and the shape of its schema."""

    name: str
    style: str
    explode: bool
    kind: str  # array, object or primitive

    def from_text(self, text: str) -> tuple[Any, str | None]:
        """The raw value of a path, header or cookie parameter written as ``text`` (or why it is malformed)."""
        if self.style == "label":
            if not text.startswith("."):
                return None, f"label style: {text!r} does not start with '.'"
            rest = text[1:]
            if self.kind == "array":
                return _split(rest, "." if self.explode else ","), None
            if self.kind == "object":
                return (_pairs(_split(rest, ".")) if self.explode else _alternating(_split(rest, ","))), None
            return rest, None
        if self.style == "matrix":
            if not text.startswith(";"):
                return None, f"matrix style: {text!r} does not start with ';'"
            segments = text[1:].split(";")
            if self.kind == "object" and self.explode:
                return _pairs(segments), None
            values = [v for k, v in (s.partition("=")[::2] for s in segments) if k == self.name]
            if not values:
                return None, f"matrix style: {text!r} has no ';{self.name}='"
            if self.kind == "array":
                return (values if self.explode else _split(values[-1], ",")), None
            if self.kind == "object":
                return _alternating(_split(values[-1], ",")), None
            return values[-1], None
        # simple (path, header) and form (cookie): comma-separated
        if self.kind == "array":
            return _split(text, ","), None
        if self.kind == "object":
            if self.explode and self.style == "simple":
                return _pairs(_split(text, ",")), None
            return _alternating(_split(text, ",")), None
        return text, None

    def from_pairs(self, document: dict[str, Any], schema: Any, pairs: list[tuple[str, str]],
                   others: frozenset[str]) -> tuple[bool, Any]:
        """(present, value cast by ``schema``) of a query parameter or form field among the request's ``pairs``.

        ``others``: the names declared otherwise, which an exploded form object does not take as members.
        Bracketed names (``name[key]``) are read as ``deepObject`` whatever the style says.
        """
        if self.style == "deepObject" or (self.kind != "primitive" and any(
                k.startswith(self.name + "[") for k, _ in pairs)):
            tree = deep_tree(pairs, self.name)
            return (tree is not None), shape_deep(document, schema, tree) if tree is not None else None
        present, raw = self._raw(pairs, others)
        if raw == [""] and not self.explode:
            # ``name=`` is an empty list or one empty item, written alike: the one the schema can take
            resolved = deref(document, schema)
            if not (isinstance(resolved, dict) and isinstance(resolved.get("minItems"), int) and resolved["minItems"]):
                raw = []
        return present, coerce(document, schema, raw) if present else None

    def _raw(self, pairs: list[tuple[str, str]], others: frozenset[str]) -> tuple[bool, Any]:
        values = [v for k, v in pairs if k == self.name]
        if self.kind == "object" and self.style == "form" and self.explode:
            members = {k: v for k, v in pairs if k not in others}
            return bool(members), members
        if not values:
            return False, None
        if self.kind == "array":
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(self.style, ",")
            # not exploded: one delimited value; clients that repeat the name anyway are understood
            return True, values if self.explode else [p for v in values for p in v.split(sep)]
        if self.kind == "object":
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(self.style, ",")
            return True, _alternating(_split(values[-1], sep))
        return True, values[-1]


def deep_tree(pairs: list[tuple[str, str]], name: str) -> Any:
    """``a[b][c]=1`` pairs under ``name`` as nested dicts, leaves as lists of values (None: absent).

    ``name[]`` files its values under the key ``""``, ``name`` alone under :data:`PLAIN`;
    :func:`shape_deep` turns the tree into lists and objects as the schema says.
    """
    tree: dict[str, Any] | None = None
    for key, value in pairs:
        if key == name:
            tokens = [PLAIN]
        elif key.startswith(name + "[") and _BRACKETS.fullmatch(key[len(name):]):
            tokens = re.findall(r"\[([^\[\]]*)\]", key[len(name):])
        else:
            continue
        if tree is None:
            tree = {}
        node: dict[str, Any] = tree
        for token in tokens[:-1]:
            child = node.setdefault(token, {})
            if not isinstance(child, dict):  # a[b]=1 then a[b][c]=2: the first one stands
                break
            node = child
        else:
            leaf = node.setdefault(tokens[-1], [])
            if isinstance(leaf, list):
                leaf.append(value)
    return tree


#: the key of values given as ``name=value`` (no brackets) in a :func:`deep_tree`
PLAIN = "\x00"


def shape_deep(document: dict[str, Any], schema: Any, node: Any) -> Any:
    """A :func:`deep_tree` node as the value ``schema`` describes (lists for arrays), cast.

    Values given for one named key (``a[b]=1&a[b]=2``) are a list where the schema wants an array,
    but a single one stays a scalar where the schema also allows one (Stripe's ``anyOf: [array,
    enum: [""]]``); the bare name (``expand=a`` for ``expand[]=a``) is read the same way.
    """
    kind = value_kind(document, schema)
    if isinstance(node, list):  # the values given for one key
        if kind != "primitive" and len(node) == 1 and not _scalar_fits(document, schema, node[0]):
            if node == [""]:
                # a[b]= : an empty array or object, as serialisers that keep empty ones write them (Stripe's
                # ``metadata=`` for ``{}``), where no scalar the schema allows is the empty text
                return [] if kind == "array" else {}
            if kind == "array":  # one item (Stripe's ``tax_rates=txr_1`` for ``anyOf [array, enum [""]]``)
                return coerce(document, schema, node)
        elif kind == "array" and len(node) > 1:
            return coerce(document, schema, node)
        return coerce(document, schema, node[-1])
    if not isinstance(node, dict):
        return node
    if list(node) == [PLAIN]:  # name=value, as schemathesis and some clients write arrays too
        return shape_deep(document, schema, node[PLAIN])
    if kind == "array":
        items = items_schema(document, schema)
        out: list[Any] = []
        keys = sorted(node, key=lambda k: (0, int(k)) if k.isdigit() else (1, 0))
        for key in keys:
            child = node[key]
            if key in ("", PLAIN) and isinstance(child, list):
                out.extend(coerce(document, items, v) for v in child)
            else:
                out.append(shape_deep(document, items, child))
        return out
    if list(node) == [""]:  # name[]=value for a non-array
        return shape_deep(document, schema, node[""])
    return {k: shape_deep(document, member_schema(document, schema, k), v) for k, v in node.items()}
