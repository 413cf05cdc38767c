"""JSON Schema validators compiled once per schema, with every ``$ref`` resolved in the spec.

openapi-core builds its schema validators afresh on every request (see
``bench/``); here each one is built once, at load, and reused.

Two backends, chosen by the document's version:

* OpenAPI 3.1 schemas are JSON Schema 2020-12: they are compiled with
  ``jsonschema-rs`` (already a dependency of schemathesis), about thirty times
  faster than the pure-Python validator on the request path.
* OpenAPI 3.0 schemas (``nullable``, draft-4 style) mean what openapi-core's own
  ``OAS30Validator`` (``openapi-schema-validator``) says, with one keyword swapped:
  ``pattern`` is matched by jsonschema-rs' regex engine (linear time, or bounded
  backtracking for look-arounds and back-references) instead of Python's ``re``, whose
  backtracking held a worker 20 to 30 s on ``^(a+)+$`` and a 29-character string.
  The verdict comes from jsonschema-rs on the schema rewritten in 2020-12 words
  (:mod:`.oas30`); only an invalid value goes through ``OAS30Validator``, for its
  messages (the mock's words for 3.0 specs). A schema the rewrite cannot express
  faithfully (a ``discriminator``, say) stays with ``OAS30Validator`` alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache, partial
from typing import Any, Literal
from urllib.parse import quote, unquote

from .access import Direction, for_direction, mentions_access
from .discriminators import discriminator_names, undecided
from .oas30 import INT_BOUNDS, NO_STRING_CHECK, PREFIX, URI_FORMATS, inline_refs, is_byte, to_2020
from .pointers import escape_token, resolve_pointer
from .reftargets import with_stable_targets

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


_INT_BOUNDS = INT_BOUNDS


def _for_validation(node: Any, int_bounds: bool, root: Any = None) -> Any:
    """A copy of ``node`` as the validators should see it.

    * ``oneOf``/``anyOf`` with a ``discriminator``: each branch that is a ``$ref`` also requires the
      discriminator property to name it (OpenAPI's meaning; without it, branches that overlap, such as
      ``Cat`` and ``Dog`` sharing a base, make every valid payload match several and fail ``oneOf``); the
      ``discriminator`` keyword itself is dropped; a ``oneOf`` the discriminator cannot decide
      (:func:`.discriminators.undecided`) is read as ``anyOf``.
    * without ``int_bounds`` (OpenAPI 3.0), ``nullable: true`` on a schema without ``type`` admits null.
    * with ``int_bounds`` (jsonschema-rs), integer schemas of format int32/int64 carry their range as
      bounds: jsonschema-rs calls custom format checkers for strings only; as bounds, the range applies
      to JSON numbers (9223372036854775808 is not an int64).
    """
    if isinstance(node, list):
        return [_for_validation(item, int_bounds, root) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _for_validation(value, int_bounds, root) for key, value in node.items()}
    discriminator = out.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
        prop = discriminator["propertyName"]
        # its meaning is written into the branches below; OAS30Validator's own keyword would look each value up
        # as a component name, which a branch's own enum (``type: artist`` for ``ArtistObject``) is not
        del out["discriminator"]
        for key in ("oneOf", "anyOf"):
            branches = out.get(key)
            if isinstance(branches, list):
                named = [discriminator_names(discriminator, branch, root) for branch in branches]
                out[key] = [{"allOf": [branch, {"properties": {prop: {"enum": names}}}]} if names else branch
                            for branch, names in zip(branches, named, strict=True)]
                if key == "oneOf" and "anyOf" not in out and undecided(named):
                    out["anyOf"] = out.pop("oneOf")
    if not int_bounds and out.get("nullable") is True and ("type" not in out or "allOf" in out):
        # OpenAPI 3.0 (the Python backend): ``nullable`` beside ``allOf``/``oneOf``/``$ref`` and no ``type``
        # (Asana's ``current_status: {allOf: [{$ref: ProjectStatusResponse}], nullable: true}``) admits null,
        # as schemathesis and most tools read it; openapi-schema-validator only honours it beside ``type``, and
        # even there the ``allOf`` branches refuse null (Plaid's ``employer.address``: type object, allOf, nullable)
        return {"anyOf": [{k: v for k, v in out.items() if k != "nullable"}, {"enum": [None]}]}
    if int_bounds:
        fmt = out.get("format")
        bounds = _INT_BOUNDS.get(fmt) if isinstance(fmt, str) else None
        kind = out.get("type")
        if bounds is not None and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
            out.setdefault("minimum", bounds[0])
            out.setdefault("maximum", bounds[1])
    return out


#: formats jsonschema checks only when an optional package is installed (isoduration, webcolors, rfc3987,
#: jsonpointer, uri-template): never checked for 3.0, so that what the mock accepts does not depend on what
#: else is installed (JupyterHub's dependencies brought them in and 'PT' durations started to be refused)
_OPTIONAL_FORMATS = frozenset({"color", "duration", "iri", "iri-reference", "json-pointer", "relative-json-pointer",
                               "uri-template"})


def _oas30_format_checker() -> Any:
    """openapi-schema-validator's OpenAPI 3.0 format checker plus ``uri``, ``uri-reference`` and ``hostname``
    (which it only checks when optional packages are installed), as jsonschema-rs checks them for 3.1."""
    from openapi_schema_validator import OAS30Validator

    checker: Any = type(OAS30Validator.FORMAT_CHECKER)()
    checker.checkers = {name: check for name, check in OAS30Validator.FORMAT_CHECKER.checkers.items()
                        if name not in _OPTIONAL_FORMATS}
    for name, pattern in URI_FORMATS.items():
        checker.checks(name)(lambda value, pattern=pattern: not isinstance(value, str) or bool(pattern.match(value)))
    # base64 of ASCII only: openapi-schema-validator's own check raises on other text (a 500 for the client)
    checker.checks("byte")(lambda value: not isinstance(value, str) or is_byte(value))
    return checker


def _conforms(checker: Any, name: str, value: str) -> bool:
    """A custom jsonschema-rs format: the 3.0 format checker's own check of ``name``."""
    return bool(checker.conforms(value, name))


