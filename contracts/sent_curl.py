"""A request as the suite sent it, written as one bash ``curl`` command whatever the user's shell.

schemathesis writes a failure's curl for the shell in ``$SHELL``: fish quoting under fish, and, when ``$SHELL``
is unset (CI, containers), the bash form followed by a warning that repeats the body as a Python bytes literal.
The spec findings read the request from its curl (which parts and fields it carries, each once), so they read
this form instead: the same bash quoting on every machine, built from the request the transport recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from shlex import quote

__all__ = ["bash_curl", "bash_word"]

_READABLE = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "'": "\\'", "\\": "\\\\"}


def bash_word(value: str) -> str:
    """``value`` as one bash word: single-quoted when every character is printable, else ANSI-C quoted
    (``$'...'``) with each non-printable character as the ``\\xHH`` escapes of its UTF-8 bytes."""
    if value.isprintable():
        return quote(value)
    escaped = "".join(
        _READABLE.get(char) or (char if char.isprintable()
                                else "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass")))
        for char in value)
    return f"$'{escaped}'"


def bash_curl(method: str, url: str, headers: Mapping[str, str | Iterable[str]], body: bytes | str | None) -> str:
    """``curl -X METHOD -H 'Name: value'... -d BODY URL`` for a request (a header with several values: one ``-H``
    each; a body that is not UTF-8 has its undecodable bytes replaced)."""
    words = ["curl", "-X", method.upper()]
    for name, values in headers.items():
        for value in [values] if isinstance(values, str) else values:
            words += ["-H", bash_word(f"{name}: {value}" if value else f"{name};")]
    if body is not None:
        words += ["-d", bash_word(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)]
    words.append(bash_word(url))
    return " ".join(words)
