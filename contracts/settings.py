"""apitwin's configuration file: ``[tool.apitwin]`` in pyproject.toml, or apitwin.yaml.

Only the ``lint`` table is read so far::

    [tool.apitwin.lint]
    disable = ["unused-component"]
    fail-on = "warning"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

__all__ = ["load_settings"]


def load_settings(folder: Path | None = None, config: Path | None = None) -> dict[str, Any]:
    """The apitwin settings: ``config`` if given, else ./apitwin.yaml, else [tool.apitwin] of ./pyproject.toml."""
    folder = folder or Path.cwd()
    if config is not None:
        return _read(config)
    for candidate in (folder / "apitwin.yaml", folder / "pyproject.toml"):
        if candidate.is_file():
            settings = _read(candidate)
            if settings:
                return settings
    return {}


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        data = tomllib.loads(text)
        tool = data.get("tool", {}).get("apitwin", {})
        return tool if isinstance(tool, dict) else {}
    loaded = yaml.safe_load(text) or {}
    return loaded if isinstance(loaded, dict) else {}
