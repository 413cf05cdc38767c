"""Renderers of a :class:`~contracts.verify.VerifyReport`: the scorecard, JUnit XML and one HTML page."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from .verify_report import PHASES, CheckFailure, VerifyReport

__all__ = ["render_html", "render_junit", "render_scorecard"]


def _example_lines(failure: CheckFailure, indent: str) -> list[str]:
    """The curl of a failure, or the whole sequence of calls when it took several."""
    lines: list[str] = []
    if failure.sequence:
        for number, curl in enumerate(failure.sequence, 1):
            for i, curl_line in enumerate(curl.splitlines()):
                lines.append(f"{indent}{f'{number}.' if i == 0 else '  '} {curl_line}")
        return lines
    return [f"{indent}{curl_line}" for curl_line in failure.curl.splitlines()]


def render_scorecard(report: VerifyReport, max_failures_per_operation: int = 5) -> str:
    """The per-operation scorecard printed at the end of ``apitwin verify``, then the failures by check.

    Under each operation, its failures grouped by check: how many times the check
    failed, and one example (a one-line reason and a curl, or the whole sequence of
    calls for a stateful failure). At the end, one line per check that failed anywhere.
    """
    lines = [f"apitwin verify {report.spec} against {report.base_url}"]
    width = max((len(label) for label in report.operations), default=10)
    for score in report.operations.values():
        mark = "FAIL" if score.failures else ("skip" if not score.cases else "ok")
        lines.append(f"  {mark:4}  {score.label:{width}}  {score.cases:4} requests  {score.passed:5} checks passed"
                     f"  {score.failed:4} failed")
        groups: dict[str, list[CheckFailure]] = {}
        for failure in score.failures:
            groups.setdefault(failure.check, []).append(failure)
        for shown, (check, failures) in enumerate(groups.items()):
            if shown == max_failures_per_operation:
                lines.append(f"        ... and {len(groups) - shown} more checks failed")
                break
            count = score.checks[check].failed if check in score.checks else len(failures)
            distinct = f", {len(failures)} distinct" if len(failures) > 1 else ""
            lines.append(f"        {check} (failed {count}x{distinct}): {failures[0].reason}")
            lines.extend(_example_lines(failures[0], "          "))
    groups = report.by_check()
    if groups:
        lines.append("  failures by check:")
        check_width = max(len(check) for check in groups)
        for check, failures in groups.items():
            operations = len({f.operation for f in failures})
            lines.append(f"    {check:{check_width}}  {report.failed_count(check):5}x on {operations} operation"
                         f"{'s' if operations != 1 else ''}, e.g. {failures[0].operation}: {failures[0].reason}")
    for error in report.errors:
        lines.append(f"  error: {error}")
    for finding in report.spec_findings:
        lines.append(f"  spec: {finding}")
    if report.cut:
        lines.append(f"  {report.cut}")
    passed, failed = report.totals()
    verdict = "passed" if report.ok else ("FAILED" if report.tested else "NOTHING TESTED")
    seed = f", seed {report.seed}" if report.seed is not None else ""
    lines.append(f"{verdict}{' (cut short)' if report.cut else ''}: {report.tested}/{len(report.operations)} "
                 f"operations tested, {passed} checks passed, "
                 f"{failed} failed, {len(report.failures)} distinct failures, {len(report.errors)} errors "
                 f"in {report.duration:.1f}s{seed}")
    if report.requests:
        lines.append("requests sent: " + ", ".join(f"{phase} {report.requests[phase]}"
                                                   for phase in PHASES if phase in report.requests))
    return "\n".join(lines)


def render_junit(report: VerifyReport) -> str:
    """JUnit XML: one test case per operation and check (``GET /x [status_code_conformance]``).

    A check that failed has one ``<failure>`` whose text lists each distinct failure
    with its curl (or its sequence of calls); an operation nothing was sent to is one
    skipped test case; errors of the run are test cases named ``run``.
    """
    cases: list[ET.Element] = []
    for score in report.operations.values():
        if not score.checks:
            case = ET.Element("testcase", classname=report.spec, name=score.label)
            ET.SubElement(case, "skipped", message=score.skipped or "no request was sent")
            cases.append(case)
            continue
        distinct: dict[str, list[CheckFailure]] = {}
        for failure in score.failures:
            distinct.setdefault(failure.check, []).append(failure)
        for check, tally in score.checks.items():
            case = ET.Element("testcase", classname=report.spec, name=f"{score.label} [{check}]")
            failures = distinct.get(check, [])
            if failures or tally.failed:
                text = []
                for failure in failures:
                    steps = "\n".join(failure.sequence) if failure.sequence else failure.curl
                    text.append(f"{failure.reason}\n\n{failure.message}\n\nReproduce with:\n{steps}")
                element = ET.SubElement(case, "failure", type=check,
                                        message=f"{check} failed {tally.failed}x: "
                                                f"{failures[0].reason if failures else 'see the log'}")
                element.text = "\n\n----\n\n".join(text)
            cases.append(case)
    for error in report.errors:
        case = ET.Element("testcase", classname=report.spec, name="run")
        ET.SubElement(case, "error", message=error)
        cases.append(case)
    if report.cut:
        case = ET.Element("testcase", classname=report.spec, name="run [max-time]")
        ET.SubElement(case, "skipped", message=report.cut)
        cases.append(case)
    suite = ET.Element("testsuite", name=f"apitwin verify {report.spec}", tests=str(len(cases)),
                       failures=str(sum(1 for c in cases if c.find("failure") is not None)),
                       errors=str(len(report.errors)),
                       skipped=str(sum(1 for c in cases if c.find("skipped") is not None)),
                       time=f"{report.duration:.3f}")
    suite.extend(cases)
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
        groups: dict[str, list[CheckFailure]] = {}
        for failure in score.failures:
            groups.setdefault(failure.check, []).append(failure)
        for check, failures in groups.items():
            count = score.checks[check].failed if check in score.checks else len(failures)
            example = failures[0]
            calls = "\n".join(example.sequence) if example.sequence else example.curl
            rows.append(f"<tr><td></td><td colspan='4'><details><summary>{e(check)} (failed {count}x, "
                        f"{len(failures)} distinct): {e(example.reason)}</summary><pre>{e(example.message)}</pre>"
                        f"<pre>{e(calls)}</pre>"
                        + "".join(f"<p>{e(f.reason)}</p><pre>{e(f.curl)}</pre>" for f in failures[1:])
                        + "</details></td></tr>")
    errors = "".join(f"<li>{e(err)}</li>" for err in [*report.errors, *([report.cut] if report.cut else [])])
    verdict = "passed" if report.ok else ("failed" if report.tested else "nothing tested")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>apitwin verify {e(report.spec)}"
            f"</title><style>{_CSS}</style></head><body><h1>apitwin verify: {e(report.spec)}</h1>"
            f"<p>Against {e(report.base_url)}: <b class='{'ok' if report.ok else 'fail'}'>{verdict}</b>. "
            f"{report.tested}/{len(report.operations)} operations tested, {passed} checks passed, {failed} failed, "
            f"{len(report.failures)} distinct failures, in {report.duration:.1f}s.</p>"
            f"{'<ul>' + errors + '</ul>' if errors else ''}"
            f"<table><tr><th></th><th>operation</th><th>requests</th><th>passed</th><th>failed</th></tr>"
            f"{''.join(rows)}</table></body></html>")
