"""What is said about a request, without its secrets and bounded: violation messages, problems, log lines.

A violation message may quote the value it refuses (``'sk-live-123' does not match
'^[0-9]+$'``); when that value is a credential or a secret-named field, it must not be
sent back (``sl-violations``, the error body), logged or journaled. The secret values of
one request (:func:`request_secrets`, found by :class:`~.redaction.Redactor`) are
scrubbed from every message about it, and every value a message quotes is cut to the
echo limit (``MockConfig.max_echo_chars``), the whole message to ten times that.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..pipeline.problems import Problem, Violation
from .journal_rows import EnvironHeaders
from .redaction import REDACTED, Redactor

__all__ = ["access_atoms", "clean_problem", "clean_violations", "request_secrets", "scrub", "shorten"]

#: a secret value this long or longer is scrubbed wherever it appears; shorter ones only where quoted
_MIN_BARE = 4
#: at most this many secret values (the longest) are looked for unquoted in a message
_BARE_CHECKED = 256
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


def request_secrets(redactor: Redactor, headers: Any, query: str, body: bytes | None,
                    content_type: str | None, parsed: Any = None,
                    path_params: Mapping[str, str] | None = None) -> frozenset[str]:
    """The secret values one request carries: of secret headers (with the Basic user and password and the
    token inside ``Authorization``), secret query parameters and cookies, secret-named body fields and
    path parameters (``/keys/{apiKey}``).

    ``parsed``: the JSON body as validation read it, when it did (not parsed again).
    """
    found: set[str] = set()
    if isinstance(headers, EnvironHeaders):
        of_headers = _header_secrets(redactor, headers)
    else:
        of_headers = frozenset()
        redactor.headers(headers, found)
    if query:
        redactor.query(query, found)
    if path_params:
        found.update(v for k, v in path_params.items() if redactor.is_secret(k))
    if parsed is not None:
        redactor.collect(parsed, found)
    elif body:
        redactor.body(body, content_type, found)
    if not found:  # the usual case: what the headers carry, worked out once per set of headers
        return of_headers
    found.update(of_headers)
    return frozenset(v for v in found if v and v != REDACTED)


#: the secret values of header sets already seen (clients send the same headers again and again)
_HEADER_SECRETS: dict[tuple[Any, ...], frozenset[str]] = {}
_HEADER_SECRETS_LIMIT = 1024


def _header_secrets(redactor: Redactor, headers: EnvironHeaders) -> frozenset[str]:
    """The secret values of a request's headers, read from its environ, remembered per set of headers."""
    key = (redactor, headers.raw())
    found = _HEADER_SECRETS.get(key)
    if found is None:
        values: set[str] = set()
        redactor.headers(headers.items(), values)
        found = frozenset(v for v in values if v and v != REDACTED)
        if len(_HEADER_SECRETS) >= _HEADER_SECRETS_LIMIT:
            _HEADER_SECRETS.clear()
        _HEADER_SECRETS[key] = found
    return found


def _unquoted(literal: str) -> str:
    """The text a quoted literal of a message stands for (``'it\\'s'``, ``"caf\\u00e9"``)."""
    inner = literal[1:-1]
    if "\\" not in inner:
        return inner
    try:
        return str(json.loads(literal) if literal[0] == '"' else ast.literal_eval(literal))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        try:
            return str(ast.literal_eval(literal))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return inner


def _bare(secrets: frozenset[str]) -> list[str]:
    """The secrets also looked for unquoted: long enough not to be a common word, the longest first, bounded
    (a body may carry 100,000 secret-named fields)."""
    return sorted((v for v in secrets if len(v) >= _MIN_BARE), key=len, reverse=True)[:_BARE_CHECKED]


