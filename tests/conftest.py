"""Shared fixtures: the repository's specs and mocks started in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def serve_specs() -> Iterator[Callable[..., str]]:
    """Start (once per session) a mock serving the named specs; returns its base URL.

    ``serve_specs("tecton.yaml")`` -> ``"http://127.0.0.1:PORT"``.
    """
    from mockserver import create_app, running

    started: dict[tuple[str, ...], str] = {}
    with ExitStack() as stack:

        def serve(*names: str) -> str:
            key = tuple(sorted(names))
            if key not in started:
                app = create_app([SPECS / name for name in key])
                started[key] = stack.enter_context(running(app))
            return started[key]

        yield serve
