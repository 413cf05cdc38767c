"""A request as plain data, as the HTTP edge hands it inward, and what is read from it.

:class:`IncomingRequest` is filled once at the edge (``http.dispatch``); the pipeline
reads it and nothing else. Media types, the ``Accept`` header and the ``Prefer``
directives (Prism's syntax, and Prism's ``__code``/``__example``/``__dynamic`` query
parameters) are read here too.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "PRISM_QUERY_PARAMETERS",
    "AcceptHeader",
    "Headers",
    "IncomingRequest",
    "InvalidJSON",
    "Prefer",
    "Query",
    "is_json",
    "match_media_type",
    "media_base",
    "parse_accept",
    "parse_prefer",
    "query_items",
    "read_json",
    "split_prism_query",
]

#: query parameters: every value of each name, in the order sent
Query = Mapping[str, list[str]]


class Headers(Protocol):
    """Request headers, read case-insensitively (werkzeug's ``Headers``; a dict of lower-case names in tests)."""

    def get(self, key: str, /) -> str | None: ...

    def __contains__(self, key: str, /) -> bool: ...

    def __getitem__(self, key: str, /) -> str: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


class AcceptHeader(Protocol):
    """A parsed ``Accept`` header (:func:`parse_accept`)."""

    def best_match(self, matches: Iterable[str], /) -> str | None: ...

    def values(self) -> Iterator[str]: ...


def _params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip():
            out[key.strip().lower()] = value.strip().strip('"')
    return out


def _suffix(subtype: str) -> str:
    return subtype.rsplit("+", 1)[1] if "+" in subtype else ""


@dataclass(frozen=True)
class _Range:
    kind: str
    subtype: str
    params: dict[str, str]
    q: float
    raw: str

    def specificity(self, offered: str) -> int | None:
        """How closely this range matches the ``offered`` media type (None: not at all).

        3 exact, 2 the same structured-syntax suffix (``application/json`` and ``application/vnd.x+json``,
        either way round), 1 ``type/*``, 0 ``*/*``. A parameter both sides name must agree.
        """
        base = media_base(offered)
        kind, _, subtype = base.partition("/")
        offered_params = _params(offered)
        if any(k in offered_params and offered_params[k].lower() != v.lower() for k, v in self.params.items()):
            return None
        if self.kind == "*":
            return 0
        if self.kind != kind:
            return None
        if self.subtype == "*":
            return 1
        if self.subtype == subtype:
            return 3
        if self.subtype == _suffix(subtype) or subtype == _suffix(self.subtype) or (
                _suffix(subtype) and _suffix(subtype) == _suffix(self.subtype)):
            return 2
        return None


class Accept:
    """An ``Accept`` header read as RFC 9110 says: media ranges with parameters, quality values, wildcards."""

    def __init__(self, header: str) -> None:
        self.ranges: list[_Range] = []
        for item in header.split(","):
            item = item.strip()
            if not item:
                continue
            base = media_base(item)
            kind, slash, subtype = base.partition("/")
            if not slash and kind != "*":
                continue  # not a media range (``Accept: request``): disregarded, as RFC 9110 allows
            params = _params(item)
            try:
                q = float(params.pop("q", "1"))
            except ValueError:
                q = 1.0
            self.ranges.append(_Range(kind or "*", subtype or "*", params, q, item))

    def values(self) -> Iterator[str]:
        """The media ranges as written."""
        return iter([r.raw for r in self.ranges])

    def quality(self, offered: str) -> tuple[float, int, int] | None:
        """(q, specificity, -position) of the most specific range matching ``offered`` (None: no range does)."""
        best: tuple[int, int, _Range] | None = None
        for index, r in enumerate(self.ranges):
            spec = r.specificity(offered)
            if spec is not None and (best is None or spec > best[0]):
                best = (spec, index, r)
        if best is None or best[2].q <= 0:
            return None
        return best[2].q, best[0], -best[1]

    def best_match(self, offered: Iterable[str]) -> str | None:
        """The ``offered`` media type the client prefers: highest quality, then the most specific match,
        then the client's order; among those a wildcard allows equally, JSON first, then ``offered``'s order."""
        best: tuple[tuple[float, int, int, int, int], str] | None = None
        for position, media_type in enumerate(offered):
            found = self.quality(media_type)
            if found is None:
                continue
            q, spec, order = found
            key = (q, spec, order, 1 if spec < 3 and is_json(media_type) else 0, -position)
            if best is None or key > best[0]:
                best = (key, media_type)
        return best[1] if best is not None else None


def parse_accept(header: str | None) -> Accept | None:
    """The ``Accept`` header, or None when absent, empty or without a media range (anything goes)."""
    if header is None or not header.strip():
        return None
    accept = Accept(header)
    return accept if accept.ranges else None


@dataclass
class IncomingRequest:
    """A request as plain data.

    ``path_params`` carry the spec's parameter names; ``cookies`` are only filled for
    operations that read cookies; ``json`` and ``media_type`` are set by validation.
    """

    method: str
    path: str
    path_params: dict[str, str]
    query: Query
    headers: Headers
    cookies: Mapping[str, str]
    content_type: str | None
    body: bytes
    query_string: bytes = b""
    json: Any = None
    media_type: str | None = None


def query_items(query: Query) -> list[tuple[str, str]]:
    """Every (name, value) pair of a query."""
    return [(name, value) for name, values in query.items() for value in values]


@functools.lru_cache(maxsize=1024)
def media_base(media_type: str) -> str:
    """A media type without its parameters, lower case: ``Application/JSON; charset=utf-8`` -> ``application/json``."""
    return media_type.split(";", 1)[0].strip().lower()


@functools.lru_cache(maxsize=512)  # asked several times a request, of a few media types
def is_json(media_type: str) -> bool:
    """Whether a media type carries JSON (``application/json``, ``application/problem+json``...)."""
    base = media_base(media_type)
    return base == "application/json" or base.endswith("+json") or base == "*/*"


def match_media_type(content_type: str, documented: Iterable[str]) -> str | None:
    """The documented media type (exact, then ``type/*``, then ``*/*``) that ``content_type`` satisfies."""
    base = media_base(content_type)
    lowered = {media_base(d): d for d in documented}
    if base in lowered:
        return lowered[base]
    major = base.split("/", 1)[0]
    if f"{major}/*" in lowered:
        return lowered[f"{major}/*"]
    return lowered.get("*/*")


@dataclass
class Prefer:
    """The ``Prefer`` header's mock directives (Prism's syntax)."""

    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay_ms: int | None = None
    fault: str | None = None

    @property
    def chooses(self) -> bool:
        """Whether the client chose the answer (status, example or a fresh value): stateful mode steps aside."""
        return self.code is not None or self.example is not None or self.dynamic


#: Prism's query-parameter spellings of ``Prefer`` directives (a browser's address bar cannot set headers)
PRISM_QUERY_PARAMETERS = {"__code": "code", "__example": "example", "__dynamic": "dynamic"}


def split_prism_query(query: Query) -> tuple[Query, dict[str, str]]:
    """``query`` without Prism's ``__code``, ``__example`` and ``__dynamic``, and those as ``Prefer`` directives.

    ``?id=7&__code=404`` -> ``({"id": ["7"]}, {"code": "404"})``; of a repeated one, the last value counts.
    The rest of the pipeline (validation, example matching, recordings) never sees them.
    """
    if not any(name in PRISM_QUERY_PARAMETERS for name in query):
        return query, {}
    rest = {name: values for name, values in query.items() if name not in PRISM_QUERY_PARAMETERS}
    directives = {PRISM_QUERY_PARAMETERS[name]: values[-1] for name, values in query.items()
                  if name in PRISM_QUERY_PARAMETERS and values}
    return rest, directives


def parse_prefer(header: str | None, query_directives: Mapping[str, str] | None = None) -> Prefer:
    """``code=404, example=notFound; dynamic=true`` -> :class:`Prefer`.

    ``query_directives`` (from :func:`split_prism_query`) spell the same directives; the
    header wins for a directive it sets (Prism reads the query only without a header).
    """
    prefer = Prefer()
    parts = [f"{key}={value}" for key, value in (query_directives or {}).items()]
    if header:
        parts += header.replace(";", ",").split(",")  # later parts win: the header over the query
    for part in parts:
        key, _, value = part.strip().partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        if key == "code" and value.isdigit():
            prefer.code = int(value)
        elif key == "example" and value:
            prefer.example = value
        elif key == "dynamic":
            prefer.dynamic = value.lower() in ("true", "1", "yes", "")
        elif key == "delay" and value.isdigit():
            prefer.delay_ms = int(value)
        elif key == "fault" and value:
            prefer.fault = value
    return prefer


class InvalidJSON(ValueError):
    """A body that is not JSON as RFC 8259 defines it, or nested deeper than the configured limit."""


def _no_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not a JSON value (RFC 8259 has no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise InvalidJSON(f"the number {text[:40]} is out of range")
    return value


#: an escaped UTF-16 surrogate (``\ud800``): paired ones decode to one character, lone ones are not text
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


#: ``json.loads(text, parse_constant=..., parse_float=...)`` without building a decoder per call
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def read_json(body: bytes, max_depth: int) -> Any:
    """``body`` as JSON data, refusing what RFC 8259 refuses and what nests deeper than ``max_depth``.

    Python's parser accepts ``NaN``, ``Infinity``, numbers that overflow to infinity and
    lone surrogates (``"\\ud800"``); none of them can be served back as JSON or UTF-8, so
    a stored one would break every later answer that contains it.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"not UTF-8 text (byte {exc.start})") from None
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {max_depth} levels") from None
    except InvalidJSON:
        raise
    except ValueError as exc:
        if str(exc).startswith("Exceeds the limit"):  # CPython's guard against quadratic int parsing
            raise InvalidJSON("an integer with more than 4300 digits") from None
        raise InvalidJSON(str(exc)[:200]) from None
    if body.count(b"[") + body.count(b"{") > max_depth and _depth(value) > max_depth:
        raise InvalidJSON(f"nested deeper than {max_depth} levels")
    if _SURROGATE_ESCAPE.search(body):
        _refuse_lone_surrogates(value)
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


def _refuse_lone_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        strings: Iterable[Any] = ()
        if isinstance(node, str):
            strings = (node,)
        elif isinstance(node, dict):
            strings = node.keys()
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidJSON(f"a lone UTF-16 surrogate in {text[:40]!r} is not text") from None