def _scrub(text: str, secrets: frozenset[str], bare: list[str]) -> str:
    if not secrets or ("\\" not in text and not any(value in text for value in secrets)):
        return text  # no secret in it, escaped or not: nothing to look up

    def quoted(match: re.Match[str]) -> str:
        literal = match.group()
        return literal[0] + REDACTED + literal[-1] if _unquoted(literal) in secrets else literal

    text = _QUOTED.sub(quoted, text)  # each value quoted (as Python or JSON quotes it) looked up: any count
    for value in bare:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``[redacted]``: where it is quoted (as Python or JSON
    would quote it), and unquoted for the longest ones."""
    found = frozenset(secrets)
    return _scrub(text, found, _bare(found))


def shorten(text: str, limit: int) -> str:
    """``text`` with every quoted value longer than ``limit`` characters cut to ``limit`` (an ellipsis marks
    the cut), and the whole cut to ``10 * limit`` characters."""
    if len(text) <= limit:
        return text

    def cut(match: re.Match[str]) -> str:
        literal = match.group()
        return literal if len(literal) <= limit + 2 else literal[:limit + 1] + _ELLIPSIS + literal[-1]

    text = _QUOTED.sub(cut, text)
    return text if len(text) <= 10 * limit else text[:10 * limit] + _ELLIPSIS


def clean_violations(violations: list[Violation], secrets: frozenset[str], echo_limit: int) -> list[Violation]:
    """``violations`` with the secret values scrubbed from their messages and quoted values shortened."""
    return _Cleaner(secrets, echo_limit).violations(violations)


def clean_problem(problem: Problem, secrets: frozenset[str], echo_limit: int) -> Problem:
    """``problem`` (its detail and violations) without the secret values, its quoted values shortened
    (``problem`` itself when nothing in it needs either, as for most invalid requests)."""
    cleaner = _Cleaner(secrets, echo_limit)
    detail = cleaner.text(problem.detail)
    violations = cleaner.violations(problem.violations)
    if detail is problem.detail and violations is problem.violations:
        return problem
    return Problem(problem.kind, detail, violations, problem.headers, problem.extra)


class _Cleaner:
    """Scrubs and shortens the texts of one problem; ``_bare`` is worked out only when a text needs it."""

    __slots__ = ("_bare", "limit", "secrets")

    def __init__(self, secrets: frozenset[str], limit: int) -> None:
        self.secrets = secrets
        self.limit = limit
        self._bare: list[str] | None = None

    def text(self, text: str) -> str:
        secrets = self.secrets
        if secrets and ("\\" in text or any(value in text for value in secrets)):
            if self._bare is None:
                self._bare = _bare(secrets)
            text = _scrub(text, secrets, self._bare)
        return shorten(text, self.limit)

    def violations(self, violations: list[Violation]) -> list[Violation]:
        """``violations`` cleaned: the same list when none changed."""
        out = []
        changed = False
        for v in violations:
            pointer, message = shorten(v.pointer, self.limit), self.text(v.message)
            if pointer is v.pointer and message is v.message:
                out.append(v)
            else:
                out.append(Violation(v.location, pointer, message))
                changed = True
        return out if changed else violations


def access_atoms(redactor: Redactor, atoms: dict[str, Any]) -> dict[str, Any]:
    """An access-log line's fields (gunicorn's atoms) without secrets.

    The user of HTTP Basic (``u``: DSS's API key) is always redacted; the query (``q``, and in the
    request line ``r``, the referrer ``f``) keeps only the values of parameters that are not secret;
    headers (``{name}i``, ``{name}o``) are redacted by name.
    """
    out = dict(atoms)
    if out.get("u") not in (None, "", "-"):
        out["u"] = REDACTED
    if isinstance(out.get("r"), str):
        method, _, rest = out["r"].partition(" ")
        target, space, protocol = rest.partition(" ")
        out["r"] = f"{method} {redactor.target(target)}{space}{protocol}" if rest else out["r"]
    if isinstance(out.get("q"), str):
        out["q"] = redactor.query(out["q"])
    if isinstance(out.get("f"), str):
        out["f"] = redactor.target(out["f"])
    for key, value in out.items():
        if not key.startswith("{") or key[-2:] not in ("}i", "}o", "}e") or not isinstance(value, str):
            continue
        name = key[1:-2]
        if key.endswith("}e"):  # the WSGI environ: HTTP_* headers, the query, the raw target, the user
            if name in ("query_string",):
                out[key] = redactor.query(value)
            elif name in ("raw_uri", "request_uri"):
                out[key] = redactor.target(value)
            elif name == "remote_user" or (name.startswith("http_") and redactor.is_secret(name[5:])):
                out[key] = REDACTED
        elif redactor.is_secret(name):
            out[key] = REDACTED
    return out
