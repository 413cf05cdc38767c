"""Is a document valid OpenAPI? openapi-spec-validator, with its schema checks done by jsonschema-rs at start-up.

openapi-spec-validator checks a document in two passes: the OpenAPI meta-schema
(jsonschema-rs already, milliseconds) and a keyword walk (operationIds unique, path
parameters declared and used, parameters not repeated, every schema valid against its
dialect). The walk checks each schema with the Python ``jsonschema`` and descends into
every sub-schema through ``jsonschema-path``: two of the 2.3 s it takes on the DSS spec.

:func:`iter_errors` runs the same two passes with one change: each schema the walk
meets is checked once against the JSON Schema 2020-12 meta-schema by jsonschema-rs
(formats asserted, so a ``pattern`` must be a regular expression), and its error
carries the document's JSON pointer, ``$ref`` followed to the schema's own place (the
library's gives only the pointer inside the schema). What the walk also did inside
schemas (defaults valid against their schema, ``required`` names defined beside
``allOf``) is left to ``apitwin lint``, which runs the library's full check. Documents
that are not OpenAPI 3.1 with the default dialect get the library's full check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .pointers import deref_at, join_pointer, split_pointer

__all__ = ["iter_errors", "iter_spec_errors"]

#: ``jsonSchemaDialect`` values whose schemas the 2020-12 meta-schema checks (absent: the OAS base dialect)
_DEFAULT_DIALECTS = (
    None,
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://json-schema.org/draft/2020-12/schema",
)


def iter_spec_errors(document: dict[str, Any], *, thorough: bool = True) -> Iterator[tuple[str, str]]:
    """OpenAPI validity errors of a bundled document: (JSON pointer, message).

    ``thorough`` (``apitwin lint``): openapi-spec-validator's full check. Otherwise (start-up)
    the same check with each schema checked by jsonschema-rs (see :func:`iter_errors`).
    """
    for path, message in iter_errors(document, thorough=thorough):
        yield join_pointer(*path), message


def iter_errors(document: dict[str, Any], *, thorough: bool = False) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Errors of a bundled document as (path in the document, message); ``thorough``: the library's full check."""
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        cls = get_validator_cls(document)
    except ValidatorDetectError:
        yield ("openapi",), "not an OpenAPI document: no 'openapi: 3.x' field"
        return
    fast = (not thorough and str(document.get("openapi", "")).startswith("3.1")
            and document.get("jsonSchemaDialect") in _DEFAULT_DIALECTS)
    chosen = _fast_validator_cls(cls, document) if fast else cls if thorough else _located_validator_cls(cls, document)
    validator = chosen(SchemaPath.from_dict(document))
    for err in validator.iter_errors():
        located = getattr(err, "apitwin_path", None)
        path = located or getattr(err, "absolute_path", None) or getattr(err, "path", None) or ()
        message = str(getattr(err, "message", None) or err)
        yield tuple(path), message.split("\n\nFailed validating")[0]  # the rest repeats the schema and value


def _fast_validator_cls(cls: type[Any], document: dict[str, Any]) -> type[Any]:
    import jsonschema_rs
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.validation import keywords
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    # the 2020-12 meta-schema with its formats asserted ("pattern" must be a regular expression)
    meta = jsonschema_rs.Draft202012Validator({"$ref": "https://json-schema.org/draft/2020-12/schema"},
                                              validate_formats=True)

    class MetaSchemaCheck(keywords.KeywordValidator):
        """The walk's ``schema`` keyword: the schema against its meta-schema, by jsonschema-rs, once."""

        def __init__(self, registry: Any) -> None:
            super().__init__(registry)
            self.checked: set[int] = set()

        def __call__(self, schema: SchemaPath, require_properties: bool = True,
                     meta_checked: bool = False) -> Iterator[OpenAPIValidationError]:
            value = schema.read_value()
            if id(value) in self.checked:
                return
            self.checked.add(id(value))
            parts = tuple(schema.parts)  # placed (refs followed) only when there is an error to report
            if not isinstance(value, (dict, bool)):
                yield _located(OpenAPIValidationError(f"{value!r} is not of type 'object', 'boolean'"),
                               _where(document, parts))
                return
            try:
                if isinstance(value, dict) and "$schema" in value:  # another dialect: its own meta-schema
                    jsonschema_rs.meta.validate(value)
                    return
                error = next(iter(meta.iter_errors(value)), None)
                if error is not None:
                    yield _located(OpenAPIValidationError(error.message), (*_where(document, parts),
                                                                           *error.instance_path))
            except jsonschema_rs.ValidationError as exc:
                yield _located(OpenAPIValidationError(exc.message), (*_where(document, parts), *exc.instance_path))
            except jsonschema_rs.ReferencingError as exc:  # a $schema naming an unknown meta-schema
                yield _located(OpenAPIValidationError(f"unknown JSON Schema dialect: {exc}"), _where(document, parts))

    return type(f"Fast{cls.__name__}", (cls,), {
        "keyword_validators": {**cls.keyword_validators, "schema": MetaSchemaCheck},
    })


def _located_validator_cls(cls: type[Any], document: dict[str, Any]) -> type[Any]:
    """``cls`` whose schema errors carry their place in the document (the library's: only inside the schema)."""
    base: type[Any] = cls.keyword_validators["schema"]

    class LocatedSchemaCheck(base):  # type: ignore[misc]
        def __call__(self, schema: Any, require_properties: bool = True,
                     meta_checked: bool = False) -> Iterator[Any]:
            for error in super().__call__(schema, require_properties, meta_checked):
                if getattr(error, "apitwin_path", None) is None:
                    inside = tuple(getattr(error, "path", None) or ())
                    _located(error, (*_where(document, tuple(schema.parts)), *inside))
                yield error

    return type(f"Located{cls.__name__}", (cls,), {
        "keyword_validators": {**cls.keyword_validators, "schema": LocatedSchemaCheck},
    })


def _located(error: Any, path: tuple[Any, ...]) -> Any:
    error.apitwin_path = path
    return error


def _where(document: Any, parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where the node at ``parts`` really is: ``$ref`` on the way (or at the end) followed.

    The walk reaches a component schema first through the operations that use it; its
    errors belong to the component's own lines.
    """
    node: Any = document
    where: tuple[Any, ...] = ()
    for part in parts:
        try:
            child = node[part]
            node, pointer = deref_at(document, child, join_pointer(*where, part))
        except (KeyError, IndexError, TypeError, ValueError):
            return parts
        where = tuple(split_pointer(pointer)) if node is not child else (*where, part)
    return where
