"""JSON Schema validators compiled once per schema, with every ``$ref`` resolved in the spec.

openapi-core builds its schema validators afresh on every request (see
``bench/``); here each one is built once, at load, and reused.

Two backends, chosen by the document's version:

* OpenAPI 3.1 schemas are JSON Schema 2020-12: they are compiled with
  ``jsonschema-rs`` (already a dependency of schemathesis), about thirty times
  faster than the pure-Python validator on the request path.
* OpenAPI 3.0 schemas (``nullable``, draft-4 style) use openapi-core's own
  ``OAS30Validator`` from ``openapi-schema-validator``, with one keyword swapped:
  ``pattern`` is matched by jsonschema-rs' regex engine (linear time, or bounded
  backtracking for look-arounds and back-references) instead of Python's ``re``, whose
  backtracking held a worker 20 to 30 s on ``^(a+)+$`` and a 29-character string.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from .pointers import escape_token

__all__ = ["CompiledSchema", "SchemaCompiler", "refuse_remote", "schema_types"]

#: the two validator backends: jsonschema-rs (OpenAPI 3.1) and the pure-Python ``jsonschema`` (3.0)
Backend = Literal["rs", "py"]

_BASE = "urn:apitwin:spec"


@lru_cache(maxsize=4096)
def _pattern_checker(pattern: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for({"pattern": pattern})


def _linear_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` keyword, matched by jsonschema-rs' regex engine (no catastrophic backtracking)."""
    if validator.is_type(instance, "string") and not _pattern_checker(pattern).is_valid(instance):
        from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def refuse_remote(uri: str) -> Any:
    """jsonschema-rs's retriever: nothing is ever fetched (a spec's remote ``$ref`` would otherwise be)."""
    raise ValueError(f"{uri}: apitwin fetches nothing remote (only files in the spec's folder may be referenced)")


def schema_types(schema: Any) -> list[str]:
    """The types a schema declares (``type: x`` or ``type: [x, null]``), as written; [] when it declares none."""
    declared = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [str(t) for t in declared]
    return []


#: the range of each integer format
_INT_BOUNDS = {f"int{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (32, 64)}


def _with_int_bounds(node: Any) -> Any:
    """A copy of ``node`` where integer schemas of format int32/int64 carry their range as bounds.

    jsonschema-rs calls custom format checkers for strings only; as bounds, the
    range applies to JSON numbers (9223372036854775808 is not an int64).
    """
    if isinstance(node, list):
        return [_with_int_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_int_bounds(value) for key, value in node.items()}
    fmt = out.get("format")
    bounds = _INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None
    kind = out.get("type")
    if bounds is not None and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        out.setdefault("minimum", bounds[0])
        out.setdefault("maximum", bounds[1])
    return out


def _int_format(name: str) -> Any:
    low, high = _INT_BOUNDS[name]

    def check(value: Any) -> bool:
        return not isinstance(value, int) or low <= value <= high

    return check


class CompiledSchema:
    """A compiled validator: :meth:`iter_errors` yields ``(pointer, message)``."""

    def __init__(self, backend: Backend, validator: Any) -> None:
        self.backend = backend
        self.validator = validator

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` validates."""
        return bool(self.validator.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[tuple[str, str]]:
        """Every error as (JSON pointer of the failing value, message)."""
        if self.validator.is_valid(instance):  # the common case, and the cheapest check
            return
        if self.backend == "rs":
            for error in self.validator.iter_errors(instance):
                tokens = [escape_token(str(t)) for t in error.instance_path]
                prop = getattr(error.kind, "property", None)
                if prop is not None and type(error.kind).__name__ == "Required":
                    tokens.append(escape_token(str(prop)))
                yield "".join("/" + t for t in tokens), str(error.message)
        else:
            for err in self.validator.iter_errors(instance):
                tokens = [escape_token(str(t)) for t in err.absolute_path]
                if err.validator == "required" and isinstance(err.instance, dict):
                    missing = [p for p in err.validator_value if p not in err.instance]
                    if missing:
                        tokens.append(escape_token(str(missing[0])))
                yield "".join("/" + t for t in tokens), err.message


class SchemaCompiler:
    """Builds validators for the schemas of one bundled document, sharing one registry."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.version = str(document.get("openapi", "3.1.0"))
        self._cache: dict[str, CompiledSchema] = {}
        if self.version.startswith("3.0"):
            from jsonschema.validators import extend  # type: ignore[import-untyped]
            from openapi_schema_validator import OAS30Validator
            from referencing import Registry
            from referencing.jsonschema import DRAFT4

            self.backend: Backend = "py"
            self._cls: Any = extend(OAS30Validator, {"pattern": _linear_pattern})
            self._registry: Any = Registry().with_resource(_BASE, DRAFT4.create_resource(document))
        else:
            import jsonschema_rs

            self.backend = "rs"
            self._cls = jsonschema_rs.Draft202012Validator
            self._registry = jsonschema_rs.Registry([(_BASE, _with_int_bounds(document))], retriever=refuse_remote)
            self._formats = {name: _int_format(name) for name in _INT_BOUNDS}

    def at(self, pointer: str) -> CompiledSchema:
        """The validator of the schema at JSON ``pointer`` of the document (cached)."""
        compiled = self._cache.get(pointer)
        if compiled is None:
            ref = {"$ref": f"{_BASE}#{quote(pointer, safe='/~')}"}
            if self.backend == "rs":
                validator = self._cls(ref, registry=self._registry, validate_formats=True, formats=self._formats,
                                      retriever=refuse_remote)
            else:
                validator = self._cls(ref, registry=self._registry, format_checker=self._cls.FORMAT_CHECKER)
            compiled = self._cache[pointer] = CompiledSchema(self.backend, validator)
        return compiled
