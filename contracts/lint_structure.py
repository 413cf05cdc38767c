"""``openapi-structure`` findings of ``apitwin lint``: openapi-spec-validator's full check, with its findings
unchanged and its schema meta-checks screened by jsonschema-rs.

The library's walk checks every schema of the document against its dialect's meta-schema with the
pure-Python ``jsonschema`` (more than half of the time lint takes). Here each of those checks first
asks jsonschema-rs, against the same meta-schema, with the same format checkers (the library's own
Python functions, so ``pattern`` must compile with Python's ``re`` exactly as before). Only when
jsonschema-rs finds a problem does the library's own check run, so the message is its message.
jsonschema-rs can only be stricter here (it asserts formats the Python checker does not know, like
``uri-reference``): a schema it passes, the library passes too; a schema holding a float where the
meta-schema wants an integer (``minLength: 1.0``) skips the screen, the two libraries could disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .lint_screen import has_integral_float, surely_valid

__all__ = ["iter_structure_errors"]

#: resolved paths jsonschema-path keeps (its default, 128, is far fewer than the walk revisits)
_CACHE = 1 << 20


def iter_structure_errors(document: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What ``mockserver.spec.iter_errors(document, thorough=True)`` yields, sooner.

    A document :func:`contracts.lint_screen.surely_valid` settles yields nothing without the library."""
    if surely_valid(document):
        return
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        cls = get_validator_cls(document)
    except ValidatorDetectError:
        yield ("openapi",), "not an OpenAPI document: no 'openapi: 3.x' field"
        return
    validator = _screened(cls)(SchemaPath.from_dict(document, resolved_cache_maxsize=_CACHE))
    for err in validator.iter_errors():
        path = getattr(err, "absolute_path", None) or getattr(err, "path", None) or ()
        message = str(getattr(err, "message", None) or err)
        yield tuple(path), message.split("\n\nFailed validating")[0]


_SCREENED: dict[type[Any], type[Any]] = {}


def _screened(cls: type[Any]) -> type[Any]:
    """``cls`` whose ``schema`` keyword validator screens each meta-check with jsonschema-rs."""
    if cls not in _SCREENED:
        _SCREENED[cls] = _screen_class(cls)
    return _SCREENED[cls]


def _screen_class(cls: type[Any]) -> type[Any]:
    base: type[Any] = cls.keyword_validators["schema"]

    class ScreenedSchemaCheck(base):  # type: ignore[misc]
        def __init__(self, registry: Any) -> None:
            super().__init__(registry)
            self.visited_schema_ids = _IdList()
            self.meta_checked_schema_ids = _IdList()

        def _validate_schema_meta(self, schema: Any, schema_value: Any) -> Any:
            try:
                checker = self._get_schema_checker(schema, schema_value)
            except ValueError:
                checker = None
            screen = _screen_for(checker)
            if screen is not None and not has_integral_float(schema_value) and screen.is_valid(schema_value):
                return None
            return super()._validate_schema_meta(schema, schema_value)

    return type(f"Screened{cls.__name__}", (cls,), {
        "keyword_validators": {**cls.keyword_validators, "schema": ScreenedSchemaCheck},
    })


class _IdList(list[int]):
    """The library's lists of schema ids already seen, with a set's membership test (theirs is a list's)."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set[int] = set()

    def append(self, value: int) -> None:
        super().append(value)
        self._members.add(value)

    def __contains__(self, value: object) -> bool:
        return value in self._members


def _screen_for(checker: Any) -> Any:
    """The jsonschema-rs twin of the library's meta-check ``checker`` (None: no twin, the library checks)."""
    func = getattr(checker, "func", checker)  # a functools.partial for OpenAPI 3.1 and 3.2
    owner = getattr(func, "__self__", None)
    if owner is None or getattr(func, "__name__", "") != "check_openapi_schema":
        return None
    format_checker = getattr(checker, "keywords", {}).get("format_checker", owner.FORMAT_CHECKER)
    return _screen(owner, format_checker)


_SCREENS: dict[tuple[int, int], Any] = {}


def _screen(owner: type[Any], format_checker: Any) -> Any:
    key = (id(owner), id(format_checker))
    if key not in _SCREENS:
        import jsonschema_rs
        from openapi_schema_validator._specifications import REGISTRY

        resources = [(uri, REGISTRY.contents(uri)) for uri in REGISTRY]
        formats = {name: _conforms(format_checker, name) for name in format_checker.checkers}
        _SCREENS[key] = jsonschema_rs.validator_for(
            owner.META_SCHEMA, formats=formats, validate_formats=True,
            registry=jsonschema_rs.Registry(resources), retriever=_offline)
    return _SCREENS[key]


def _conforms(format_checker: Any, name: str) -> Any:
    return lambda value: format_checker.conforms(value, name)


def _offline(uri: str) -> Any:
    raise ValueError(f"{uri}: the meta-schemas are all local")
