"""Response selection: documented responses and their examples, indexed once; :func:`select_response` picks one.

The lookup order (also in the README, "How the mock picks a response"):

1. **Status**: ``Prefer: code=NNN`` if given (it must be documented, exactly or as
   ``NXX``/``default``); otherwise ``Prefer: example=NAME``'s status when only one
   status has that example; otherwise the lowest 2xx that has an example, else the
   lowest 2xx, else ``default`` (answered as 200), else the lowest documented status.
2. **Media type**: the documented one the ``Accept`` header prefers (quality
   values, then the most specific range: exact, ``+json``/``+xml`` suffix,
   ``type/*``, ``*/*``; then the header's order); JSON first among those a
   wildcard allows equally, and when there is no ``Accept``.
3. **Example**: ``Prefer: example=NAME``; else, among the named examples, the one
   whose recorded request (``x-apitwin-request``, or the request-body example of
   the same name) matches the incoming request best (path parameters, query,
   body; a mismatch disqualifies); else the first named example; else the media
   type's ``example``; else the schema's ``examples``/``example``; else a value
   generated from the schema, the same for the same request, or a fresh one with
   ``Prefer: dynamic=true``.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..spec import CompiledSchema, Operation, SchemaCompiler, deref, join_pointer, resolve_pointer
from .json_text import compact
from .parameters import value_types
from .problems import Problem, Violation, iter_violations
from .request import AcceptHeader, IncomingRequest, Prefer, is_json, media_base
from .xmlbodies import from_xml, is_xml, to_xml

__all__ = [
    "Example",
    "MediaSpec",
    "ResponseSpec",
    "contains",
    "encode",
    "find_status",
    "index_responses",
    "not_acceptable",
    "select_response",
    "usual_response",
]


@dataclass
class Example:
    """One response example, validated and serialised once at load."""

    name: str
    value: Any
    body: bytes
    matcher: dict[str, Any] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    pointer: str = ""

    def score(self, request: IncomingRequest) -> int:
        """How many recorded request values match; -1 when one does not."""
        score = 0
        for name, expected in (self.matcher.get("path") or {}).items():
            if request.path_params.get(name) != str(expected):
                return -1
            score += 1
        for name, expected in (self.matcher.get("query") or {}).items():
            got = list(request.query.get(name) or [])
            wanted = [str(x) for x in expected] if isinstance(expected, list) else [_text(expected)]
            if isinstance(expected, bool):  # Python clients send True / False
                got = [g.lower() for g in got]
            if got != wanted:
                return -1
            score += 1
        if "body" in self.matcher:
            if request.json is None or not contains(request.json, self.matcher["body"]):
                return -1
            score += 1
        return score


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` has every value of ``expected`` (objects compared key by key, anything else equal)."""
    if actual == expected:
        return True
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return False
    for key, value in expected.items():  # noqa: SIM110 - a loop is faster than all(genexpr) here
        if key not in actual or not contains(actual[key], value):
            return False
    return True


@dataclass
class MediaSpec:
    """A documented media type of a response."""

    media_type: str
    pointer: str
    schema: Any
    validator: CompiledSchema | None
    examples: list[Example] = field(default_factory=list)
    generated: dict[str, tuple[Any, bytes, list[Violation]]] = field(default_factory=dict)


@dataclass
class ResponseSpec:
    """A documented status of an operation."""

    status: str
    pointer: str
    media: dict[str, MediaSpec]
    headers: dict[str, dict[str, Any]]

    def status_code(self, wanted: int | None = None) -> int:
        """The concrete status: ``"404"`` -> 404; ``"4XX"``/``default`` -> ``wanted`` or a sensible one."""
        if self.status.isdigit():
            return int(self.status)
        if wanted is not None:
            return wanted
        if self.status[0].isdigit():
            return int(self.status[0]) * 100
        return 200  # ``default`` chosen as the answer to a valid request (no 2xx documented)

    @cached_property
    def json_media(self) -> MediaSpec | None:
        """The first documented JSON media type: the body of an error answer in the API's own model."""
        return next((m for m in self.media.values() if is_json(m.media_type)), None)

    @cached_property
    def json_first(self) -> list[str]:
        """The documented media types, JSON ones first (what content negotiation prefers when ``Accept`` ties)."""
        return sorted(self.media, key=lambda d: 0 if is_json(d) else 1)

    def has_examples(self) -> bool:
        """Whether any media type has a documented example."""
        return any(m.examples for m in self.media.values())


