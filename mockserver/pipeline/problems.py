"""Violations, problems and replies: what went wrong, as data, and the answer that carries it.

One table maps a kind of failure to its HTTP status; :func:`render_problem`
makes the RFC 9457 ``application/problem+json`` body; :class:`Reply` is any
answer as plain data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ..config import MockConfig
from ..spec import CompiledSchema
from .json_text import compact_ascii, spaced

__all__ = [
    "STATUS",
    "Problem",
    "ProblemKind",
    "Reply",
    "Violation",
    "add_violations_header",
    "iter_violations",
    "problem_reply",
    "render_problem",
    "render_violations_header",
]

ProblemKind = Literal[
    "not-found", "method-not-allowed", "unauthorized", "forbidden", "not-acceptable", "invalid-request",
    "unsupported-media-type", "payload-too-large", "undocumented-status", "invalid-response", "no-response",
    "injected-fault", "fault-unsupported", "internal-error", "unavailable",
]

#: failure kind -> (HTTP status, title)
STATUS: dict[ProblemKind, tuple[int, str]] = {
    "not-found": (404, "Not Found"),
    "method-not-allowed": (405, "Method Not Allowed"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "not-acceptable": (406, "Not Acceptable"),
    "invalid-request": (400, "Bad Request"),
    "unsupported-media-type": (415, "Unsupported Media Type"),
    "payload-too-large": (413, "Content Too Large"),
    "undocumented-status": (422, "Unprocessable Content"),
    "invalid-response": (500, "Mock Response Does Not Match The Spec"),
    "no-response": (500, "No Response Documented"),
    "injected-fault": (500, "Injected Fault"),
    "fault-unsupported": (501, "Fault Not Supported By This Server"),
    "internal-error": (500, "Internal Error"),
    "unavailable": (503, "Service Unavailable"),
}

_TYPE_BASE = "https://apitwin.dev/problems/"


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a request or a response.

    Attributes:
        location: ``path``, ``query``, ``header``, ``cookie``, ``body``, ``security`` or ``response``.
        pointer: JSON pointer into the body, or the parameter name for parameters.
        message: what is wrong, one line.
    """

    location: str
    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form used in problem bodies and the violations header."""
        return {"location": self.location, "pointer": self.pointer, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.location} {self.pointer}".strip() if self.pointer else self.location
        return f"{where}: {self.message}"


@dataclass
class Problem(Exception):
    """A failure that ends the request with an error answer.

    ``kind`` is a key of :data:`STATUS`; ``detail`` is one line for people;
    ``violations`` lists every individual error.
    """

    kind: ProblemKind
    detail: str
    violations: list[Violation] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """The HTTP status for this kind of failure."""
        return STATUS[self.kind][0]

    @property
    def title(self) -> str:
        """The short, fixed title of this kind of failure."""
        return STATUS[self.kind][1]

    def __str__(self) -> str:
        return self.detail


def render_problem(problem: Problem, instance: str | None = None) -> dict[str, Any]:
    """The RFC 9457 body for ``problem``."""
    body: dict[str, Any] = {
        "type": _TYPE_BASE + problem.kind,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    if problem.violations:
        body["errors"] = [v.as_dict() for v in problem.violations]
    body.update(problem.extra)
    return body


def render_violations_header(violations: list[Violation]) -> str:
    """All violations as compact JSON for one response header (ASCII only)."""
    return compact_ascii([v.as_dict() for v in violations])


def iter_violations(schema: CompiledSchema, instance: Any, location: str, prefix: str = "") -> Iterator[Violation]:
    """Every schema error of ``instance`` as a :class:`Violation` (pointer prefixed by ``prefix``)."""
    for pointer, message in schema.iter_errors(instance):
        yield Violation(location, prefix + pointer, message)


@dataclass
class Reply:
    """An answer as plain data."""

    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def add_violations_header(reply: Reply, problem: Problem, config: MockConfig) -> None:
    """List the problem's violations (or its detail) in the configured violations header of ``reply``."""
    violations = problem.violations or [Violation("request", "", problem.detail)]
    reply.headers[config.violations_header] = render_violations_header(violations)


def problem_reply(problem: Problem, instance: str, config: MockConfig) -> Reply:
    """RFC 9457 ``application/problem+json`` for ``problem``."""
    body = spaced(render_problem(problem, instance)).encode("utf-8")
    reply = Reply(problem.status, body, "application/problem+json", dict(problem.headers))
    add_violations_header(reply, problem, config)
    return reply
