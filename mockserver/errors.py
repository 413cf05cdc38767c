"""The mock server's exceptions: one root, messages built from fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MockServerError", "RouteCollisionError", "SpecLoadError", "one_line"]


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
