"""gunicorn as a library: the application class ``apitwin serve`` runs (imported only where gunicorn exists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

__all__ = ["GunicornServer"]


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
