"""Data generated from a schema when the spec has no example.

The values are readable and valid: types, formats, enums, ``const``, bounds,
``required``, ``oneOf``/``anyOf``/``allOf`` and schema-level examples are
honoured, and the same seed always gives the same value. (hypothesis-jsonschema,
which schemathesis uses, aims at edge cases instead: its minimal values are
empty strings and zeros, and it needs dereferenced, non-recursive schemas.)
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from typing import Any

from .pointers import deref
from .schemas import schema_types

__all__ = ["generate"]

_MAX_DEPTH = 6

_FORMATS: dict[str, Any] = {
    "date-time": lambda r: f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
                           f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "date": lambda r: f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}",
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
    "email": lambda r: f"user{r.randint(1, 999)}@example.com",
    "idn-email": lambda r: f"user{r.randint(1, 999)}@example.com",
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "uri": lambda r: f"https://example.com/resources/{r.randint(1, 9999)}",
    "uri-reference": lambda r: f"/resources/{r.randint(1, 9999)}",
    "url": lambda r: f"https://example.com/resources/{r.randint(1, 9999)}",
    "hostname": lambda r: f"host{r.randint(1, 99)}.example.com",
    "ipv4": lambda r: f"192.0.2.{r.randint(1, 254)}",
    "ipv6": lambda r: f"2001:db8::{r.randint(1, 65535):x}",
    "byte": lambda r: base64.b64encode(r.randbytes(12)).decode(),
    "binary": lambda r: "binary-content",
    "password": lambda r: "********",
    "duration": lambda r: f"PT{r.randint(1, 59)}M",
    "regex": lambda r: "^[a-z]+$",
}


def _types(schema: dict[str, Any]) -> list[str]:
    """The types to generate for: the declared ones (null last resort), else inferred from the keywords."""
    declared = schema_types(schema)
    if declared:
        return [t for t in declared if t != "null"] or ["null"]
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema:
        return ["array"]
    if "enum" in schema or "const" in schema:
        return []
    return []


class _Generator:
    def __init__(self, document: dict[str, Any], rng: random.Random, dynamic: bool) -> None:
        self.document = document
        self.rng = rng
        self.dynamic = dynamic

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        schema = deref(self.document, schema)
        if not isinstance(schema, dict) or schema is True:
            return name or "value"
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            enum = schema["enum"]
            return self.rng.choice(enum) if self.dynamic else enum[0]
        if not self.dynamic:
            examples = schema.get("examples")
            if isinstance(examples, list) and examples:
                return examples[0]
            if "example" in schema:
                return schema["example"]
            if "default" in schema:
                return schema["default"]
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            other: Any = None
            for sub in schema["allOf"]:
                v = self.value(sub, name, depth + 1)
                if isinstance(v, dict):
                    merged.update(v)
                else:
                    other = v
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            if _types(rest) == ["object"] or rest.get("properties"):
                v = self.value(rest, name, depth + 1)
                if isinstance(v, dict):
                    merged.update(v)
            return merged if merged or other is None else other
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                options = schema[key]
                choice = self.rng.choice(options) if self.dynamic else options[0]
                base = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
                v = self.value(choice, name, depth + 1)
                if isinstance(v, dict) and base.get("properties"):
                    extra = self.value(base, name, depth + 1)
                    if isinstance(extra, dict):
                        v = {**extra, **v}
                return v
        types = _types(schema)
        kind = types[0] if types else "string"
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer":
            return self.number(schema, integer=True)
        if kind == "number":
            return self.number(schema, integer=False)
        if kind == "boolean":
            return self.rng.random() < 0.5 if self.dynamic else True
        if kind == "null":
            return None
        return self.string(schema, name)

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for key, sub in props.items():
            sub_schema = deref(self.document, sub)
            if isinstance(sub_schema, dict) and sub_schema.get("writeOnly") and key not in required:
                continue
            if key in required or depth < _MAX_DEPTH - 2:
                out[key] = self.value(sub, key, depth + 1)
        for key in required - out.keys():
            out[key] = "value"
        min_props = int(schema.get("minProperties") or 0)
        extra = schema.get("additionalProperties")
        i = 0
        while len(out) < min_props and extra is not False:
            i += 1
            out[f"key{i}"] = self.value(extra if isinstance(extra, dict) else {}, f"key{i}", depth + 1)
        return out

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems") or 0)
        high = schema.get("maxItems")
        count = max(low, 1 if depth < _MAX_DEPTH else 0)
        if high is not None:
            count = min(count, int(high))
        if self.dynamic and high is None:
            count = max(low, self.rng.randint(1, 3))
        items = schema.get("items")
        prefix = schema.get("prefixItems") or []
        out: list[Any] = [self.value(s, name, depth + 1) for s in prefix]
        seen: list[Any] = list(out)
        attempts = 0
        while len(out) < max(count, len(prefix)) and attempts < count * 5 + 5:
            attempts += 1
            v = self.value(items if items is not None else {}, name.rstrip("s") or name, depth + 1)
            if schema.get("uniqueItems") and v in seen:
                continue
            seen.append(v)
            out.append(v)
        return out

    def number(self, schema: dict[str, Any], integer: bool) -> int | float:
        low = schema.get("minimum")
        high = schema.get("maximum")
        if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
            low = schema["exclusiveMinimum"] + (1 if integer else 0.5)
        if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
            high = schema["exclusiveMaximum"] - (1 if integer else 0.5)
        lo = low if low is not None else (high - 100 if high is not None else 1)
        hi = high if high is not None else lo + 100
        step = schema.get("multipleOf")
        if integer:
            lo_i, hi_i = int(-(-lo // 1)), int(hi // 1)
            value: int | float = self.rng.randint(lo_i, hi_i) if self.dynamic else max(lo_i, min(hi_i, 42))
            if step:
                value = int(value // step * step) or int(step)
            return value
        value = round(self.rng.uniform(lo, hi), 2) if self.dynamic else max(lo, min(hi, 42.5))
        if step:
            value = (value // step) * step or step
        return value

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt in _FORMATS:
            text = str(_FORMATS[fmt](self.rng))
        elif schema.get("pattern"):
            text = self.from_pattern(str(schema["pattern"]), name)
        else:
            base = re.sub(r"[^A-Za-z0-9_-]", "", name) or "value"
            text = f"{base}-{self.rng.randint(1, 999)}" if self.dynamic else f"{base}-1"
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None and len(text) > int(high):
            text = text[: int(high)]
        return text

    def from_pattern(self, pattern: str, name: str) -> str:
        candidates = [name, f"{name}1", "abc", "ABC", "abc123", "a1", "1", "A1"]
        for c in candidates:
            if c and re.search(pattern, c):
                return c
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st

        try:
            found: str = find(st.from_regex(pattern, fullmatch=True), lambda s: True,
                              settings=settings(database=None, suppress_health_check=list(HealthCheck)))
            return found
        except Exception:  # an unusual regex: fall back to a plain value, the self-check reports it
            return name or "value"


def generate(document: dict[str, Any], schema: Any, *, seed: int | str = 0, dynamic: bool = False) -> Any:
    """A value for ``schema`` (any ``$ref`` resolved in ``document``).

    With ``dynamic=False`` the value is stable for a given seed and prefers the
    schema's own ``examples``/``default``; with ``dynamic=True`` it varies with the seed.
    """
    rng = random.Random(str(seed))
    return _Generator(document, rng, dynamic).value(schema)
