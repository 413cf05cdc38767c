"""Request validation compiled per operation: parameters, media type and body.

:class:`RequestValidator` is built once per operation at load. Parameters in
every style (:mod:`.parameters`), JSON, form and multipart bodies (:mod:`.forms`)
are read into JSON values, cast by their schema, and checked with validators
compiled once (see :mod:`mockserver.spec.schemas`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from ..config import MockConfig
from ..spec import CompiledSchema, Operation, SchemaCompiler, join_pointer
from .forms import FormReader
from .parameters import RESERVED, StyledValue, cast_scalar, coerce, value_kind, value_types
from .problems import Problem, Violation, iter_violations
from .request import IncomingRequest, InvalidJSON, is_json, match_media_type, media_base, query_items, read_json
from .xmlbodies import from_xml, is_xml
from .yamlbodies import is_yaml, read_yaml

__all__ = ["RequestValidator"]

#: header parameters OpenAPI ignores (DigitalOcean declares ``Accept`` with an enum; clients send ``*/*``)
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_DEFAULT_STYLE = {"path": "simple", "header": "simple", "query": "form", "cookie": "form"}


@dataclass
class _Param:
    name: str
    location: str
    required: bool
    pointer: str
    validator: CompiledSchema | None
    document: dict[str, Any]
    schema: Any
    styled: StyledValue
    content_json: bool = False  # a parameter with ``content``: its value is a JSON document
    allow_empty: bool = False
    forbid_reserved: bool = False
    others: frozenset[str] = frozenset()  # the other query parameters (for exploded form objects)
    #: the schema's types, for a primitive path, header or cookie parameter whose text is its value
    #: (simple or form style): cast without reading the schema again
    scalar_types: list[str] | None = None

    def read(self, request: IncomingRequest) -> tuple[bool, Any, str | None]:
        """(present, value cast by the schema, why it is malformed)."""
        if self.location == "query":
            pairs = query_items(request.query)
            if self.content_json:
                values = [v for k, v in pairs if k == self.name]
                return (True, *_json(values[-1])) if values else (False, None, None)
            present, value = self.styled.from_pairs(self.document, self.schema, pairs, self.others)
            return present, value, None
        if self.location == "path":
            text = request.path_params.get(self.name)
        elif self.location == "header":
            text = request.headers.get(self.name.lower()) if self.name.lower() in request.headers else None
        else:
            text = request.cookies.get(self.name)
        if text is None:
            return False, None, None
        if self.scalar_types is not None:
            return True, cast_scalar(text, self.scalar_types), None
        if self.content_json:
            return (True, *_json(text))
        raw, malformed = self.styled.from_text(str(text))
        if malformed is not None:
            return True, None, malformed
        return True, coerce(self.document, self.schema, raw), None


def _json(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except ValueError as exc:
        return None, f"not valid JSON: {exc}"


#: how many distinct request Content-Types a validator remembers
_MEDIA_TYPES_KEPT = 64


@dataclass
class RequestValidator:
    """Validates requests for one operation; built once, at load."""

    operation: Operation
    params: list[_Param] = field(default_factory=list)
    body_required: bool = False
    body_media: dict[str, CompiledSchema | None] = field(default_factory=dict)
    forms: dict[str, FormReader] = field(default_factory=dict)
    xml_schemas: dict[str, Any] = field(default_factory=dict)  # media type -> schema, for XML bodies
    forms_document: dict[str, Any] = field(default_factory=dict)  # the spec, for the references of those
    max_json_depth: int = MockConfig.max_json_depth
    #: request Content-Type -> the documented media type it is read as (:meth:`_documented_as`)
    _media_types: dict[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def reads_cookies(self) -> bool:
        """Whether validating needs the request's cookies."""
        return any(p.location == "cookie" for p in self.params)

    @classmethod
    def compile(cls, operation: Operation, compiler: SchemaCompiler,
                max_json_depth: int = MockConfig.max_json_depth,
                max_form_parts: int = MockConfig.max_multipart_parts) -> RequestValidator:
        """Build the validator of ``operation`` (JSON bodies nested deeper than ``max_json_depth`` are refused,
        and form bodies of more than ``max_form_parts`` parts or fields)."""
        doc = compiler.document
        params: list[_Param] = []
        for p, pointer in operation.parameters:
            location = str(p.get("in", ""))
            name = str(p.get("name", ""))
            if location == "header" and name.lower() in _IGNORED_HEADERS:
                continue  # OpenAPI: such a definition SHALL be ignored (negotiation and security say what they take)
            style = str(p.get("style") or _DEFAULT_STYLE.get(location, "simple"))
            explode = bool(p.get("explode", style == "form"))
            schema_pointer = pointer + "/schema"
            schema: Any = p.get("schema") or {}
            content_json = False
            content = p.get("content")
            if isinstance(content, dict) and content:
                media_type, media = next(iter(content.items()))
                schema = (media or {}).get("schema") or {} if isinstance(media, dict) else {}
                schema_pointer = pointer + join_pointer("content", media_type, "schema")
                content_json = is_json(media_type)
            has_schema = bool(schema) or "schema" in p
            kind = value_kind(doc, schema)
            plain = location != "query" and not content_json and kind == "primitive" and style in ("simple", "form")
            params.append(_Param(
                name=name,
                location=location,
                required=bool(p.get("required", location == "path")),
                pointer=pointer,
                validator=compiler.at(schema_pointer, "request") if has_schema else None,
                document=doc,
                schema=schema,
                styled=StyledValue(name, style, explode, kind),
                content_json=content_json,
                allow_empty=bool(p.get("allowEmptyValue", False)),
                forbid_reserved=p.get("allowReserved") is False and location == "query",
                scalar_types=value_types(doc, schema) if plain else None,
            ))
        body_media: dict[str, CompiledSchema | None] = {}
        forms: dict[str, FormReader] = {}
        body_required = False
        if operation.request_body is not None:
            body_required = bool(operation.request_body.get("required", False))
            for media_type, media in (operation.request_body.get("content") or {}).items():
                media = media if isinstance(media, dict) else {}
                has_schema = "schema" in media
                body_media[media_type] = (
                    compiler.at(operation.body_pointer + join_pointer("content", media_type, "schema"), "request")
                    if has_schema else None
                )
                base = media_base(media_type)
                if base == "application/x-www-form-urlencoded" or base.startswith("multipart/"):
                    encoding = media.get("encoding")
                    forms[media_type] = FormReader(doc, media.get("schema") or {},
                                                   encoding if isinstance(encoding, dict) else {},
                                                   max_parts=max_form_parts)
        xml_schemas = {m: c.get("schema") for m, c in ((operation.request_body or {}).get("content") or {}).items()
                       if is_xml(m) and isinstance(c, dict)}
        query_names = frozenset(p.name for p in params if p.location == "query")
        for param in params:
            param.others = query_names - {param.name}
        return cls(operation, params, body_required, body_media, forms, xml_schemas, doc,
                   max_json_depth=max_json_depth)

    def validate(self, request: IncomingRequest) -> None:
        """Raise a :class:`Problem` listing every violation; set ``request.json`` for JSON and form bodies."""
        violations: list[Violation] = []
        raw_query: list[tuple[str, str]] | None = None
        for param in self.params:
            present, value, malformed = param.read(request)
            if not present:
                if param.required:
                    violations.append(Violation(param.location, param.name, f"required {param.location} parameter "
                                                f"{param.name!r} is missing"))
                continue
            if malformed is not None:
                violations.append(Violation(param.location, param.name, malformed))
                continue
            if param.location == "query" and value == "" and param.allow_empty:
                continue  # ?name with no value, which allowEmptyValue permits
            if param.forbid_reserved:
                raw_query = raw_query if raw_query is not None else _raw_pairs(request.query_string)
                if any(RESERVED.search(v) for k, v in raw_query if k == param.name):
                    violations.append(Violation(param.location, param.name, "reserved characters must be "
                                                "percent-encoded (allowReserved is false)"))
            if param.validator is not None:
                for v in iter_violations(param.validator, value, param.location):
                    violations.append(Violation(param.location, param.name + v.pointer, v.message))
        media_problem = self._validate_body(request, violations)
        if media_problem is not None:
            raise media_problem
        if violations:
            raise Problem("invalid-request", _summary(violations), violations)

    def _documented_as(self, content_type: str) -> str | None:
        """The documented media type a request's ``content_type`` is read as (:func:`match_media_type`),
        remembered: clients send the same few again and again."""
        try:
            return self._media_types[content_type]
        except KeyError:
            known = match_media_type(content_type, self.body_media)
            if len(self._media_types) >= _MEDIA_TYPES_KEPT:  # the header comes from clients: bounded
                self._media_types.clear()
            self._media_types[content_type] = known
            return known

    def _validate_body(self, request: IncomingRequest, violations: list[Violation]) -> Problem | None:
        if self.operation.request_body is None:
            if request.body:
                return Problem("unsupported-media-type",
                               f"{self.operation.label} takes no request body "
                               f"(got {len(request.body)} bytes of {request.content_type or 'no Content-Type'})",
                               [Violation("body", "", "this operation documents no request body")])
            return None
        documented = self.body_media
        if not request.body:
            content_type = (request.content_type or "").lower()
            empty_form = content_type.startswith("application/x-www-form") and match_media_type(
                content_type, documented) is not None
            missing = not content_type or is_json(content_type) or content_type.startswith(
                ("multipart/", "application/x-www-form"))
            if not empty_form and missing:
                # an empty payload with a binary or text Content-Type is an empty file, not a missing body; with a
                # documented urlencoded type it is the form without fields (Twilio: its required fields are missing)
                if self.body_required:
                    violations.append(Violation("body", "", "request body is required"))
                return None
        if request.content_type:
            chosen = self._documented_as(request.content_type)
            if chosen is None:
                return Problem("unsupported-media-type",
                               f"Content-Type {request.content_type!r} is not accepted; "
                               f"documented: {', '.join(documented) or 'none'}",
                               [Violation("header", "Content-Type", f"expected one of {list(documented)}")])
        else:
            # Real clients (dataikuapi, xminds) send JSON without a Content-Type: accept it as JSON.
            chosen = next((d for d in documented if is_json(d)), next(iter(documented), None))
            if chosen is None:
                return None
        request.media_type = chosen
        validator = self.body_media.get(chosen)
        form = self.forms.get(chosen)
        if form is not None:
            value, malformed = form.read(chosen, request.content_type or chosen, request.body)
            violations.extend(malformed)
            if value is None:
                return None
            request.json = value
        elif (reading := _reading(chosen)) == "xml":
            try:
                request.json = from_xml(self.forms_document, self.xml_schemas.get(chosen), request.body)
            except ET.ParseError as exc:
                violations.append(Violation("body", "", f"body is not well-formed XML: {exc}"))
                return None
        elif reading is not None:
            read, what = (read_json, "valid JSON") if reading == "json" else (read_yaml, "YAML of JSON data")
            try:
                request.json = read(request.body, self.max_json_depth)
            except InvalidJSON as exc:
                violations.append(Violation("body", "", f"body is not {what}: {exc}"))
                return None
        else:
            return None
        if validator is not None:
            violations.extend(iter_violations(validator, request.json, "body"))
        return None


@lru_cache(maxsize=256)
def _reading(media_type: str) -> str | None:
    """How a body of a documented ``media_type`` (not a form) is read: ``xml``, ``json``, ``yaml``, or None (kept as
    it is, unvalidated)."""
    if is_xml(media_type):
        return "xml"
    if is_json(media_type):
        return "json"
    return "yaml" if is_yaml(media_type) else None


def _raw_pairs(query_string: bytes) -> list[tuple[str, str]]:
    """The query's (name, value) pairs with the values still percent-encoded, as sent."""
    text = query_string.decode("latin-1")
    return [(unquote_plus(k), v) for k, _, v in (p.partition("=") for p in text.split("&") if p)]


def _summary(violations: list[Violation]) -> str:
    first = str(violations[0])
    more = len(violations) - 1
    return first if not more else f"{first} (and {more} more)"
