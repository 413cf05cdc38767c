"""Renderers of a :class:`~contracts.verify.VerifyReport`: the scorecard, JUnit XML and one HTML page."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from .verify import VerifyReport

__all__ = ["render_html", "render_junit", "render_scorecard"]


def render_scorecard(report: VerifyReport, max_failures_per_operation: int = 5) -> str:
    """The per-operation scorecard printed at the end of ``apitwin verify``."""
    lines = [f"apitwin verify {report.spec} against {report.base_url}"]
    width = max((len(label) for label in report.operations), default=10)
    for score in report.operations.values():
        mark = "FAIL" if score.failures else ("skip" if not score.cases else "ok")
        lines.append(f"  {mark:4}  {score.label:{width}}  {score.cases:4} requests  {score.passed:5} checks passed"
                     f"  {score.failed:4} failed")
        for failure in score.failures[:max_failures_per_operation]:
            lines.append(f"        {failure.check}: {failure.reason}")
            for curl_line in failure.curl.splitlines():
                lines.append(f"          {curl_line}")
        if len(score.failures) > max_failures_per_operation:
            lines.append(f"        ... and {len(score.failures) - max_failures_per_operation} more distinct failures")
    for error in report.errors:
        lines.append(f"  error: {error}")
    for finding in report.spec_findings:
        lines.append(f"  spec: {finding}")
    passed, failed = report.totals()
    verdict = "passed" if report.ok else "FAILED"
    seed = f", seed {report.seed}" if report.seed is not None else ""
    lines.append(f"{verdict}: {report.tested}/{len(report.operations)} operations tested, {passed} checks passed, "
                 f"{failed} failed, {len(report.failures)} distinct failures, {len(report.errors)} errors "
                 f"in {report.duration:.1f}s{seed}")
    return "\n".join(lines)


def render_junit(report: VerifyReport) -> str:
    """JUnit XML: one test case per operation, one ``<failure>`` per distinct failure."""
    suite = ET.Element("testsuite", name=f"apitwin verify {report.spec}", tests=str(len(report.operations)),
                       failures=str(sum(1 for s in report.operations.values() if s.failures)),
                       errors=str(len(report.errors)), time=f"{report.duration:.3f}")
    for score in report.operations.values():
        case = ET.SubElement(suite, "testcase", classname=report.spec, name=score.label)
        if not score.cases and score.skipped:
            ET.SubElement(case, "skipped", message=score.skipped)
        for failure in score.failures:
            element = ET.SubElement(case, "failure", message=f"{failure.check}: {failure.reason}",
                                    type=failure.check)
            element.text = f"{failure.message}\n\nReproduce with:\n{failure.curl}"
    for error in report.errors:
        case = ET.SubElement(suite, "testcase", classname=report.spec, name="run")
        ET.SubElement(case, "error", message=error)
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.3em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
.ok{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}.skip{color:#888}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-all}details{margin:4px 0 8px 1em}
"""


def render_html(report: VerifyReport) -> str:
    """One self-contained HTML page (no external resources), readable offline."""
    e = html.escape
    passed, failed = report.totals()
    rows = []
    for score in report.operations.values():
        status = "fail" if score.failures else ("skip" if not score.cases else "ok")
        rows.append(f"<tr><td class='{status}'>{status.upper()}</td><td>{e(score.label)}</td>"
                    f"<td>{score.cases}</td><td>{score.passed}</td><td>{score.failed}</td></tr>")
        for failure in score.failures:
            rows.append(f"<tr><td></td><td colspan='4'><details><summary>{e(failure.check)}: {e(failure.reason)}"
                        f"</summary><pre>{e(failure.message)}</pre><pre>{e(failure.curl)}</pre></details></td></tr>")
    errors = "".join(f"<li>{e(err)}</li>" for err in report.errors)
    verdict = "passed" if report.ok else "failed"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>apitwin verify {e(report.spec)}"
            f"</title><style>{_CSS}</style></head><body><h1>apitwin verify: {e(report.spec)}</h1>"
            f"<p>Against {e(report.base_url)}: <b class='{'ok' if report.ok else 'fail'}'>{verdict}</b>. "
            f"{report.tested}/{len(report.operations)} operations tested, {passed} checks passed, {failed} failed, "
            f"{len(report.failures)} distinct failures, in {report.duration:.1f}s.</p>"
            f"{'<ul>' + errors + '</ul>' if errors else ''}"
            f"<table><tr><th></th><th>operation</th><th>requests</th><th>passed</th><th>failed</th></tr>"
            f"{''.join(rows)}</table></body></html>")
