"""pytest plugin (``pytest11``): contract tests of a spec against a base URL or the in-process mock.

Options: ``--apitwin-contract-spec PATH`` (ini ``apitwin_contract_spec``) and
``--apitwin-base-url URL`` (ini ``apitwin_base_url``). Without a base URL the
tests run against apitwin's mock of the spec, started in-process.

A user's suite then writes::

    import schemathesis

    schema = schemathesis.pytest.from_fixture("apitwin_schema")

    @schema.parametrize()
    def test_api(case):
        case.call_and_validate()

Fixtures: ``apitwin_contract_url`` (the URL under test, server path included)
and ``apitwin_schema`` (a schemathesis schema bound to that URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apitwin-contracts", "apitwin contract tests")
    group.addoption("--apitwin-contract-spec", metavar="PATH", help="OpenAPI spec to test against.")
    group.addoption("--apitwin-base-url", metavar="URL", help="Implementation under test (default: the mock).")
    parser.addini("apitwin_contract_spec", "OpenAPI spec for apitwin_schema")
    parser.addini("apitwin_base_url", "implementation under test for apitwin_schema")


def _setting(config: pytest.Config, option: str, ini: str) -> str | None:
    value = config.getoption(option) or config.getini(ini)
    return str(value) if value else None


@pytest.fixture(scope="session")
def apitwin_contract_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The URL the contract tests call: ``--apitwin-base-url`` or a mock of the spec started here."""
    from mockserver import create_app, load_spec, running
    from mockserver.spec import server_prefixes

    spec = _spec_path(pytestconfig)
    prefix = server_prefixes(load_spec(spec).document.get("servers"))[0]
    given = _setting(pytestconfig, "apitwin_base_url", "apitwin_base_url")
    if given:
        from urllib.parse import urlsplit

        yield given.rstrip("/") + (prefix if urlsplit(given).path in ("", "/") else "")
        return
    with running(create_app([spec])) as url:
        yield url + prefix


def _spec_path(config: pytest.Config) -> Path:
    spec = _setting(config, "apitwin_contract_spec", "apitwin_contract_spec")
    if not spec:
        raise pytest.UsageError("apitwin_schema needs --apitwin-contract-spec PATH or the ini apitwin_contract_spec")
    path = Path(spec)
    return path if path.is_absolute() else config.rootpath / path


@pytest.fixture(scope="session")
def apitwin_schema(pytestconfig: pytest.Config, apitwin_contract_url: str) -> Any:
    """A schemathesis schema of the spec, bound to the URL under test."""
    import schemathesis

    from mockserver import load_spec

    from .generation import for_generation

    document = load_spec(_spec_path(pytestconfig)).document
    config = schemathesis.Config.from_dict({"base-url": apitwin_contract_url})
    return schemathesis.openapi.from_dict(for_generation(document), config=config)
