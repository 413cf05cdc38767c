"""Request validation compiled per operation: parameters, media type and body.

:class:`RequestValidator` is built once per operation at load. Simple parameter
styles and JSON/text/binary bodies are checked with validators compiled once
(see :mod:`mockserver.spec.schemas`); anything else (``deepObject``, ``matrix``,
``label``, parameters with ``content``, form and multipart bodies) is handed
to openapi-core's own request validator, itself built once per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..config import MockConfig
from ..spec import CompiledSchema, Operation, SchemaCompiler, deref, join_pointer, schema_types
from .problems import Problem, Violation, iter_violations
from .request import IncomingRequest, InvalidJSON, is_json, match_media_type, media_base, query_items, read_json
from .validation_openapi_core import core_validator

__all__ = ["RequestValidator"]

#: a validator of what the compiled checks do not cover (openapi-core's): the violations of a request
Fallback = Callable[[IncomingRequest], list[Violation]]

_SIMPLE_STYLES = {("path", "simple"), ("query", "form"), ("header", "simple"), ("cookie", "form")}


def _cast_scalar(value: str, types: list[str]) -> Any:
    for t in types:
        try:
            if t == "integer":
                return int(value)
            if t == "number":
                return float(value) if any(c in value for c in ".eE") else int(value)
            if t == "boolean" and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if t == "null" and value in ("", "null"):
                return None
        except ValueError:
            continue
        if t == "string":
            return value
    return value


@dataclass
class _Param:
    name: str
    location: str
    required: bool
    pointer: str
    validator: CompiledSchema | None
    types: list[str]
    item_types: list[str]
    explode: bool
    others: frozenset[str] = frozenset()  # the other query parameters (for free-form objects)

    def read(self, request: IncomingRequest) -> tuple[bool, Any]:
        if self.location == "query" and "object" in self.types:
            # form + explode object: every query parameter not declared otherwise is a member
            members = {k: v for k, v in query_items(request.query) if k not in self.others}
            return bool(members), members
        if self.location == "path":
            if self.name not in request.path_params:
                return False, None
            raw: Any = request.path_params[self.name]
        elif self.location == "query":
            values = request.query.get(self.name) or []
            if not values:
                return False, None
            if "array" in self.types:
                items = values if self.explode else [p for v in values for p in v.split(",")]
                return True, [_cast_scalar(v, self.item_types) for v in items]
            raw = values[-1]
        elif self.location == "header":
            if self.name.lower() not in request.headers:
                return False, None
            raw = request.headers[self.name.lower()]
        else:
            if self.name not in request.cookies:
                return False, None
            raw = request.cookies[self.name]
        if "array" in self.types:
            return True, [_cast_scalar(v, self.item_types) for v in str(raw).split(",")]
        return True, _cast_scalar(str(raw), self.types)


@dataclass
class RequestValidator:
    """Validates requests for one operation; built once, at load."""

    operation: Operation
    params: list[_Param] = field(default_factory=list)
    body_required: bool = False
    body_media: dict[str, CompiledSchema | None] = field(default_factory=dict)
    fallback: Fallback | None = None  # openapi-core's validator, for what is not compiled here
    max_json_depth: int = MockConfig.max_json_depth

    @property
    def reads_cookies(self) -> bool:
        """Whether validating needs the request's cookies."""
        return self.fallback is not None or any(p.location == "cookie" for p in self.params)

    @classmethod
    def compile(cls, operation: Operation, compiler: SchemaCompiler,
                max_json_depth: int = MockConfig.max_json_depth) -> RequestValidator:
        """Build the validator of ``operation`` (JSON bodies nested deeper than ``max_json_depth`` are refused)."""
        doc = compiler.document
        needs_fallback = False
        params: list[_Param] = []
        for p, pointer in operation.parameters:
            location = str(p.get("in", ""))
            style = str(p.get("style") or ("form" if location in ("query", "cookie") else "simple"))
            explode = bool(p.get("explode", style == "form"))
            if "content" in p or (location, style) not in _SIMPLE_STYLES:
                needs_fallback = True
                continue
            schema = deref(doc, p.get("schema") or {})
            item_schema = deref(doc, schema.get("items") or {}) if isinstance(schema, dict) else {}
            if "object" in schema_types(schema) and not (location == "query" and style == "form" and explode):
                needs_fallback = True
                continue
            params.append(
                _Param(
                    name=str(p.get("name", "")),
                    location=location,
                    required=bool(p.get("required", location == "path")),
                    pointer=pointer,
                    validator=compiler.at(pointer + "/schema") if "schema" in p else None,
                    types=schema_types(schema),
                    item_types=schema_types(item_schema),
                    explode=explode,
                )
            )
        body_media: dict[str, CompiledSchema | None] = {}
        body_required = False
        if operation.request_body is not None:
            body_required = bool(operation.request_body.get("required", False))
            for media_type, media in (operation.request_body.get("content") or {}).items():
                base = media_base(media_type)
                if base == "application/x-www-form-urlencoded" or base.startswith("multipart/"):
                    needs_fallback = True
                    body_media[media_type] = None
                    continue
                has_schema = isinstance(media, dict) and "schema" in media
                body_media[media_type] = (
                    compiler.at(operation.body_pointer + join_pointer("content", media_type, "schema"))
                    if has_schema else None
                )
        query_names = frozenset(p.name for p in params if p.location == "query")
        for param in params:
            if param.location == "query" and "object" in param.types:
                param.others = query_names - {param.name}
        validator = cls(operation, params, body_required, body_media, max_json_depth=max_json_depth)
        if needs_fallback:
            validator.fallback = core_validator(operation, doc)
        return validator

    def validate(self, request: IncomingRequest) -> None:
        """Raise a :class:`Problem` listing every violation; set ``request.json`` for JSON bodies."""
        violations: list[Violation] = []
        for param in self.params:
            present, value = param.read(request)
            if not present:
                if param.required:
                    violations.append(Violation(param.location, param.name, f"required {param.location} parameter "
                                                f"{param.name!r} is missing"))
                continue
            if param.validator is not None:
                for v in iter_violations(param.validator, value, param.location):
                    violations.append(Violation(param.location, param.name + v.pointer, v.message))
        media_problem = self._validate_body(request, violations)
        if media_problem is not None:
            raise media_problem
        if self.fallback is not None:
            # openapi-core also checks the simple parameters compiled above, with its own rules
            # (it refuses an empty query value): the compiled verdict on those stands
            compiled = {(p.location, p.name) for p in self.params}
            violations.extend(v for v in self.fallback(request)
                              if (v.location, v.pointer.split("/", 1)[0]) not in compiled)
        if violations:
            raise Problem("invalid-request", _summary(violations), violations)

    def _validate_body(self, request: IncomingRequest, violations: list[Violation]) -> Problem | None:
        if self.operation.request_body is None:
            return None
        documented = list(self.body_media)
        if not request.body and (not request.content_type or is_json(request.content_type)
                                 or request.content_type.lower().startswith(("multipart/", "application/x-www-form"))):
            # an empty payload with a binary or text Content-Type is an empty file, not a missing body
            if self.body_required:
                violations.append(Violation("body", "", "request body is required"))
            return None
        if request.content_type:
            chosen = match_media_type(request.content_type, documented)
            if chosen is None:
                return Problem("unsupported-media-type",
                               f"Content-Type {request.content_type!r} is not accepted; "
                               f"documented: {', '.join(documented) or 'none'}",
                               [Violation("header", "Content-Type", f"expected one of {documented}")])
        else:
            # Real clients (dataikuapi, xminds) send JSON without a Content-Type: accept it as JSON.
            chosen = next((d for d in documented if is_json(d)), documented[0] if documented else None)
            if chosen is None:
                return None
        request.media_type = chosen
        if not is_json(chosen):
            return None
        try:
            request.json = read_json(request.body, self.max_json_depth)
        except InvalidJSON as exc:
            violations.append(Violation("body", "", f"body is not valid JSON: {exc}"))
            return None
        validator = self.body_media.get(chosen)
        if validator is not None:
            violations.extend(iter_violations(validator, request.json, "body"))
        return None


def _summary(violations: list[Violation]) -> str:
    first = str(violations[0])
    more = len(violations) - 1
    return first if not more else f"{first} (and {more} more)"
