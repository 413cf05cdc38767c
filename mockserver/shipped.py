"""The specs shipped with apitwin: what ``apitwin serve`` serves when given none.

They are data of the installed package (``mockserver/specs``); in a source checkout
they are the repository's ``specs/`` folder, which the wheel maps to ``mockserver/specs``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_spec_paths", "shipped_specs_folder"]


def shipped_specs_folder() -> Path | None:
    """The folder holding the shipped specs, installed or in a source checkout (None: missing)."""
    here = Path(__file__).resolve().parent
    installed = here / "specs"
    if installed.is_dir():
        return installed
    checkout = here.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "specs").is_dir():
        return checkout / "specs"
    return None


def default_spec_paths() -> list[Path]:
    """The specs shipped with apitwin (the embedded default of ``apitwin serve``); empty when they are missing."""
    folder = shipped_specs_folder()
    return sorted(folder.glob("*.yaml")) if folder else []
