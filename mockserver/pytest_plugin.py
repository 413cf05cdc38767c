"""pytest plugin (registered through ``pytest11``): the mock in-process, as fixtures.

Options: ``--apitwin-spec PATH`` (repeatable) or the ini setting ``apitwin_specs``
(one path per line); with neither, the specs shipped with apitwin are served.
``--apitwin-stateful`` or the ini setting ``apitwin_stateful = true`` serves them in
stateful mode (a private SQLite state for the session).

Fixtures:

* ``apitwin_app``: the Flask app (session scope).
* ``apitwin_url``: the base URL of the mock running in a thread on a free port (session scope).
* ``apitwin``: the same base URL, after resetting the state and the journal: each test
  that uses it starts from the world the examples describe (function scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apitwin", "apitwin mock server")
    group.addoption("--apitwin-spec", action="append", default=[], metavar="PATH",
                    help="OpenAPI spec the apitwin_url fixture serves (repeatable).")
    parser.addini("apitwin_specs", "OpenAPI specs the apitwin_url fixture serves", type="linelist", default=[])
    group.addoption("--apitwin-stateful", action="store_true", default=None,
                    help="Serve the specs in stateful mode (what a test creates, it can read back).")
    parser.addini("apitwin_stateful", "serve the specs in stateful mode", type="bool", default=False)


def _spec_paths(config: pytest.Config) -> list[Path]:
    given = config.getoption("apitwin_spec") or config.getini("apitwin_specs")
    root = config.rootpath
    return [p if p.is_absolute() else root / p for p in (Path(s) for s in given)]


@pytest.fixture(scope="session")
def apitwin_app(pytestconfig: pytest.Config) -> Flask:
    """The mock app for the configured specs."""
    from mockserver import MockConfig, create_app

    stateful = pytestconfig.getoption("apitwin_stateful") or pytestconfig.getini("apitwin_stateful")
    return create_app(_spec_paths(pytestconfig) or None, MockConfig(stateful=bool(stateful), journal=True))


@pytest.fixture(scope="session")
def apitwin_url(apitwin_app: Flask) -> Iterator[str]:
    """Base URL of the mock, served in-process on a free loopback port for the whole session."""
    from mockserver import running

    with running(apitwin_app) as url:
        yield url


@pytest.fixture()
def apitwin(apitwin_app: Flask, apitwin_url: str) -> str:
    """The mock's base URL, with its state and journal reset before the test."""
    apitwin_app.test_client().post("/__apitwin/reset")
    return apitwin_url
