"""The mock server's exceptions: one root, messages built from fields."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MockServerError", "RouteCollisionError", "SpecLoadError"]


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
        pointer = self.pointer or "/"
        return f"{where}: {pointer}: {self.message}"


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
