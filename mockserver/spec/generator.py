"""Data generated from a schema when the spec has no example.

The values are readable and valid: types, formats, enums, ``const``, bounds
(``multipleOf`` with floats too), ``required``, ``allOf`` (merged into one
schema, so ``required`` names whose properties sit in another branch are
filled), ``oneOf``/``anyOf`` (with ``discriminator``: the property names the
chosen branch), ``if``/``then``/``else``, ``dependentRequired``/``dependentSchemas``,
``patternProperties``, ``propertyNames``, ``prefixItems``,
``contains``/``minContains``/``maxContains``, ``not``, recursive schemas and
schema-level examples are honoured, and the same seed always gives the same value.

Given ``check`` (the compiled validator's verdict), :func:`generate` tries other
branch, enum and number choices until the value validates (overlapping ``oneOf``
branches, ``not``). (hypothesis-jsonschema, which schemathesis uses, aims at edge
cases instead: its minimal values are empty strings and zeros, and it needs
dereferenced, non-recursive schemas.)
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .access import FORBIDDEN
from .discriminators import discriminator_names
from .generator_strings import FORMATS, fits_names, matches, sample_regex
from .merging import BRANCH_ONLY, merge, merge_all_of
from .pointers import deref
from .schemas import schema_types

__all__ = ["generate", "merge_all_of"]

_MAX_DEPTH = 6

class _Generator:
    def __init__(self, document: dict[str, Any], rng: random.Random, dynamic: bool, vary: bool = False,
                 sparse: bool = False) -> None:
        self.document = document
        self.rng = rng
        self.dynamic = dynamic
        #: a retry after a value that did not validate: branches and enum values chosen at random
        self.vary = vary or dynamic
        self.retry = vary
        #: the last retries: every optional member and array item left out (not left to chance)
        self.sparse = sparse

    def pick(self, options: list[Any]) -> Any:
        return self.rng.choice(options) if self.vary else options[0]

    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        if depth > 4 * _MAX_DEPTH:  # a required property that recurses for ever: no finite value exists
            return None
        schema = merge_all_of(self.document, schema)
        if schema is True or not isinstance(schema, dict):
            return name or "value"
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.pick(list(schema["enum"]))
        if not self.vary:
            examples = schema.get("examples")
            if isinstance(examples, list) and examples:
                return examples[0]
            if "example" in schema:
                return schema["example"]
            if "default" in schema:
                return schema["default"]
        if isinstance(schema.get("if"), dict):
            rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            return self.value({"allOf": [rest, schema["if"], schema.get("then") or {}]}, name, depth)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.branch(schema, key, options, name, depth)
        types = _types(schema)
        kind = self.pick(types) if types else "string"
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer":
            return self.number(schema, integer=True)
        if kind == "number":
            return self.number(schema, integer=False)
        if kind == "boolean":
            return self.rng.random() < 0.5 if self.vary else True
        if kind == "null":
            return None
        return self.string(schema, name)

    def branch(self, schema: dict[str, Any], key: str, options: list[Any], name: str, depth: int) -> Any:
        choice = self.pick(options)
        base = {k: v for k, v in schema.items() if k not in (key, "discriminator", *BRANCH_ONLY)}
        chosen = {"allOf": [base, choice]} if base else choice
        value = self.value(chosen, name, depth + 1)
        if key == "oneOf" and self.retry and isinstance(value, dict):
            self.set_apart(value, chosen, [o for o in options if o is not choice])
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(value, dict) and discriminator.get("propertyName"):
            names = discriminator_names(discriminator, choice, self.document)
            if names:
                value[str(discriminator["propertyName"])] = names[0]
        return value

    def set_apart(self, value: dict[str, Any], choice: Any, others: list[Any]) -> None:
        """Overlapping ``oneOf`` branches (Figma's ``ConnectorEndpoint``: both give only optional members, so
        most values match both): give ``value`` a member the chosen branch (with the schema around it) leaves
        free and another branch types otherwise (``{magnet: 0}``), so that it matches one branch fewer. Done on
        every retry (it was on half of them: 23 retries then missed it about once in 500 seeds)."""
        mine = merge_all_of(self.document, choice)
        if not isinstance(mine, dict) or not _leaves_free(mine):
            return  # members the chosen branch does not leave free
        for other in others:
            theirs = merge_all_of(self.document, other)
            for member, sub in ((theirs.get("properties") or {}) if isinstance(theirs, dict) else {}).items():
                if member in value or member in (mine.get("properties") or {}):
                    continue
                refused = _refused(merge_all_of(self.document, sub))
                if refused:
                    value[member] = refused[0]
                    break

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = list(schema.get("required") or [])
        keys = [k for k in props if k in required or (depth < _MAX_DEPTH - 2 and not (
            self.retry and (self.sparse or self.rng.random() < 0.5)))]  # a retry may leave optional ones out
        keys += [k for k in required if k not in keys]
        dependent = schema.get("dependentSchemas") or {}
        extra_schemas = [dependent[k] for k in keys if isinstance(dependent.get(k), dict)]
        if extra_schemas:
            schema = merge(self.document, [schema, *extra_schemas], 0) or schema
            props = schema.get("properties") or {}
            required = list(schema.get("required") or [])
            keys += [k for k in required if k not in keys]
        dependent_required = schema.get("dependentRequired") or {}
        for key in list(keys):
            for other in dependent_required.get(key) or []:
                if other not in keys:
                    keys.append(other)
        max_props = schema.get("maxProperties")
        if isinstance(max_props, int) and len(keys) > max_props:
            keys = [k for k in keys if k in required][:max(max_props, 0)] or keys[:max_props]
        out: dict[str, Any] = {}
        for key in keys:
            sub = props.get(key, self.member(schema, key))
            sub_schema = deref(self.document, sub)
            if isinstance(sub_schema, dict) and sub_schema.get("writeOnly") and key not in required:
                continue
            if sub_schema is False or sub_schema == FORBIDDEN:  # a member no value may fill (readOnly in a request)
                continue
            out[key] = self.value(sub, key, depth + 1)
        min_props = int(schema.get("minProperties") or 0)
        i = 0
        while len(out) < min_props and i < min_props + 10:
            i += 1
            extra = self.extra_name(schema, i, out)
            if extra is None:
                break
            out[extra] = self.value(self.member(schema, extra), extra, depth + 1)
        return out

    def member(self, schema: dict[str, Any], key: str) -> Any:
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            try:
                if re.search(pattern, key):
                    return sub
            except re.error:
                continue
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return extra
        unevaluated = schema.get("unevaluatedProperties")
        return unevaluated if isinstance(unevaluated, dict) else {}

    def extra_name(self, schema: dict[str, Any], i: int, taken: dict[str, Any]) -> str | None:
        """A name for one more member, allowed by properties, patternProperties and propertyNames."""
        for key in schema.get("properties") or {}:
            if key not in taken:
                return str(key)
        names = merge_all_of(self.document, schema.get("propertyNames") or {})
        names = names if isinstance(names, dict) else {}
        for pattern in schema.get("patternProperties") or {}:
            for candidate in matches(str(pattern), f"key{i}"):
                if candidate not in taken and fits_names(candidate, names):
                    return candidate
        if schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False:
            return None
        if names.get("enum"):
            return next((str(n) for n in names["enum"] if n not in taken), None)
        if isinstance(names.get("pattern"), str):
            return next((c for c in matches(names["pattern"], f"key{i}")
                         if c not in taken and fits_names(c, names)), None)
        if names:
            return str(self.string({**names, "type": "string"}, f"key{i}"))
        return f"key{i}"

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems") or 0)
        high = schema.get("maxItems")
        prefix = schema.get("prefixItems") or []
        items = schema.get("items")
        if isinstance(items, list):  # draft 4 tuple form
            prefix, items = items, schema.get("additionalItems")
        closed = items is False or (items is None and schema.get("unevaluatedItems") is False and prefix)
        contains = schema.get("contains")
        min_contains = int(schema.get("minContains", 1)) if isinstance(contains, dict) else 0
        # a retry may leave the array empty where minItems allows (items that cannot be satisfied: SendGrid's
        # events whose allOf branches give bounce_type disjoint enums)
        one = 1 if depth < _MAX_DEPTH and not (self.retry and (self.sparse or self.rng.random() < 0.3)) else 0
        count = max(low, one, min_contains + len(prefix))
        if self.dynamic and high is None:
            count = max(count, self.rng.randint(one, 3) if one else 0)
        if high is not None:
            count = min(count, int(high))
        out: list[Any] = [self.value(s, name, depth + 1) for s in prefix]
        item_schema = items if isinstance(items, dict) else {}
        singular = name.rstrip("s") or name
        if min_contains:
            both = {"allOf": [item_schema, contains]}
            for _ in range(min_contains):
                out.append(self.value(both, singular, depth + 1))
        seen: list[Any] = list(out)
        attempts = 0
        while not closed and len(out) < count and attempts < count * 5 + 5:
            attempts += 1
            v = self.value(item_schema, singular, depth + 1)
            if schema.get("uniqueItems") and v in seen:
                self.vary = True  # the next item differs
                continue
            seen.append(v)
            out.append(v)
        return out

    def number(self, schema: dict[str, Any], integer: bool) -> int | float:
        low, high = schema.get("minimum"), schema.get("maximum")
        low_open = high_open = False
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if isinstance(ex_low, bool):
            low_open = ex_low
        elif isinstance(ex_low, (int, float)):
            low, low_open = (ex_low, True) if low is None or ex_low >= low else (low, False)
        if isinstance(ex_high, bool):
            high_open = ex_high
        elif isinstance(ex_high, (int, float)):
            high, high_open = (ex_high, True) if high is None or ex_high <= high else (high, False)
        span = 10_000 if self.retry else 100  # a retry reaches further where a side is open
        lo = float(low) if low is not None else (float(high) - span if high is not None else 1.0)
        hi = float(high) if high is not None else lo + span
        step = schema.get("multipleOf")
        target = self.rng.uniform(lo, hi) if self.vary else max(lo, min(hi, 42.5 if not integer else 42))

        def inside(v: float) -> bool:
            return (v > lo if low_open and low is not None else v >= lo) and (
                v < hi if high_open and high is not None else v <= hi)

        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            return self.multiple(step, target, inside, integer)
        if integer:
            lo_i = math.floor(lo) + 1 if low_open and low is not None and float(lo).is_integer() else math.ceil(lo)
            hi_i = math.ceil(hi) - 1 if high_open and high is not None and float(hi).is_integer() else math.floor(hi)
            return max(lo_i, min(hi_i, round(target)))
        value = round(target, 2)
        if not inside(value):
            value = (lo + hi) / 2
        return value

    @staticmethod
    def multiple(step: float, target: float, inside: Callable[[float], bool], integer: bool) -> int | float:
        """A multiple of ``step`` within bounds, near ``target``, that float division confirms exactly."""
        exact = Decimal(str(step))
        start = round(target / step)
        for offset in range(400):
            for k in (start + offset, start - offset):
                value: int | float = int(exact * k) if integer or exact == exact.to_integral_value() else float(
                    exact * k)
                if isinstance(value, float) and value.is_integer() and integer:
                    value = int(value)
                quotient = value / step
                if inside(value) and quotient == int(quotient) and (not integer or float(value).is_integer()):
                    return value
        return int(exact * start) if integer else float(exact * start)

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        high_n = int(high) if high is not None else None
        if schema.get("pattern"):
            return self.from_pattern(str(schema["pattern"]), name, low, high_n)
        if fmt in FORMATS:
            text = str(FORMATS[fmt](self.rng))
        else:
            base = re.sub(r"[^A-Za-z0-9_-]", "", name) or "value"
            text = f"{base}-{self.rng.randint(1, 999)}" if self.vary else f"{base}-1"
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high_n is not None and len(text) > high_n:
            text = text[:high_n]
        return text

    def from_pattern(self, pattern: str, name: str, low: int = 0, high: int | None = None) -> str:
        def fits(c: str) -> bool:
            try:
                return bool(re.search(pattern, c)) and low <= len(c) <= (high if high is not None else len(c))
            except re.error:
                return False

        candidates = [name, f"{name}1", "abc", "ABC", "abc123", "a1", "1", "A1", "value"]
        for c in candidates:
            if c and fits(c):
                return c
        for extra in range(0, max(low, 1) + 1):
            sampled = sample_regex(pattern, extra)
            if sampled is not None and fits(sampled):
                return sampled
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st

        try:
            found: str = find(st.from_regex(pattern, fullmatch=True), fits,
                              settings=settings(database=None, suppress_health_check=list(HealthCheck),
                                                max_examples=500))
            return found
        except Exception:  # an unusual regex: fall back to a plain value, the self-check reports it
            return name or "value"




#: one value of each JSON type but null, and the types it has
_SAMPLES: tuple[tuple[Any, tuple[str, ...]], ...] = ((0, ("integer", "number")), ("x", ("string",)),
                                                      (True, ("boolean",)), ([], ("array",)), ({}, ("object",)))


def _refused(schema: Any) -> list[Any]:
    """A value ``schema`` refuses by its ``type`` (or, typeless, by its ``enum``), in a list; [] when none is sure."""
    if not isinstance(schema, dict):
        return []
    types = schema_types(schema)
    if types:
        return [v for v, kinds in _SAMPLES if not set(kinds) & set(types)][:1]
    listed = schema.get("enum")
    if isinstance(listed, list):
        return [v for v, _ in _SAMPLES if not any(v == x and type(v) is type(x) for x in listed)][:1]
    return []


def _leaves_free(schema: dict[str, Any]) -> bool:
    """Whether ``schema`` lets an object take a member it does not name (with any value)."""
    return not any(schema.get(k) for k in ("patternProperties", "propertyNames", "maxProperties")) and schema.get(
        "additionalProperties", True) in (True, {}) and schema.get("unevaluatedProperties", True) in (True, {})


def _types(schema: dict[str, Any]) -> list[str]:
    """The types to generate for: the declared ones (null last resort), else inferred from the keywords."""
    declared = schema_types(schema)
    if declared:
        usable = [t for t in declared if t != "null"] or ["null"]
        return ["integer" if t == "number" and schema.get("multipleOf") == 1 else t for t in usable]
    if any(k in schema for k in ("properties", "required", "additionalProperties", "patternProperties",
                                 "minProperties", "dependentRequired", "propertyNames")):
        return ["object"]
    if any(k in schema for k in ("items", "prefixItems", "contains", "minItems")):
        return ["array"]
    if any(k in schema for k in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")):
        return ["number"]
    negated = schema.get("not")
    if isinstance(negated, dict) and schema_types(negated):
        return [t for t in ("string", "integer", "object", "array", "boolean")
                if t not in schema_types(negated) and not (t == "integer" and "number" in schema_types(negated))]
    return []


def generate(document: dict[str, Any], schema: Any, *, seed: int | str = 0, dynamic: bool = False,
             check: Callable[[Any], bool] | None = None, attempts: int = 24) -> Any:
    """A value for ``schema`` (any ``$ref`` resolved in ``document``).

    With ``dynamic=False`` the value is stable for a given seed and prefers the
    schema's own ``examples``/``default``; with ``dynamic=True`` it varies with the seed.
    With ``check``, other choices are tried (stably, per seed) until one passes it; when
    none does, the first value is returned (the self-check reports it).
    """
    first = _Generator(document, random.Random(str(seed)), dynamic).value(schema)
    if check is None or check(first):
        return first
    for attempt in range(1, attempts):
        # the last two leave out all that may be left out: an item no choice can satisfy is then never
        # generated (at random, 23 retries missed it about once in 4,000 seeds)
        sparse = attempt >= attempts - 2
        rng = random.Random(f"{seed}:{attempt}")
        value = _Generator(document, rng, dynamic, vary=True, sparse=sparse).value(schema)
        if check(value):
            return value
    return first
