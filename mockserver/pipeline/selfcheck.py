"""Self-check, the README's step 5: an answer (the mock's, a recording's, a real server's) checked against the spec.

Examples are checked once, at load (their verdict travels with them); generated
values when they are first generated; stored values (stateful mode) and recorded
or proxied answers when they are served. A mismatch is never served silently:
:func:`selfcheck` turns it into a 500 problem naming the operation, the source of
the body and the failing JSON pointer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ..config import MockConfig
from .problems import Problem, Reply, Violation, iter_violations
from .request import is_json, match_media_type, media_base
from .selection import MediaSpec, ResponseSpec, find_status

__all__ = ["Answer", "check_response", "conforms", "response_violations", "selfcheck"]

log = logging.getLogger("apitwin")


@dataclass
class Answer:
    """An answer chosen for a valid request, before the self-check.

    ``source`` says where the body comes from (``example 'one'``, ``a value generated from the
    schema``, ``the stored resource``); ``violations`` is the self-check's verdict on it.
    """

    status: int
    response: ResponseSpec
    media: MediaSpec | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    source: str = ""
    violations: list[Violation] = field(default_factory=list)


def response_violations(media: MediaSpec | None, value: Any) -> list[Violation]:
    """What is wrong with ``value`` as a body of ``media`` ([] when there is no schema to check)."""
    if media is None or media.validator is None or isinstance(value, bytes):
        return []
    return list(iter_violations(media.validator, value, "response"))


def conforms(media: MediaSpec | None, value: Any) -> bool:
    """Whether ``value`` is a valid body of ``media``."""
    if media is None or media.validator is None or isinstance(value, bytes):
        return True
    return media.validator.is_valid(value)


def selfcheck(answer: Answer, label: str, operation_id: str, config: MockConfig) -> Reply:
    """The reply for ``answer``, or a 500 problem when it does not match the spec (and the check is on)."""
    if answer.violations and config.validate_responses:
        media_type = answer.media.media_type if answer.media is not None else ""
        first = answer.violations[0]
        detail = (f"the mock's {answer.source} for {label} {answer.response.status} {media_type} "
                  f"does not match the spec at {first.pointer or '/'}: {first.message}")
        log.warning("self-check failed: %s", detail)
        raise Problem("invalid-response", detail, answer.violations,
                      extra={"operation": operation_id, "example": answer.source})
    return Reply(answer.status, answer.body, answer.media.media_type if answer.media is not None else None,
                 answer.headers)


def check_response(responses: list[ResponseSpec], status: int, media_type: str | None,
                   body: bytes) -> list[Violation]:
    """What is wrong with a real or recorded answer ``status`` / ``media_type`` / ``body`` per the spec."""
    response = find_status(responses, status)
    if response is None:
        documented = ", ".join(r.status for r in responses)
        return [Violation("response", "status", f"received {status}, documented: {documented}")]
    if not response.media:
        return [] if not body else [Violation("response", "body", f"{status} documents no body")]
    chosen = match_media_type(media_type or "", response.media)
    if chosen is None:
        base = media_base(media_type or "")
        return [Violation("response", "content-type",
                          f"received {base or 'none'}, documented: {', '.join(response.media)}")]
    media = response.media[chosen]
    if not is_json(media.media_type) or media.validator is None:
        return []
    try:
        value = json.loads(body) if body else None
    except ValueError as exc:
        return [Violation("response", "body", f"not JSON: {exc}")]
    return list(iter_violations(media.validator, value, "response"))
