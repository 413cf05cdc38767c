"""apitwin's contract tools: conformance suites (``verify``), a spec linter (``lint``), spec diffs.

The ``apitwin`` command line lives in :mod:`contracts.cli`. The names below load their module on
first use, so that ``apitwin lint`` never imports schemathesis nor the mock's HTTP layer.
"""

import typing as _typing

if _typing.TYPE_CHECKING:
    from .diff import Change, diff_specs, render_changes_json, render_changes_text
    from .lint import RULES, Finding, lint, render_findings
    from .reports import render_html, render_junit, render_scorecard
    from .verify import VerifyOptions, verify, verify_against_mock
    from .verify_report import CheckFailure, OperationScore, VerifyReport

__all__ = [
    "RULES",
    "Change",
    "CheckFailure",
    "Finding",
    "OperationScore",
    "VerifyOptions",
    "VerifyReport",
    "diff_specs",
    "lint",
    "render_changes_json",
    "render_changes_text",
    "render_findings",
    "render_html",
    "render_junit",
    "render_scorecard",
    "verify",
    "verify_against_mock",
]

_MODULES = {
    "Change": ".diff", "diff_specs": ".diff", "render_changes_json": ".diff", "render_changes_text": ".diff",
    "RULES": ".lint", "Finding": ".lint", "lint": ".lint", "render_findings": ".lint",
    "render_html": ".reports", "render_junit": ".reports", "render_scorecard": ".reports",
    "VerifyOptions": ".verify", "verify": ".verify", "verify_against_mock": ".verify",
    "CheckFailure": ".verify_report", "OperationScore": ".verify_report", "VerifyReport": ".verify_report",
}


def __getattr__(name: str) -> _typing.Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_MODULES[name], __name__), name)
    globals()[name] = value
    return value
