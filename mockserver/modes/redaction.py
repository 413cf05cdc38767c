"""Redaction: secrets (credentials, cookies, secret-named fields) replaced by ``[redacted]`` before anything is kept."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "SECRET_NAME", "redact_body", "redact_headers"]

#: names of headers and fields that hold secrets
SECRET_NAME = re.compile(r"pass(word)?|secret|token|credential|api[-_]?key|auth|cookie|session|private", re.I)
REDACTED = "[redacted]"

_SECRET_HEADERS: dict[str, bool] = {}


def _is_secret_header(name: str) -> bool:
    secret = _SECRET_HEADERS.get(name)
    if secret is None:
        secret = _SECRET_HEADERS[name] = bool(SECRET_NAME.search(name))
    return secret


def redact_headers(headers: Any) -> dict[str, str]:
    """Headers (a mapping or (name, value) pairs) with credentials and cookies replaced by ``[redacted]``."""
    items = headers.items() if hasattr(headers, "items") else headers
    return {k: (REDACTED if _is_secret_header(k) else v) for k, v in items}


def redact_body(value: Any) -> Any:
    """A JSON value with every field named like a secret replaced by ``[redacted]``."""
    if isinstance(value, dict):
        return {k: (REDACTED if SECRET_NAME.search(str(k)) else redact_body(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    return value