def _int_format(name: str) -> Any:
    low, high = _INT_BOUNDS[name]

    def check(value: Any) -> bool:
        return not isinstance(value, int) or low <= value <= high

    return check


class CompiledSchema:
    """A compiled validator: :meth:`iter_errors` yields ``(pointer, message)``.

    ``backend`` "py" with a ``verdict`` (a jsonschema-rs validator of the same schema in 2020-12
    words): the verdict is jsonschema-rs', the messages of an invalid value ``validator``'s
    (built on first use by ``build``, when given instead).
    """

    def __init__(self, backend: Backend, validator: Any, verdict: Any = None, build: Any = None) -> None:
        self.backend = backend
        self._validator = validator
        self._build = build
        #: whether the verdict is jsonschema-rs' on a 3.0 schema rewritten in 2020-12 words
        self.rewritten = verdict is not None
        self.verdict = verdict if verdict is not None else validator
        #: the words for a property the direction forbids (:mod:`.access`), None: no direction
        self.forbidden: str | None = None

    @property
    def validator(self) -> Any:
        """The validator that words the errors."""
        if self._validator is None:
            self._validator = self._build()
        return self._validator

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` validates."""
        return bool(self.verdict.is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[tuple[str, str]]:
        """Every error as (JSON pointer of the failing value, message)."""
        if self.verdict.is_valid(instance):  # the common case, and the cheapest check
            return
        if self.backend == "rs":
            for error in self.validator.iter_errors(instance):
                tokens = [escape_token(str(t)) for t in error.instance_path]
                prop = getattr(error.kind, "property", None)
                if prop is not None and type(error.kind).__name__ == "Required":
                    tokens.append(escape_token(str(prop)))
                yield "".join("/" + t for t in tokens), self._worded(str(error.message))
        else:
            for err in self.validator.iter_errors(instance):
                tokens = [escape_token(str(t)) for t in err.absolute_path]
                if err.validator == "required" and isinstance(err.instance, dict):
                    missing = [p for p in err.validator_value if p not in err.instance]
                    if missing:
                        tokens.append(escape_token(str(missing[0])))
                yield "".join("/" + t for t in tokens), self._worded(err.message)

    def _worded(self, message: str) -> str:
        if self.forbidden is not None and (message.endswith("should not be valid under {}")
                                           or message.startswith("{} is not allowed for")):
            return self.forbidden
        return message


class SchemaCompiler:
    """Builds validators for the schemas of one bundled document, sharing one registry.

    :meth:`at` with a ``direction`` gives the validator of a schema as a request or as a response
    reads it (:mod:`.access`: ``readOnly``/``writeOnly`` with ``required``): a second compiler over
    the document rewritten for that direction, built on first need; a schema that reaches no such
    keyword gets the one validator of both.
    """

    def __init__(self, document: dict[str, Any], _direction: Direction | None = None,
                 _stable: dict[str, Any] | None = None) -> None:
        self.document = document
        self.version = str(document.get("openapi", "3.1.0"))
        self._cache: dict[str, CompiledSchema] = {}
        self._direction = _direction
        #: what the validators read: ``document`` (its references kept valid: .reftargets) for ``_direction``
        self._stable = stable = with_stable_targets(document) if _stable is None else _stable
        self.source = stable if _direction is None else for_direction(stable, _direction)
        self._variants: dict[str, SchemaCompiler] = {}
        self._access: bool | None = None  # whether the document has readOnly/writeOnly: on first need
        self._reaches: dict[str, bool] = {}
        document = self.source
        import jsonschema_rs

        self._rs_cls: Any = jsonschema_rs.Draft202012Validator
        if self.version.startswith("3.0"):
            self.backend: Backend = "py"
            self._py: tuple[Any, Any] | None = None  # class, registry: on first use
            self._inlined: dict[str, Any] = {}  # pointer -> its schema with references inlined
            self._format_checker = checker = _oas30_format_checker()
            checked = [name for name in checker.checkers if name not in NO_STRING_CHECK]
            rewritten = _for_validation(document, int_bounds=False, root=document)
            self._py_document = rewritten
            self._converted, self._unsupported = to_2020(rewritten, checked, plain_required=_direction is not None)
            self._rs_formats: dict[str, Any] = {PREFIX + name: partial(_conforms, checker, name) for name in checked}
        else:
            self.backend = "rs"
            self._converted = _for_validation(document, int_bounds=True, root=document)
            self._rs_formats = {name: _int_format(name) for name in _INT_BOUNDS}
        try:
            self._registry: Any = jsonschema_rs.Registry([(_BASE, self._converted)], retriever=refuse_remote)
        except ValueError:  # e.g. non-text keys in a document given as is: a 3.0 spec stays pure-Python
            if self.backend == "rs":
                raise
            self._registry = None

    def _rs(self, pointer: str) -> Any:
        ref = {"$ref": f"{_BASE}#{quote(pointer, safe='/~')}"}
        return self._rs_cls(ref, registry=self._registry, validate_formats=True, formats=self._rs_formats,
                            retriever=refuse_remote)

    def _python(self, pointer: str) -> Any:
        if self._py is None:
            from jsonschema.validators import extend  # type: ignore[import-untyped]
            from openapi_schema_validator import OAS30Validator
            from referencing import Registry
            from referencing.jsonschema import DRAFT4

            keywords: dict[str, Any] = {"pattern": _linear_pattern}
            if self._direction is not None:
                # the rewrite for the direction dropped the requirements it lifts: the others hold as written
                # (OAS30Validator's own ``required`` skips readOnly and writeOnly names both ways)
                from jsonschema._keywords import required  # type: ignore[import-untyped]

                keywords["required"] = required
            self._py = (extend(OAS30Validator, keywords),
                        Registry().with_resource(_BASE, DRAFT4.create_resource(self._py_document)))
        cls, registry = self._py
        try:
            root = inline_refs(self._py_document, resolve_pointer(self._py_document, pointer), self._inlined)
        except KeyError:
            root = {"$ref": f"{_BASE}#{quote(pointer, safe='/~')}"}
        # the references left (recursion) resolve in the document, as from the pointer itself
        return cls(root, registry=registry, format_checker=self._format_checker,
                   _resolver=registry.resolver(base_uri=_BASE))

    def faithful(self, pointer: str) -> bool:
        """Whether jsonschema-rs judges the 3.0 schema at ``pointer`` as OAS30Validator does (nothing it reaches holds
        what 2020-12 cannot say) within 5,000 nodes (a validator holds its closure: a Stripe response's is 5 MB)."""
        try:
            root = resolve_pointer(self._converted, pointer)
        except KeyError:
            return False
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if len(seen) > 5000:
                return False
            if not isinstance(node, dict):
                stack.extend(node if isinstance(node, list) else ())
                continue
            if id(node) in self._unsupported:
                return False
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    return False
                try:
                    stack.append(resolve_pointer(self._converted, unquote(ref[1:])))
                except KeyError:
                    return False
            stack.extend(v for k, v in node.items() if k not in ("enum", "default", "example", "examples"))
        return True

    def has_access(self) -> bool:
        """Whether any schema of the document is ``readOnly`` or ``writeOnly`` (one walk, on first call)."""
        if self._access is None:
            self._access = mentions_access(self.document)
        return self._access

    def document_for(self, direction: Direction) -> dict[str, Any]:
        """The document as ``direction`` reads it (the document itself when nothing is readOnly/writeOnly):
        generate from it, with the same pointers, what the validators of :meth:`at` accept."""
        return self._variant(direction).source if self.has_access() else self.document

    def _variant(self, direction: Direction) -> SchemaCompiler:
        variant = self._variants.get(direction)
        if variant is None:
            variant = self._variants[direction] = SchemaCompiler(self.document, direction, self._stable)
        return variant

    def _reaches_access(self, pointer: str) -> bool:
        """Whether the schema at ``pointer`` reaches (through ``$ref`` too) a readOnly/writeOnly keyword."""
        found = self._reaches.get(pointer)
        if found is None:
            try:
                root = resolve_pointer(self.document, pointer)
            except KeyError:
                root = None
            found = self._reaches[pointer] = root is not None and _reaches(self.document, root)
        return found

    def at(self, pointer: str, direction: Direction | None = None) -> CompiledSchema:
        """The validator of the schema at JSON ``pointer`` of the document (cached); with ``direction``,
        as a request or a response reads it (class doc)."""
        if direction is not None and self._direction is None and self.has_access() and self._reaches_access(pointer):
            return self._variant(direction).at(pointer)
        compiled = self._cache.get(pointer)
        if compiled is None:
            if self.backend == "rs":
                compiled = CompiledSchema("rs", self._rs(pointer))
            else:
                verdict = None
                if self._registry is not None and self.faithful(pointer):
                    try:
                        verdict = self._rs(pointer)
                    except ValueError:  # a schema jsonschema-rs refuses: the pure-Python validator judges it
                        verdict = None
                if verdict is None:
                    compiled = CompiledSchema("py", self._python(pointer))
                else:
                    compiled = CompiledSchema("py", None, verdict, partial(self._python, pointer))
            if self._direction is not None:
                compiled.forbidden = ("readOnly: the server sets it, a request must not carry it"
                                      if self._direction == "request" else
                                      "writeOnly: a response must not carry it")
            self._cache[pointer] = compiled
        return compiled


def _reaches(document: Any, root: Any) -> bool:
    """Whether ``root`` or a schema it reaches in ``document`` (through references too) is readOnly/writeOnly."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, (dict, list)):
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(node)
            continue
        if node.get("readOnly") is True or node.get("writeOnly") is True or node.get("x-writeOnly") is True:
            return True
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            with contextlib.suppress(KeyError):
                stack.append(resolve_pointer(document, unquote(ref[1:])))
        stack.extend(v for k, v in node.items() if k not in ("enum", "default", "example", "examples"))
    return False
