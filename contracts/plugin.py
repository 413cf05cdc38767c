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

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest


def _give_nodes_their_string_id() -> None:
    """Let ``schemathesis.pytest.from_fixture`` run under pytest 9.2 and later.

    schemathesis (4.32.5, the newest) reads and rewrites ``request.node._nodeid``, the
    string id pytest kept on every node up to 9.1, to report each API operation as
    ``test_api[GET /path]``. pytest 9.2 keeps the id as a structured ``NodeId`` in
    ``_id`` and has no ``_nodeid`` any more, so every such test failed with
    ``AttributeError: 'Function' object has no attribute '_nodeid'``. Where the
    attribute is missing, it comes back as a property over ``_id`` (read: the string
    id; write: parsed back), which gives the same reports as pytest 9.0. Nothing is
    changed under a pytest that still has it.
    """
    from _pytest import nodes

    if hasattr(nodes.Node, "_nodeid"):
        return
    from _pytest.nodeid import NodeId  # type: ignore[import-not-found,unused-ignore]  # pytest >= 9.2

    def read(node: nodes.Node) -> str:
        return node.nodeid

    def write(node: nodes.Node, nodeid: str) -> None:
        node._id = NodeId.parse(nodeid)  # type: ignore[attr-defined,unused-ignore]  # pytest >= 9.2

    setattr(nodes.Node, "_nodeid", property(read, write))  # noqa: B010 (an attribute pytest's type does not declare)


_give_nodes_their_string_id()


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
    from mockserver import load_spec
    from mockserver.spec import server_prefixes

    spec = _spec_path(pytestconfig)
    prefix = server_prefixes(load_spec(spec).document.get("servers"))[0]
    given = _setting(pytestconfig, "apitwin_base_url", "apitwin_base_url")
    if given:
        from urllib.parse import urlsplit

        yield given.rstrip("/") + (prefix if urlsplit(given).path in ("", "/") else "")
        return
    from .verify import mock_of

    with mock_of(spec) as url:
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
    from .verify import mock_credential_headers

    document = load_spec(_spec_path(pytestconfig)).document
    settings: dict[str, Any] = {"base-url": apitwin_contract_url}
    if not _setting(pytestconfig, "apitwin_base_url", "apitwin_base_url"):
        # the in-process mock accepts one credential, sent with every case, so that a
        # case without it (schemathesis' ignored_auth check) is refused as by the real API
        settings["headers"] = mock_credential_headers(document)
    config = schemathesis.Config.from_dict(settings)
    return schemathesis.openapi.from_dict(for_generation(document), config=config)


def _failures_in(error: BaseException) -> list[Any]:
    """The schemathesis failures ``error`` is or holds (a ``FailureGroup``), in order."""
    from schemathesis.core.failures import Failure

    if isinstance(error, Failure):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [f for inner in error.exceptions for f in _failures_in(inner)]
    return []


def _curl_of(error: BaseException) -> str:
    """The ``curl`` line schemathesis puts under "Reproduce with:" in a failure group's message."""
    lines = str(error).splitlines()
    return next((line.strip() for line in lines if line.strip().startswith("curl ")), "")


def contract_failure_text(error: BaseException) -> str | None:
    """What a failed contract test shows: one line per failure, as ``apitwin verify`` says it, then the curl.

    ``None`` when ``error`` holds no schemathesis failure (an ordinary test failure keeps pytest's report).
    """
    from .failures import describe_failure

    failures = _failures_in(error)
    if not failures:
        return None
    lines = [f"{failure.title}: {describe_failure(failure)}" for failure in failures]
    curl = _curl_of(error)
    if curl:
        lines += ["", "Reproduce with:", f"    {curl}"]
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                           pytest.TestReport]:
    """A test failed by schemathesis checks (a contract test) shows one-line reasons and a curl, no traceback."""
    report = yield
    if call.excinfo is not None and report.failed:
        text = contract_failure_text(call.excinfo.value)
        if text is not None:
            report.longrepr = text
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """After schemathesis' own hook, which puts its exception group (and traceback) back in the report."""
    if call.excinfo is not None:
        text = contract_failure_text(call.excinfo.value)
        if text is not None:
            report.longrepr = text
