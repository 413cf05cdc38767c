"""Errors in the API's own model: where the operation documents the error status, the mock answers in that shape.

The documented error example (or a value generated from its schema) is filled
with the problem: message fields carry the detail, an echoed HTTP status the real
status. If the filled body no longer fits the schema (a message field with an enum
or a pattern), only the status is filled; if even that does not fit, the answer is
RFC 9457 problem+json. An error documented only in other media types (``text/plain``...) is
answered with its documented example as it is (the violations travel in the violations header); without
one, a ``text/*`` error is the problem's detail (or a value generated from its schema, if that refuses it).
"""

from __future__ import annotations

import html
from typing import Any

from ..config import MockConfig
from ..spec import generate
from .problems import Problem, Reply, Violation, add_violations_header, problem_reply
from .selection import MediaSpec, ResponseSpec, encode, find_status
from .selfcheck import conforms

__all__ = ["error_reply"]

_MESSAGE_FIELDS = ("message", "detail", "detailedMessage", "errorMessage", "error_message", "error_description")
_STATUS_FIELDS = ("status", "code", "statusCode", "status_code")


def error_reply(responses: list[ResponseSpec], problem: Problem, instance: str, config: MockConfig,
                document: dict[str, Any], response: ResponseSpec | None = None, *, found: bool = False) -> Reply:
    """The answer for ``problem``: the API's documented error body, or RFC 9457 problem+json
    (``found``: ``response`` is the documented response of the problem's status, the caller found it already)."""
    if not found:
        response = find_status(responses, problem.status)
    if response is not None and (problem.status < 500 or problem.kind == "injected-fault"):
        media = response.json_media
        if media is not None:
            filled = _fill_error(media, problem, document)
            if filled is not None:
                reply = Reply(problem.status, filled, media.media_type, dict(problem.headers))
                add_violations_header(reply, problem, config)
                return reply
        else:  # only other media types (text/plain...): the documented example as it is, nothing to fill
            example = next((e for m in response.media.values() for e in m.examples if not e.violations), None)
            if example is not None:
                media_type = next(m.media_type for m in response.media.values() if example in m.examples)
                reply = Reply(problem.status, example.body, media_type, dict(problem.headers))
                add_violations_header(reply, problem, config)
                return reply
            text = _text_error(response, problem, document)
            if text is not None:
                reply = Reply(problem.status, text[1], text[0], dict(problem.headers))
                add_violations_header(reply, problem, config)
                return reply
    return problem_reply(problem, instance, config)


def _text_error(response: ResponseSpec, problem: Problem, document: dict[str, Any]) -> tuple[str, bytes] | None:
    """(media type, body) of an error documented only as text without an example (Box's ``default``
    ``text/html``): the detail where the schema takes it, else a value generated from the schema."""
    for media in response.media.values():
        if not media.media_type.startswith("text/"):
            continue
        # the detail echoes the request: escaped where a browser would read it as markup
        value: Any = html.escape(problem.detail) if "html" in media.media_type else problem.detail
        if not conforms(media, value):
            value = generate(document, media.schema or {}, seed="error",
                             check=media.validator.is_valid if media.validator is not None else None)
            if not conforms(media, value):
                continue
        return media.media_type, encode(value, media.media_type, media.schema, document)
    return None


def _fill_error(media: MediaSpec, problem: Problem, document: dict[str, Any]) -> bytes | None:
    base = media.generated.get("error")
    if base is None:
        if media.examples and not media.examples[0].violations:
            value = media.examples[0].value
        else:
            value = generate(document, media.schema or {}, seed="error",
                             check=media.validator.is_valid if media.validator is not None else None)
        base = media.generated["error"] = (value, b"", [])
    template = _filled(base[0], problem)
    if not conforms(media, template):
        # a message field with an enum or pattern refuses free text: keep the example's, fill the status only
        template = _filled(base[0], problem, messages=False)
        if not conforms(media, template):
            return None
    return encode(template, media.media_type, media.schema, document)


def _filled(value: Any, problem: Problem, messages: bool = True, depth: int = 0) -> Any:
    """The error example ``value`` telling ``problem``: message fields (also nested, as in
    ``{requestError: {errorMessage}}``, and a top-level string ``error``) carry its detail, an echoed HTTP
    status its status; a list of error objects (``{errors: [{message}]}``) gets one entry per violation."""
    if not isinstance(value, dict) or depth > 3:
        return value
    out = dict(value)
    for key, field_value in value.items():
        if messages and isinstance(field_value, str) and (key in _MESSAGE_FIELDS or (key == "error" and depth == 0)):
            out[key] = problem.detail
        elif key in _STATUS_FIELDS:
            # an HTTP status echoed in the body (not e.g. a gRPC code) follows the real status
            if isinstance(field_value, int) and not isinstance(field_value, bool) and 100 <= field_value <= 599:
                out[key] = problem.status
            elif isinstance(field_value, str) and field_value.isdigit() and 100 <= int(field_value) <= 599:
                out[key] = str(problem.status)
        elif isinstance(field_value, dict):
            out[key] = _filled(field_value, problem, messages, depth + 1)
        elif isinstance(field_value, list) and field_value and isinstance(field_value[0], dict) and _tells(
                field_value[0]):
            entries: list[Violation | None] = list(problem.violations[:_MAX_ENTRIES]) or [None]
            out[key] = [_filled(field_value[0], _one(problem, v), messages)
                        for v in entries]
    return out


_MAX_ENTRIES = 20


def _tells(item: dict[str, Any]) -> bool:
    """Whether an error object has a message field to fill."""
    return any(isinstance(item.get(k), str) for k in _MESSAGE_FIELDS) or isinstance(item.get("error"), str)


def _one(problem: Problem, violation: Violation | None) -> Problem:
    """``problem`` told by one of its violations (its whole detail when it has none)."""
    if violation is None:
        return problem
    return Problem(problem.kind, str(violation), [violation])
