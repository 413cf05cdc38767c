"""apitwin's contract tools: conformance suites (``verify``), a spec linter (``lint``), spec diffs.

The ``apitwin`` command line lives in :mod:`contracts.cli`.
"""

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