def encode(value: Any, media_type: str, schema: Any = None, document: dict[str, Any] | None = None) -> bytes:
    """The bytes of a body value for a media type: JSON, XML (by the schema's ``xml`` objects), CSV rows,
    form fields, else the text of a string (or JSON, for a structured value with no better form)."""
    if isinstance(value, bytes):
        return value
    if is_json(media_type):
        return compact(value).encode("utf-8")
    if is_xml(media_type):
        return to_xml(document or {}, schema, value)
    if isinstance(value, str):
        return value.encode("utf-8")
    base = media_base(media_type)
    if base == "application/x-www-form-urlencoded" and isinstance(value, dict):
        return urlencode({k: v if isinstance(v, (str, int, float, list)) else json.dumps(v)
                          for k, v in value.items()}, doseq=True).encode("utf-8")
    if base == "text/csv" and isinstance(value, list):
        out = io.StringIO()
        rows = [r for r in value if isinstance(r, dict)]
        if rows and len(rows) == len(value):
            writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
            writer.writeheader()
            writer.writerows(rows)
        else:
            csv.writer(out).writerows(r if isinstance(r, list) else [r] for r in value)
        return out.getvalue().encode("utf-8")
    if isinstance(value, (int, float, bool)) and base.startswith("text/"):
        return json.dumps(value).encode("utf-8")
    return json.dumps(value).encode("utf-8")


def _at(document: dict[str, Any], pointer: str, default: Any) -> Any:
    try:
        return resolve_pointer(document, pointer)
    except KeyError:
        return default


def index_responses(operation: Operation, compiler: SchemaCompiler, spec_folder: Path) -> list[ResponseSpec]:
    """Every documented response of ``operation`` with examples validated and serialised."""
    document = compiler.document
    answered = compiler.document_for("response")  # the generator's and the encoder's document for ``schema``
    request_examples = _request_body_examples(operation, document)
    out: list[ResponseSpec] = []
    for status, (response, pointer) in operation.responses.items():
        media: dict[str, MediaSpec] = {}
        for media_type, content in (response.get("content") or {}).items():
            content = content if isinstance(content, dict) else {}
            media_pointer = pointer + join_pointer("content", media_type)
            validator = compiler.at(media_pointer + "/schema", "response") if "schema" in content else None
            # the schema as a response reads it (writeOnly properties forbidden), for the generator
            schema = _at(answered, media_pointer + "/schema", content.get("schema")) if "schema" in content else None
            spec = MediaSpec(media_type, media_pointer, schema, validator)
            for name, raw in (content.get("examples") or {}).items():
                example_pointer = media_pointer + join_pointer("examples", name)
                example = deref(document, raw)
                if not isinstance(example, dict):
                    continue
                if "value" in example:
                    value = example["value"]
                elif "externalValue" in example:
                    value = _external(spec_folder, str(example["externalValue"]))
                else:
                    continue
                matcher = dict(example.get("x-apitwin-request") or {})
                if "body" not in matcher and name in request_examples:
                    matcher["body"] = request_examples[name]
                spec.examples.append(_example(name, value, spec, matcher, example_pointer, answered))
            if not spec.examples and "example" in content:
                spec.examples.append(_example("example", content["example"], spec, {}, media_pointer + "/example",
                                              answered))
            if "schema" in content:
                _name_access(spec.examples, compiler, media_pointer + "/schema")
            media[media_type] = spec
        headers = {name: deref(document, h) for name, h in (response.get("headers") or {}).items()}
        out.append(ResponseSpec(status, pointer, media, headers))
    return out


def _name_access(examples: list[Example], compiler: SchemaCompiler, pointer: str) -> None:
    """Say so first when an example breaks its schema only as a response reads it (train-travel's payment
    answer carries the card's writeOnly ``cvc``): the anyOf/oneOf messages around it would not."""
    for example in examples:
        if example.violations and isinstance(example.value, (dict, list)):
            plain = compiler.at(pointer)
            if plain is not compiler.at(pointer, "response") and plain.is_valid(example.value):
                example.violations.insert(0, Violation(
                    "response", "", "valid but for readOnly/writeOnly: a response must not carry writeOnly members "
                                    "and must carry the required readOnly ones"))


def _example(name: str, value: Any, media: MediaSpec, matcher: dict[str, Any], pointer: str,
             document: dict[str, Any]) -> Example:
    return Example(name, value, encode(value, media.media_type, media.schema, document), matcher,
                   _example_violations(value, media, document), pointer)


def _example_violations(value: Any, media: MediaSpec, document: dict[str, Any]) -> list[Violation]:
    """The self-check of an example; an XML example written as text is checked as the value it reads as;
    other text examples of a structured non-JSON body (CSV...) cannot be compared with the schema."""
    validator = media.validator
    if validator is None or isinstance(value, bytes):
        return []
    types = value_types(document, media.schema)
    if isinstance(value, str) and not is_json(media.media_type) and "string" not in types:
        if is_xml(media.media_type) and value.lstrip().startswith("<") and types:
            try:
                value = from_xml(document, media.schema, value.encode("utf-8"))
            except ET.ParseError as exc:
                return [Violation("response", "", f"example is not well-formed XML: {exc}")]
        elif types:
            return []
    return list(iter_violations(validator, value, "response"))


def _external(folder: Path, ref: str) -> bytes:
    path = (folder / ref).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        return b""
    return path.read_bytes()


