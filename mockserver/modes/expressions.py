"""Where a callback goes: OpenAPI runtime expressions read from an answered request, and the loopback rule.

:func:`evaluate` gives the value of one expression (``$url``, ``$method``, ``$statusCode``,
``$request.body#/pointer``, ``$request.query.name``, ``$request.header.Name``, ``$request.path.name``,
``$response.body#/pointer``, ``$response.header.Name``) in a :class:`Trigger`; :func:`expand` fills a
callback key (a URL template with ``{expressions}``, or one bare expression); :func:`refused_target`
says why a URL is not called (only loopback, unless a host is allowed).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..pipeline.request import IncomingRequest
from ..spec.pointers import resolve_pointer

__all__ = ["Trigger", "evaluate", "expand", "header_value", "refused_target", "text_value"]

#: the names that always mean this machine
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


@dataclass
class Trigger:
    """What runtime expressions read: the request the mock answered and its answer."""

    url: str
    method: str
    request: IncomingRequest
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    response_media_type: str | None = None

    def request_json(self) -> Any:
        """The request body as a value (JSON, or form fields as validation read them), or None."""
        if self.request.json is not None:
            return self.request.json
        try:
            return json.loads(self.request.body) if self.request.body else None
        except ValueError:
            return None

    def response_json(self) -> Any:
        """The answer's body as JSON, or None."""
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None


def header_value(headers: Any, name: str) -> str | None:
    lower = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == lower), None)


def text_value(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None if value is None else json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(expression: str, trigger: Trigger) -> str | None:
    """The value of one OpenAPI runtime expression (``$url``, ``$request.body#/a/b``...), None when absent."""
    if expression == "$url":
        return trigger.url
    if expression == "$method":
        return trigger.method.upper()
    if expression == "$statusCode":
        return str(trigger.status)
    for prefix, is_request in (("$request.", True), ("$response.", False)):
        if not expression.startswith(prefix):
            continue
        source = expression[len(prefix):]
        if source == "body" or source.startswith("body#"):
            body = trigger.request_json() if is_request else trigger.response_json()
            pointer = source[5:]
            try:
                return text_value(resolve_pointer(body, pointer) if pointer else body)
            except (KeyError, IndexError, TypeError, ValueError):
                return None
        kind, _, name = source.partition(".")
        if kind == "header":
            return header_value(trigger.request.headers if is_request else trigger.response_headers, name)
        if kind == "query" and is_request:
            values = trigger.request.query.get(name)
            return values[0] if values else None
        if kind == "path" and is_request:
            return trigger.request.path_params.get(name)
    return None


def expand(template: str, trigger: Trigger) -> str | None:
    """A callback URL: the key of a callback object with each ``{expression}`` replaced (or a bare
    expression); None when an expression has no value in this trigger."""
    if template.startswith("$") and "{" not in template:
        return evaluate(template, trigger)
    out: list[str] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        expression, closed, rest = after.partition("}")
        if not closed:
            return None
        value = evaluate(expression.strip(), trigger)
        if value is None:
            return None
        out += [before, value]
    out.append(rest)
    return "".join(out)


def refused_target(url: str, allowed_hosts: tuple[str, ...]) -> str | None:
    """Why the mock will not call ``url`` (None: it will): not http(s), or not loopback nor allowed."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError as exc:
        return f"not a URL: {exc}"
    if parts.scheme not in ("http", "https") or not host:
        return "not an http(s) URL"
    if "*" in allowed_hosts or host in {h.lower() for h in allowed_hosts} or host in _LOOPBACK_NAMES:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return f"{host} is not a loopback address (allow it with --callback-host {host})"
