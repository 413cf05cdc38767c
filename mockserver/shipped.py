"""The specs shipped with apitwin: what ``apitwin serve`` serves when given none."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_spec_paths"]


def default_spec_paths() -> list[Path]:
    """The specs shipped with apitwin (the embedded default of ``apitwin serve``)."""
    import specs

    folder = Path(specs.__file__).resolve().parent
    return sorted(folder.glob("*.yaml"))