def _request_body_examples(operation: Operation, document: dict[str, Any]) -> dict[str, Any]:
    body = operation.request_body or {}
    out: dict[str, Any] = {}
    for media_type, content in (body.get("content") or {}).items():
        if not is_json(media_type) or not isinstance(content, dict):
            continue
        for name, raw in (content.get("examples") or {}).items():
            example = deref(document, raw)
            if isinstance(example, dict) and "value" in example:
                out.setdefault(name, example["value"])
    return out


def _status_order(spec: ResponseSpec) -> tuple[int, str]:
    s = spec.status
    if s.isdigit():
        return int(s), s
    if s[0].isdigit():
        return int(s[0]) * 100 + 99, s
    return 999, s


def find_status(responses: list[ResponseSpec], code: int) -> ResponseSpec | None:
    """The documented response for ``code``: exact, then ``NXX``, then ``default``."""
    exact = next((r for r in responses if r.status == str(code)), None)
    if exact is not None:
        return exact
    ranged = next((r for r in responses if r.status.upper() == f"{code // 100}XX"), None)
    if ranged is not None:
        return ranged
    return next((r for r in responses if r.status == "default"), None)


def not_acceptable(label: str, media_types: Iterable[str]) -> Problem:
    """The 406 problem: ``Accept`` allows none of the documented ``media_types`` of operation ``label``."""
    documented = ", ".join(media_types)
    return Problem("not-acceptable", f"Accept does not allow any documented media type of {label}: {documented}",
                   [Violation("header", "Accept", f"documented: {documented}")])


def _negotiate(response: ResponseSpec, accept: AcceptHeader | None) -> MediaSpec | None:
    media = response.media
    if not media:
        return None
    if accept is None or not list(accept.values()):
        return response.json_media or next(iter(media.values()))
    best = accept.best_match(response.json_first)
    if best is None:
        return None
    return media[best]


def usual_response(responses: list[ResponseSpec]) -> ResponseSpec | None:
    """The response of a valid request that prefers none: the lowest 2xx with an example, else the lowest 2xx,
    else ``default`` (as 200), else the lowest documented status."""
    ordered = sorted(responses, key=_status_order)
    success = [r for r in ordered if r.status.startswith("2")]
    chosen = next((r for r in success if r.has_examples()), None) or (success[0] if success else None)
    if chosen is None:
        chosen = next((r for r in ordered if r.status == "default"), None) or (ordered[0] if ordered else None)
    return chosen


#: ``usual`` not given: :func:`select_response` works it out
_WORK_IT_OUT: Any = object()


def select_response(
    operation: Operation, responses: list[ResponseSpec], prefer: Prefer, request: IncomingRequest,
    accept: AcceptHeader | None, *, pass_over_invalid: bool = True, usual: ResponseSpec | None = _WORK_IT_OUT,
) -> tuple[int, ResponseSpec, MediaSpec | None, Example | None]:
    """Pick (status, response, media type, example or None for "generate").

    With ``pass_over_invalid`` (the self-check on), an example that breaks its own schema (the spec
    contradicting itself, warned about at load with its pointer) is never picked unless
    ``Prefer: example=`` names it: the other examples compete, and with none left the value is generated.
    ``usual``: :func:`usual_response` of ``responses``, worked out already.
    """
    chosen: ResponseSpec | None = None
    code: int | None = None
    if prefer.code is not None:
        chosen = find_status(responses, prefer.code)
        if chosen is None:
            documented = ", ".join(r.status for r in responses)
            raise Problem("undocumented-status",
                          f"Prefer: code={prefer.code} is not documented for {operation.label}; "
                          f"documented: {documented}")
        code = prefer.code
    elif prefer.example is not None:
        having = [r for r in responses if any(e.name == prefer.example for m in r.media.values() for e in m.examples)]
        if having:
            chosen = sorted(having, key=_status_order)[0]
    if chosen is None:
        chosen = usual if usual is not _WORK_IT_OUT else usual_response(responses)
    if chosen is None:
        raise Problem("no-response", f"{operation.label} documents no response")
    media = _negotiate(chosen, accept)
    if chosen.media and media is None:
        raise not_acceptable(operation.label, chosen.media)
    status = chosen.status_code(code)
    if media is None:
        return status, chosen, None, None
    if prefer.example is not None:
        example = next((e for e in media.examples if e.name == prefer.example), None)
        if example is None:
            names = ", ".join(e.name for e in media.examples) or "none"
            raise Problem("undocumented-status",
                          f"Prefer: example={prefer.example} is not an example of {operation.label} "
                          f"{chosen.status} {media.media_type}; examples: {names}")
        return status, chosen, media, example
    candidates = [e for e in media.examples if not (pass_over_invalid and e.violations)]
    if prefer.dynamic or not candidates:
        return status, chosen, media, None
    best, best_score = candidates[0], 0
    for example in candidates:
        score = example.score(request) if example.matcher else 0
        if score > best_score:
            best, best_score = example, score
    return status, chosen, media, best
