"""The mock server's exceptions: one root, messages built from fields."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass

__all__ = ["MockServerError", "RouteCollisionError", "SpecLoadError", "bounded_traceback", "one_line"]


class MockServerError(Exception):
    """Root of every error the mock server raises on purpose."""


@dataclass
class SpecLoadError(MockServerError):
    """A spec cannot be loaded: bad YAML, invalid OpenAPI, or a forbidden ``$ref``.

    ``str()`` is one line: ``FILE:LINE: POINTER: MESSAGE``.
    """

    file: str
    line: int | None
    pointer: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        pointer = one_line(self.pointer or "/", 200)
        return f"{where}: {pointer}: {one_line(self.message)}"


#: what a validator's message says about the value it quotes (the value may be the whole document)
_VERDICT = re.compile(r" (is not|is a |is too|is valid|does not|has non-unique|should |was expected|"
                      r"is a required|are not allowed)")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line and at most ``limit`` characters: a quoted value cut short, not the verdict.

    Validators quote the failing value in full ("{...3 MB...} is not valid under any of the
    given schemas"); a message is for a terminal.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    verdict = _VERDICT.search(text, min(60, len(text)))
    if verdict is not None and len(text) - verdict.start() < limit - 70:
        return text[:60].rstrip() + " \u2026" + text[verdict.start():]
    return text[: limit - 1].rstrip() + "\u2026"


def bounded_traceback(exc: BaseException, limit: int = 300) -> str:
    """The traceback of ``exc`` and of the exceptions that caused it, as ``logging`` would print it, each
    message cut by :func:`one_line`: a ``referencing`` error quotes the whole document (a MB of spec) it
    searched, and a log line is for a terminal. The frames are kept."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain and len(chain) < 16:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)  # type: ignore[assignment]
    parts: list[str] = []
    for error in reversed(chain):
        if parts:
            parts.append("\nDuring the handling of the above, this was raised:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(error.__traceback__))
        parts.append(f"{type(error).__module__}.{type(error).__qualname__}: {one_line(str(error), limit)}\n")
    return "".join(parts).rstrip("\n")


@dataclass
class RouteCollisionError(MockServerError):
    """Two operations (usually of two specs) answer the same method and URL."""

    method: str
    url: str
    first: str
    second: str

    def __str__(self) -> str:
        return (
            f"route collision: {self.method} {self.url} is both {self.first} and {self.second}; "
            "serve these specs on separate ports"
        )
