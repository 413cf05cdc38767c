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

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from .pointers import escape_token

__all__ = ["CompiledSchema", "SchemaCompiler", "discriminator_names", "refuse_remote", "schema_types"]

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


_COMPONENT = "#/components/schemas/"


def discriminator_names(discriminator: dict[str, Any], branch: Any) -> list[str]:
    """The discriminator values that select ``branch`` (a ``$ref`` to a component): its ``mapping`` keys,
    and its component name unless a mapping key of that name points elsewhere. [] for an inline branch."""
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    if not isinstance(ref, str):
        return []
    name = ref[len(_COMPONENT):].split("/", 1)[0] if ref.startswith(_COMPONENT) else None
    mapping = discriminator.get("mapping") or {}
    names = [str(k) for k, v in mapping.items() if v == ref or (name is not None and v == name)]
    if name is not None and name not in names and name not in mapping:
        names.append(name)
    return names


def _for_validation(node: Any, int_bounds: bool) -> Any:
    """A copy of ``node`` as the validators should see it.

    * ``oneOf``/``anyOf`` with a ``discriminator``: each branch that is a ``$ref`` also requires the
      discriminator property to name it (OpenAPI's meaning; without it, branches that overlap, such as
      ``Cat`` and ``Dog`` sharing a base, make every valid payload match several and fail ``oneOf``);
      a ``oneOf`` with an inline branch (which no discriminator value names) is read as ``anyOf``.
    * with ``int_bounds`` (jsonschema-rs), integer schemas of format int32/int64 carry their range as
      bounds: jsonschema-rs calls custom format checkers for strings only; as bounds, the range applies
      to JSON numbers (9223372036854775808 is not an int64).
    """
    if isinstance(node, list):
        return [_for_validation(item, int_bounds) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _for_validation(value, int_bounds) for key, value in node.items()}
    discriminator = out.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
        prop = discriminator["propertyName"]
        del out["discriminator"]  # its meaning is below; OAS30Validator would look each value up as a component
        for key in ("oneOf", "anyOf"):
            branches = out.get(key)
            if isinstance(branches, list):
                out[key] = [
                    {"allOf": [branch, {"properties": {prop: {"enum": names}}}]}
                    if (names := discriminator_names(discriminator, branch)) else branch
                    for branch in branches
                ]
                if key == "oneOf" and any(not discriminator_names(discriminator, b) for b in branches) \
                        and "anyOf" not in out:
                    # an inline branch has no name the discriminator could select it by: the payload must
                    # match a branch (OpenAPI: the discriminator picks one; overlapping branches are no error)
                    out["anyOf"] = out.pop("oneOf")
    if int_bounds:
        fmt = out.get("format")
        bounds = _INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None
        kind = out.get("type")
        if bounds is not None and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
            out.setdefault("minimum", bounds[0])
            out.setdefault("maximum", bounds[1])
    return out


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_URI_REFERENCE = re.compile(r"^[^\s<>\"{}|\\^`]*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*\.?$")


def _oas30_format_checker() -> Any:
    """openapi-schema-validator's OpenAPI 3.0 format checker plus ``uri``, ``uri-reference`` and ``hostname``
    (which it only checks when optional packages are installed), as jsonschema-rs checks them for 3.1."""
    from openapi_schema_validator import OAS30Validator

    checker: Any = type(OAS30Validator.FORMAT_CHECKER)()
    checker.checkers = dict(OAS30Validator.FORMAT_CHECKER.checkers)
    for name, pattern in (("uri", _URI), ("uri-reference", _URI_REFERENCE), ("hostname", _HOSTNAME)):
        checker.checks(name)(lambda value, pattern=pattern: not isinstance(value, str) or bool(pattern.match(value)))
    return checker


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
            self._registry: Any = Registry().with_resource(
                _BASE, DRAFT4.create_resource(_for_validation(document, int_bounds=False)))
            self._format_checker = _oas30_format_checker()
        else:
            import jsonschema_rs

            self.backend = "rs"
            self._cls = jsonschema_rs.Draft202012Validator
            self._registry = jsonschema_rs.Registry([(_BASE, _for_validation(document, int_bounds=True))],
                                                    retriever=refuse_remote)
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
                validator = self._cls(ref, registry=self._registry, format_checker=self._format_checker)
            compiled = self._cache[pointer] = CompiledSchema(self.backend, validator)
        return compiled
