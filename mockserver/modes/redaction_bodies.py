"""Redaction of bodies in their own format: JSON (whole or cut short), forms, multipart and XML.

Used through :class:`~.redaction.Redactor` (``body``, ``json_text``); which names are secret is
decided there, never here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from ..pipeline.request import is_json, media_base

__all__ = ["Redactor", "redact_body_bytes", "redact_json_text"]


class Redactor(Protocol):
    """What this module needs of :class:`mockserver.modes.redaction.Redactor` (which decides what is secret)."""

    max_parts: int

    def is_secret(self, name: str) -> bool: ...

    def may_hold_secret(self, text: str) -> bool: ...

    def query(self, query: str, found: set[str] | None = None) -> str: ...

    def value(self, value: Any, found: set[str] | None = None) -> Any: ...

_REDACTED = "[redacted]"
_REDACTED_JSON = '"[redacted]"'
#: JSON tokens: a string (possibly cut short at the end), one punctuation character, a scalar, blanks
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[{}\[\],:]|[^\s"{}\[\],:]+|\s+', re.S)
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^\s;]+))', re.I)
_PART_NAME = re.compile(rb'\bname\s*=\s*(?:"([^"]*)"|([^\s;]+))', re.I)
_PART_TYPE = re.compile(rb"^content-type\s*:\s*([^\r\n]+)", re.I | re.M)
_XML_ELEMENT = re.compile(r"<(?P<tag>[\w:.-]+)(?P<attrs>[^<>]*)>(?P<text>[^<]*)</(?P=tag)\s*>")
_XML_ATTRIBUTE = re.compile(r"""(?P<name>[\w:.-]+)(?P<eq>\s*=\s*)(?P<q>["'])(?P<value>.*?)(?P=q)""", re.S)


def _key(token: str) -> str:
    try:
        return str(json.loads(token))
    except ValueError:
        return token.strip('"')


def redact_json_text(text: str, is_secret: Callable[[str], bool], found: set[str] | None = None) -> str:
    """JSON text (or a prefix of it) with the value of each secret-named field replaced, as written otherwise.

    ``found``: collects the strings and scalars redacted.
    """
    out: list[str] = []
    last_string: str | None = None  # the previous significant token, when it was a string
    redact_next = False
    depth = 0  # > 0: inside an object or array under a secret name, skipped
    for match in _TOKEN.finditer(text):
        token = match.group()
        if depth:
            if token in ("{", "["):
                depth += 1
            elif token in ("}", "]"):
                depth -= 1
            elif found is not None and token not in (",", ":") and not token.isspace():
                found.add(_key(token))
            if not depth:
                out.append(_REDACTED_JSON)
            continue
        if token.isspace():
            out.append(token)
            continue
        if redact_next:
            redact_next = False
            if token in ("{", "["):
                depth = 1
                continue
            if token not in ("}", "]", ",", ":"):
                if found is not None and token not in ("null", "true", "false"):
                    found.add(_key(token))
                out.append(_REDACTED_JSON)
                last_string = None
                continue
        if token == ":" and last_string is not None and is_secret(_key(last_string)):
            redact_next = True
        last_string = token if token.startswith('"') else None
        out.append(token)
    if depth:
        out.append(_REDACTED_JSON)
    return "".join(out)


def _decoded(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json(redactor: Redactor, body: bytes, found: set[str] | None) -> bytes:
    text = _decoded(body)
    if text is None or not redactor.may_hold_secret(text):
        return body
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # cut short, or too deep for the parser: redacted token by token
        return redact_json_text(text, redactor.is_secret, found).encode("utf-8")
    return json.dumps(redactor.value(value, found), ensure_ascii=False).encode("utf-8")


def _form(redactor: Redactor, body: bytes, found: set[str] | None) -> bytes:
    if body.count(b"&") >= redactor.max_parts:
        return _REDACTED.encode()
    text = body.decode("utf-8", "surrogateescape")
    return redactor.query(text, found).encode("utf-8", "surrogateescape")


def _multipart(redactor: Redactor, body: bytes, content_type: str, found: set[str] | None) -> bytes:
    boundary = _BOUNDARY.search(content_type)
    if boundary is None:
        return body
    delimiter = b"--" + (boundary.group(1) or boundary.group(2)).encode("latin-1", "replace")
    if body.count(delimiter) > redactor.max_parts + 1:  # too many parts to split: nothing of it is kept
        return _REDACTED.encode()
    pieces = body.split(delimiter)
    out = [pieces[0]]
    for piece in pieces[1:]:
        head, sep, rest = piece.partition(b"\r\n\r\n")
        if not sep:
            head, sep, rest = piece.partition(b"\n\n")
        if piece.startswith(b"--") or not sep:
            out.append(piece)
            continue
        ending = b"\r\n" if rest.endswith(b"\r\n") else b"\n" if rest.endswith(b"\n") else b""
        content = rest[:len(rest) - len(ending)]
        named = _PART_NAME.search(head)
        name = (named.group(1) or named.group(2) or b"").decode("utf-8", "replace") if named else None
        if name is not None and redactor.is_secret(name):
            if found is not None and content:
                found.add(content.decode("utf-8", "replace"))
            content = _REDACTED.encode()
        else:
            typed = _PART_TYPE.search(head)
            part_type = typed.group(1).decode("latin-1").strip() if typed else ""
            if not media_base(part_type).startswith("multipart/"):  # no recursion into nested multipart
                content = redact_body_bytes(redactor, content, part_type or None, found)
        out.append(head + sep + content + ending)
    return delimiter.join(out)


def _xml(redactor: Redactor, body: bytes, found: set[str] | None) -> bytes:
    text = _decoded(body)
    if text is None or not redactor.may_hold_secret(text):
        return body

    def attributes(match: re.Match[str]) -> str:
        if redactor.is_secret(match["name"]):
            if found is not None and match["value"]:
                found.add(match["value"])
            return f"{match['name']}{match['eq']}{match['q']}{_REDACTED}{match['q']}"
        return match.group()

    def element(match: re.Match[str]) -> str:
        if not redactor.is_secret(match["tag"].rpartition(":")[2]):
            return match.group()
        if found is not None and match["text"].strip():
            found.add(match["text"].strip())
        return f"<{match['tag']}{match['attrs']}>{_REDACTED}</{match['tag']}>"

    text = _XML_ELEMENT.sub(element, text)
    text = re.sub(r"<[^<>]+>", lambda m: _XML_ATTRIBUTE.sub(attributes, m.group()), text)
    return text.encode("utf-8")


def redact_body_bytes(redactor: Redactor, body: bytes, content_type: str | None,
                      found: set[str] | None = None) -> bytes:
    """``body`` with its secrets replaced, in its own format (see :meth:`Redactor.body`)."""
    if not body:
        return body
    base = media_base(content_type or "")
    if base == "application/x-www-form-urlencoded":
        return _form(redactor, body, found)
    if base.startswith("multipart/"):
        return _multipart(redactor, body, content_type or "", found)
    if base.endswith("/xml") or base.endswith("+xml"):
        return _xml(redactor, body, found)
    if (base and is_json(base)) or body[:64].lstrip()[:1] in (b"{", b"["):
        return _json(redactor, body, found)
    return body
