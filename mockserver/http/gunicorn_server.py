"""gunicorn as a library: the application class ``apitwin serve`` runs (imported only where gunicorn exists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from ..modes.redaction import Redactor
from ..modes.redaction_messages import access_atoms

__all__ = ["GunicornServer", "redacting_logger"]


def redacting_logger(redactor: Callable[[], Redactor]) -> type[Logger]:
    """gunicorn's logger with access-log lines redacted by ``redactor()`` (the served app's): the Basic-auth
    user (DSS's API key), secret query parameters, secret headers."""

    class RedactingLogger(Logger):  # type: ignore[misc]
        def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
            return access_atoms(redactor(), super().atoms(resp, req, environ, request_time))

    return RedactingLogger


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with ``settings``; each new worker serves what ``current()`` gives (after a reload, the new app)."""

    def __init__(self, settings: dict[str, Any], current: Callable[[], Flask]) -> None:
        self.settings = settings
        self.current = current
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.current()
