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

from pathlib import Path
from typing import Any

__all__ = ["UnreadableSettings", "find_settings"]


class UnreadableSettings(ValueError):
    """A configuration file that does not parse; the message starts with the parser's error type."""


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
    """A file's settings; raises OSError or ValueError (tomllib's errors, YAML's as :class:`UnreadableSettings`).

    yaml and tomllib are imported here: every command reads its settings at start, most find no file.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        import tomllib

        data = tomllib.loads(text)
        tool = data.get("tool", {}).get("apitwin", {})
        return tool if isinstance(tool, dict) else {}
    import yaml

    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UnreadableSettings(f"{type(exc).__name__}: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}
