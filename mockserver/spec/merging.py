"""``allOf`` merged into one schema (``$ref`` followed, siblings kept): how the generator reads a schema.

``required`` names whose properties sit in another branch are then filled; bounds combine to the
tighter one, enums to their intersection, sub-schemas (``items``, ``not``, ...) to an ``allOf``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .pointers import deref, resolve_pointer

__all__ = ["BRANCH_ONLY", "merge", "merge_all_of"]

_MAX_MERGE = 24

#: keywords whose values combine by taking the larger (lower bounds) or the smaller (upper bounds)
_LOWER = ("minimum", "minLength", "minItems", "minProperties", "minContains")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties", "maxContains")
#: keywords whose sub-schemas combine as allOf
_SUBSCHEMA = ("items", "contains", "additionalProperties", "propertyNames", "unevaluatedProperties",
              "unevaluatedItems", "not")
#: what describes a branch of allOf only, not the merged whole
BRANCH_ONLY = ("example", "examples", "default", "title", "description")


def _combine(key: str, a: Any, b: Any) -> Any:
    if key == "properties" and isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for name, sub in b.items():
            out[name] = {"allOf": [out[name], sub]} if name in out and out[name] != sub else sub
        return out
    if key in ("patternProperties", "dependentRequired", "dependentSchemas", "$defs", "definitions") \
            and isinstance(a, dict) and isinstance(b, dict):
        return {**b, **a}
    if key == "required" and isinstance(a, list) and isinstance(b, list):
        return list(dict.fromkeys([*a, *b]))
    if key == "type":
        left = a if isinstance(a, list) else [a]
        right = b if isinstance(b, list) else [b]
        both = [t for t in left if t in right or (t == "integer" and "number" in right)]
        both += [t for t in right if t == "integer" and "number" in left and t not in both]
        return both if len(both) != 1 else both[0]
    if key == "enum" and isinstance(a, list) and isinstance(b, list):
        return [x for x in a if x in b] or a
    if key in _LOWER and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return max(a, b)
    if key in _UPPER and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return min(a, b)
    if key in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(a, bool) or isinstance(b, bool):
            return bool(a) or bool(b)
        return max(a, b) if key == "exclusiveMinimum" else min(a, b)
    if key in _SUBSCHEMA:
        if a is False or b is False:
            return False
        if isinstance(a, dict) and isinstance(b, dict):
            return {"allOf": [a, b]}
        return a if isinstance(a, dict) else b
    if key == "nullable":
        return bool(a) and bool(b)
    if key == "readOnly" or key == "writeOnly":
        return bool(a) or bool(b)
    return a


def merge_all_of(document: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """``schema`` with any ``$ref`` followed (siblings kept) and ``allOf`` merged into one schema."""
    if depth > _MAX_MERGE:
        return {}
    for _ in range(_MAX_MERGE):  # one reference at a time: a target may have siblings of its own
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            break
        if len(schema) > 1:
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return merge(document, [rest, {"$ref": schema["$ref"]}], depth + 1)
        target = deref(document, {"$ref": schema["$ref"]}) if not schema["$ref"].startswith("#") else None
        if target is None:
            try:
                target = resolve_pointer(document, unquote(schema["$ref"][1:]))
            except (KeyError, IndexError, TypeError, ValueError):
                return {}
        schema = target
    if isinstance(schema, dict) and "allOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        branches = schema["allOf"] if isinstance(schema["allOf"], list) else []
        return merge(document, [rest, *branches], depth + 1, own=rest)
    return schema


def merge(document: dict[str, Any], schemas: list[Any], depth: int, own: dict[str, Any] | None = None) -> Any:
    out: dict[str, Any] = {}
    for index, sub in enumerate(schemas):
        flat = merge_all_of(document, sub, depth)
        if flat is False:
            return False
        if not isinstance(flat, dict):
            continue
        for key, value in flat.items():
            if index and key in BRANCH_ONLY and own is not None:
                continue
            out[key] = _combine(key, out[key], value) if key in out else value
    return out
