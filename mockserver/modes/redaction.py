"""Redaction: the one home of "what is secret", applied by every sink before anything is kept or shown.

A name is secret when it is one of the names a :class:`Redactor` was given (every
security scheme's header, query and cookie names of the loaded specs, and the names
configured with ``--redact``), or when it is named like a secret (:func:`is_secret_name`:
``Authorization``, ``Cookie``, ``password``, ``client_secret``, ``access_token``,
``apiKey``, ``X-Api-Key``, ...). The values of secret names are replaced by
``[redacted]`` in headers, query strings, and in every body the mock can parse:
JSON (with or without a Content-Type), form-urlencoded, multipart parts and XML.

Sinks: the journal (:mod:`.journal`), recordings (:mod:`.recordings`), log lines and
access-log lines, and violation messages (:mod:`.redaction_messages`: the secret values
of one request are scrubbed from what is said about it).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote_plus

from .redaction_bodies import redact_body_bytes, redact_json_text

__all__ = ["REDACTED", "Redactor", "is_secret_name", "may_hold_secret", "redact_body", "scheme_names"]

REDACTED = "[redacted]"
_QUOTED_REDACTED = quote(REDACTED)
#: squashed names (lower case, letters and digits only) that contain one of these are secret
_STRONG = ("password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "apiticket",
           "privatekey", "accesskey", "sessionid", "authorization", "cookie", "bearer")
#: names with one of these as a word (``db_pass``, ``basicAuth``, ``session``) are secret
_WORDS = frozenset({"pass", "pwd", "auth", "session", "jwt"})
#: one of these is in the text of anything that has a secret-named field (a quick test before parsing a body):
#: plain words, then (only when ``key`` or ``ticket`` is there) their compounds with any separator
_FRAGMENTS = ("pass", "pwd", "secret", "token", "credential", "auth", "session", "jwt", "cookie", "bearer")
_SEP = r"(?:[\W_]|%5f|%2d){0,3}"
_COMPOUNDS = rf"api{_SEP}(?:key|ticket)|private{_SEP}key|access{_SEP}key"
_COMPOUND_TEST = re.compile(_COMPOUNDS)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
#: the most parts of a multipart body (or fields of a form) redaction splits; beyond, the body is dropped whole
DEFAULT_MAX_PARTS = 1000


def _squash(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def is_secret_name(name: str) -> bool:
    """Whether ``name`` (a header, query parameter, cookie, form field or JSON key) is named like a secret."""
    squashed = _squash(name)
    if any(strong in squashed for strong in _STRONG):
        return True
    return any(word.lower() in _WORDS for word in _WORD.findall(name))


def may_hold_secret(text: str, names: Iterable[str] = ()) -> bool:
    """Whether ``text`` may name a secret (a quick test before parsing a body; ``names``: more, in lower case)."""
    lower = text.lower()
    if any(fragment in lower for fragment in _FRAGMENTS) or any(name in lower for name in names):
        return True
    return ("key" in lower or "ticket" in lower) and _COMPOUND_TEST.search(lower) is not None


class Redactor:
    """Redacts secrets from what a mock or a proxy keeps and shows.

    ``names``: more secret names, matched whole and case-insensitively (with or without
    separators: ``X-Api-Ticket`` also matches ``x_api_ticket``): the spec's security
    scheme names and the configured ones. ``max_parts``: a multipart or form body with
    more parts than this is not split but dropped whole.
    """

    def __init__(self, names: Iterable[str] = (), max_parts: int = DEFAULT_MAX_PARTS) -> None:
        self.names = frozenset(n.lower() for n in names if n)
        self._squashed = frozenset(_squash(n) for n in self.names) - {""}
        self.max_parts = max_parts
        self._cache: dict[str, bool] = {}
        #: the given names the quick test of :func:`may_hold_secret` does not already find, squashed
        self._unusual = tuple(sorted({_squash(n) for n in self.names if not is_secret_name(n)} - {""}))

    def __repr__(self) -> str:
        return f"Redactor({sorted(self.names)!r})"

    def is_secret(self, name: str) -> bool:
        """Whether values named ``name`` are secret."""
        secret = self._cache.get(name)
        if secret is None:
            secret = is_secret_name(name) or name.lower() in self.names or _squash(name) in self._squashed
            if len(self._cache) < 4096:  # names come from clients: the cache stays bounded
                self._cache[name] = secret
        return secret

    def may_hold_secret(self, text: str) -> bool:
        """Whether ``text`` may contain a secret-named field (quick, before parsing): every secret name
        matches this test (the configured ones with any separators between their words)."""
        if may_hold_secret(text):
            return True
        if not self._unusual:
            return False
        squashed = _squash(text)  # names match with any separators (X-Internal, x_internal)
        return any(name in squashed for name in self._unusual)

    # headers and queries ---------------------------------------------------------------------------------

    def headers(self, headers: Any, found: set[str] | None = None) -> dict[str, str]:
        """Headers (a mapping or (name, value) pairs) with the values of secret ones replaced.

        ``found``: collects the secret values (and the credentials inside ``Authorization``: a
        Basic user and password, a token), to scrub them from what is said about the request.
        """
        items = headers.items() if hasattr(headers, "items") else headers
        out = {}
        for k, v in items:
            secret = self.is_secret(k)
            if secret:
                out[k] = REDACTED
                if found is not None:
                    _collect_header(self, k, str(v), found)
            elif isinstance(v, str) and "=" in v and ("?" in v or "#" in v):  # a URL (Referer, Location)
                out[k] = self.target(v, found)
            else:
                out[k] = v
        return out

    def query(self, query: str, found: set[str] | None = None) -> str:
        """A raw query string (``a=1&api_key=x``) with the values of secret parameters replaced."""
        if not query:
            return query
        parts = []
        for part in query.split("&"):
            name, equals, value = part.partition("=")
            secret = equals and self.is_secret(unquote_plus(name))
            parts.append(f"{name}={_QUOTED_REDACTED}" if secret else part)
            if secret and found is not None and value:
                found.update((value, unquote_plus(value)))
        return "&".join(parts)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """(name, value) pairs with the values of secret names replaced."""
        return [(k, REDACTED if self.is_secret(k) else v) for k, v in pairs]

    def target(self, target: str, found: set[str] | None = None) -> str:
        """A request target or URL (``/path?api_key=x``) with its query redacted, and its fragment when it
        holds parameters too (``#access_token=x``, OAuth's implicit flow)."""
        base, hash_mark, fragment = target.partition("#")
        path, mark, query = base.partition("?")
        return path + mark + self.query(query, found) + hash_mark + self.query(fragment, found)

    # bodies ----------------------------------------------------------------------------------------------

    def value(self, value: Any, found: set[str] | None = None) -> Any:
        """A JSON value with the value of every secret-named field replaced (iterative: any depth).

        ``found``: collects the secret values (the scalars under secret names).
        """
        if not isinstance(value, dict | list):
            return value
        root: Any = {} if isinstance(value, dict) else []
        stack: list[tuple[Any, Any]] = [(value, root)]
        while stack:
            source, copy = stack.pop()
            items = source.items() if isinstance(source, dict) else enumerate(source)
            for k, v in items:
                if isinstance(source, dict) and self.is_secret(str(k)):
                    child: Any = REDACTED
                    if found is not None:
                        _collect_scalars(v, found)
                elif isinstance(v, dict | list):
                    child = {} if isinstance(v, dict) else []
                    stack.append((v, child))
                else:
                    child = v
                if isinstance(copy, dict):
                    copy[k] = child
                else:
                    copy.append(child)
        return root

    def collect(self, value: Any, found: set[str]) -> None:
        """Add to ``found`` the values of the secret-named fields of a JSON value (nothing copied)."""
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for k, v in item.items():
                    if self.is_secret(str(k)):
                        _collect_scalars(v, found)
                    elif isinstance(v, dict | list):
                        stack.append(v)
            elif isinstance(item, list):
                stack.extend(v for v in item if isinstance(v, dict | list))

    def json_text(self, text: str, found: set[str] | None = None) -> str:
        """JSON text with the value of every secret-named field replaced, as written otherwise.

        Works on a prefix too (a body cut to the journal's limit): a value cut short,
        or an object or array under a secret name that does not end, is redacted up to the end.
        """
        return redact_json_text(text, self.is_secret, found) if self.may_hold_secret(text) else text

    def body(self, body: bytes, content_type: str | None, found: set[str] | None = None) -> bytes:
        """A request or response body with its secrets replaced, in its own format.

        JSON (declared, or sent without a Content-Type or as text and starting with ``{`` or
        ``[``), ``application/x-www-form-urlencoded``, ``multipart/*`` (secret-named parts;
        JSON parts) and XML (secret-named elements and attributes). Other bodies are kept.
        ``found``: collects the secret values.
        """
        return redact_body_bytes(self, body, content_type, found)


def _collect_scalars(value: Any, found: set[str]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool) and str(item):
            found.add(str(item))


def _collect_header(redactor: Redactor, name: str, value: str, found: set[str]) -> None:
    """The secret values of a secret header: the value, the credential after the auth scheme, a Basic
    user and password, the values of secret-named cookies."""
    found.add(value)
    lower = name.lower()
    if lower == "cookie":
        for part in value.split(";"):
            key, _, cookie = part.strip().partition("=")
            if cookie and redactor.is_secret(key):
                found.add(cookie)
        return
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if not credential:
        return
    found.add(credential)
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(credential, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return
        found.update(v for v in (user, password) if v)
    elif scheme.lower() == "digest":
        named = re.search(r'username\s*=\s*"?([^",]+)', credential)
        if named:
            found.add(named.group(1))


_DEFAULT = Redactor()


def redact_body(value: Any) -> Any:
    """A JSON value with every field named like a secret replaced by ``[redacted]`` (any depth)."""
    return _DEFAULT.value(value)


def scheme_names(documents: Iterable[Mapping[str, Any]]) -> set[str]:
    """The header, query and cookie names of every security scheme of ``documents`` (OpenAPI 3)."""
    names: set[str] = set()
    for document in documents:
        schemes = (document.get("components") or {}).get("securitySchemes") or {}
        for scheme in schemes.values() if isinstance(schemes, dict) else ():
            if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
                names.add(scheme["name"])
    return names
