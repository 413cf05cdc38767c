"""One line per failure: what schemathesis found, said as ``Received: ... / Documented: ...`` where it can be.

The renderer reads each failure type's own fields (``status_code``,
``defined_status_codes``, ``missing_headers``...) rather than parsing its
message, so a message worded differently by a new schemathesis release cannot
break it. A failure type it does not know (a custom check, a type added
upstream) falls back to its title and the first line of its message. It never
raises: a failure that cannot be described is reported by its title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MAX_REASON", "describe_failure", "known_failure_types", "one_line_reason"]

#: a reason longer than this is cut (one line in a terminal, a JUnit message attribute)
MAX_REASON = 300


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values) or "nothing"


def _first_line(text: str, skip: str = "") -> str:
    for line in str(text or "").splitlines():
        line = line.strip()
        if line and line != skip:
            return line
    return ""


def _single_line(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_REASON else flat[:MAX_REASON - 1] + "…"


def one_line_reason(title: str, message: str, status: int | None = None) -> str:
    """A failure known only by its title and message (a custom check, an unknown type), in one line.

    ``status`` is the status code the server answered, when known.
    """
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    received = next((line for line in lines if line.startswith("Received")), None)
    documented = next((line for line in lines if line.startswith("Documented")), None)
    if received and documented:
        return _single_line(f"{received} / {documented}")
    first = next((line for line in lines if line != title), "")
    detail = f"Received: {status}" if status is not None else ""
    parts = [p for p in (first, detail) if p]
    return _single_line(f"{title}: {'; '.join(parts)}" if parts else title)


def _renderers() -> list[tuple[type, Callable[[Any, int | None], str]]]:
    """(failure type, renderer) pairs, most specific type first."""
    from schemathesis.core import failures as core
    from schemathesis.openapi import checks as oas

    def status_code(f: Any, status: int | None) -> str:
        return f"Received: {f.status_code} / Documented: {_join(f.defined_status_codes)}"

    def server_error(f: Any, status: int | None) -> str:
        return f"Received: {f.status_code} (a server error)"

    def content_type_server_error(f: Any, status: int | None) -> str:
        return f"Received: {f.status_code} for a request with an undeclared Content-Type / Documented: a 4xx answer"

    def negative(f: Any, status: int | None) -> str:
        return f"Received: {f.status_code} for an invalid request / Documented: {_join(f.expected_statuses)}"

    def positive(f: Any, status: int | None) -> str:
        return f"Received: {f.status_code} for a valid request / Documented: {_join(f.allowed_statuses)}"

    def missing_headers(f: Any, status: int | None) -> str:
        return f"Received: no {_join(f.missing_headers)} header / Documented: required"

    def schema_error(f: Any, status: int | None) -> str:
        where = "/".join(str(p) for p in f.instance_path)
        return f"Received: a body that violates the schema{' at /' + where if where else ''}: {f.validation_message}"

    def missing_content_type(f: Any, status: int | None) -> str:
        return f"Received: no Content-Type header / Documented: {_join(f.media_types)}"

    def malformed_media_type(f: Any, status: int | None) -> str:
        return f"Received: Content-Type {f.actual!r} (malformed) / Documented: {f.defined}"

    def undefined_content_type(f: Any, status: int | None) -> str:
        return f"Received: Content-Type {f.content_type} / Documented: {_join(f.defined_content_types)}"

    def malformed_json(f: Any, status: int | None) -> str:
        return f"Received: a body that is not JSON ({f.validation_message}, line {f.lineno} column {f.colno})"

    def use_after_free(f: Any, status: int | None) -> str:
        answer = f" answered {status}" if status is not None else " still answered"
        return f"{f.usage}{answer} after {f.free} deleted it / Documented: 404 or 410"

    def availability(f: Any, status: int | None) -> str:
        answer = f"answered {status}" if status is not None else "did not find it"
        return f"{f.not_available_with} {answer} right after {f.created_with} created the resource"

    def ignored_auth(f: Any, status: int | None) -> str:
        sent = {"no_auth": "without credentials", "invalid_auth": "with invalid credentials",
                "generated_auth": "with made-up credentials"}.get(str(f.scenario), str(f.scenario))
        answer = f"Received: {status} " if status is not None else "Accepted a request "
        return f"{answer}{sent} / Documented: 401 or 403"

    def object_level(f: Any, status: int | None) -> str:
        return f"{f.peer} received an object that {f.owner} created"

    def missing_header(f: Any, status: int | None) -> str:
        return (f"Received: {f.status_code} without the required header {f.header_name} / "
                f"Documented: {_join(f.expected_statuses)}")

    def unsupported_method(f: Any, status: int | None) -> str:
        if f.failure_reason == "missing_allow_header":
            return f"Received: {f.status_code} to {f.method} without an Allow header / Documented: 405 with Allow"
        return f"Received: {f.status_code} to the undeclared method {f.method} / Documented: 405"

    def allow_mismatch(f: Any, status: int | None) -> str:
        parts = []
        if f.missing_methods:
            parts.append(f"missing {_join(f.missing_methods)}")
        if f.undocumented_methods:
            parts.append(f"undocumented {_join(f.undocumented_methods)}")
        return f"Received: Allow: {f.allow_header} ({'; '.join(parts) or 'different'}) / Documented: the spec's methods"

    def response_time(f: Any, status: int | None) -> str:
        return f"Received: an answer after {f.elapsed:.2f}s / Documented: at most {f.deadline}s"

    def titled(f: Any, status: int | None) -> str:
        return f"{f.title}: {_first_line(f.message, f.title)}"

    return [
        (core.ContentTypeServerError, content_type_server_error),
        (core.ServerError, server_error),
        (core.AcceptedNegativeData, negative),
        (core.MalformedJson, malformed_json),
        (core.ResponseTimeExceeded, response_time),
        (oas.UndefinedStatusCode, status_code),
        (oas.MissingHeaders, missing_headers),
        (oas.JsonSchemaError, schema_error),
        (oas.MissingContentType, missing_content_type),
        (oas.MalformedMediaType, malformed_media_type),
        (oas.ContentDeserializationError, titled),
        (oas.DiscriminatorMismatch, titled),
        (oas.UndefinedContentType, undefined_content_type),
        (oas.UseAfterFree, use_after_free),
        (oas.EnsureResourceAvailability, availability),
        (oas.IgnoredAuth, ignored_auth),
        (oas.ObjectLevelAuthorizationViolation, object_level),
        (oas.RejectedPositiveData, positive),
        (oas.MissingHeaderNotRejected, missing_header),
        (oas.UnsupportedMethodResponse, unsupported_method),
        (oas.AllowHeaderMismatch, allow_mismatch),
    ]


_RENDERERS: list[tuple[type, Callable[[Any, int | None], str]]] = []


def known_failure_types() -> list[type]:
    """Every failure type with a renderer of its own."""
    if not _RENDERERS:
        _RENDERERS.extend(_renderers())
    return [kind for kind, _ in _RENDERERS]


def describe_failure(failure: Any, status: int | None = None) -> str:
    """One line saying what ``failure`` (a schemathesis ``Failure``) found; ``status`` is the answer's, if known."""
    known_failure_types()
    try:
        for kind, render in _RENDERERS:
            if isinstance(failure, kind):
                return _single_line(render(failure, status))
        # a blank title ("\r") says nothing: the failure's type name does
        title = str(getattr(failure, "title", "") or "").strip() or type(failure).__name__
        return one_line_reason(title, str(getattr(failure, "message", "") or ""), status)
    except Exception:  # a failure whose fields are not what this release expected: its title still says it
        raw = getattr(failure, "title", None)
        return _single_line(str(raw).strip() if raw and str(raw).strip() else type(failure).__name__)
