"""apitwin's configuration file: ``[tool.apitwin]`` in pyproject.toml, or apitwin.yaml.

One section per command, whose keys are the command's long options (``apitwin.yaml``)::

    serve:
      specs: [specs/tecton.yaml]
      port: 4010
      stateful: true
      state-file: .apitwin/state.sqlite
      delay: 200
      error-rates: {getFeatures: 0.1}
    lint:
      disable: [unused-component]
      fail-on: warning

or the same as ``[tool.apitwin.serve]`` / ``[tool.apitwin.lint]`` tables of pyproject.toml.
The command line wins over the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

__all__ = ["find_settings"]


def find_settings(folder: Path | None = None, config: Path | None = None) -> tuple[Path | None, dict[str, Any]]:
    """(the file read, its settings): ``config`` if given, else ./apitwin.yaml, else ./pyproject.toml's."""
    folder = folder or Path.cwd()
    if config is not None:
        return config, _read(config)
    for candidate in (folder / "apitwin.yaml", folder / "pyproject.toml"):
        if candidate.is_file():
            settings = _read(candidate)
            if settings:
                return candidate, settings
    return None, {}


def _read(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        data = tomllib.loads(text)
        tool = data.get("tool", {}).get("apitwin", {})
        return tool if isinstance(tool, dict) else {}
    loaded = yaml.safe_load(text) or {}
    return loaded if isinstance(loaded, dict) else {}
