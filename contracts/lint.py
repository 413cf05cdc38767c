"""``lint``: structural validity first (openapi-spec-validator), then named rules.

Each rule is a plain function registered with :func:`lint_rule` (the rules live in
:mod:`contracts.lint_rules`), with a name, a severity and a one-line explanation; it
yields (JSON pointer, message) pairs and the linter turns them into :class:`Finding`
objects with the file and line the pointer comes from (through ``$ref``-bundled files too).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mockserver import LoadedSpec, SpecLoadError, load_spec
from mockserver.files import display_path
from mockserver.spec import iter_operations, join_pointer, one_line

from .lint_refs import RULE as _REF_SIBLINGS  # noqa: F401  (registers the rule)
from .lint_rules import ERROR, RULES, Rule, RuleContext, lint_rule
from .lint_structure import iter_structure_errors

__all__ = ["RULES", "Finding", "Rule", "lint", "lint_rule", "render_findings"]


@dataclass(frozen=True)
class Finding:
    """One problem in a spec: which rule, how bad, where (file, line, JSON pointer), what."""

    rule: str
    severity: str
    file: str
    line: int | None
    pointer: str
    message: str



def _finding(spec: LoadedSpec, rule: Rule, pointer: str, message: str, shown: dict[Path, str]) -> Finding:
    file, local, line = spec.locate(pointer)
    return Finding(rule.name, rule.severity, _shown(file, shown), line, local, message)


def _shown(file: Path, shown: dict[Path, str]) -> str:
    """:func:`display_path` of ``file``, once per file and run (it resolves the path: Kubernetes has 1,692 findings)."""
    if file not in shown:
        shown[file] = display_path(file)
    return shown[file]


def lint(paths: Iterable[str | Path], disabled: Iterable[str] = ()) -> list[Finding]:
    """Every finding of every spec in ``paths`` (rules named in ``disabled`` are skipped)."""
    off = set(disabled)
    findings: list[Finding] = []
    shown: dict[Path, str] = {}
    for path in paths:
        with _collector_paused():
            findings.extend(_lint_one(path, off, shown))
    return findings


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while one spec is linted: loading and walking a spec makes hundreds of
    thousands of objects and little garbage, and the collections cost a fifth of the time (4 MB specs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lint_one(path: str | Path, off: set[str], shown: dict[Path, str]) -> list[Finding]:
    findings: list[Finding] = []
    try:
        spec = load_spec(path, validate=False)
    except SpecLoadError as exc:
        if "spec-load" not in off:
            findings.append(Finding("spec-load", ERROR, exc.file, exc.line, exc.pointer, exc.message))
        return findings
    structural = [] if "openapi-structure" in off else [
        (join_pointer(*path), message) for path, message in iter_structure_errors(spec.document)]
    for pointer, message in structural:
        if not pointer:  # semantic checks of openapi-spec-validator name the operation in the message only
            match = re.search(r"'(\w+)' operation in '([^']+)'", message)
            if match and match.group(2) in (spec.document.get("paths") or {}):
                pointer = join_pointer("paths", match.group(2), match.group(1))
        file, local, line = spec.locate(pointer)
        findings.append(Finding("openapi-structure", ERROR, _shown(file, shown), line, local, one_line(message)))
    if structural:  # most rules assume a structurally valid document
        ctx = RuleContext(spec, spec.document)
    else:
        ctx = RuleContext(spec, spec.document, list(iter_operations(spec)))
    for rule in RULES.values():
        if rule.name in off or (structural and rule.needs_valid):
            continue
        findings.extend(_finding(spec, rule, pointer, message, shown) for pointer, message in rule.check(ctx))
    return findings


def _sarif(findings: list[Finding]) -> dict[str, Any]:
    rules = [{"id": r.name, "shortDescription": {"text": r.explanation},
              "defaultConfiguration": {"level": "error" if r.severity == ERROR else "warning"}}
             for r in RULES.values()]
    results = []
    for f in findings:
        region = {"startLine": f.line} if f.line else {}
        results.append({
            "ruleId": f.rule, "level": "error" if f.severity == ERROR else "warning",
            "message": {"text": f"{f.message} ({f.pointer or '/'})"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file}, "region": region},
                           "logicalLocations": [{"fullyQualifiedName": f.pointer or "/"}]}],
        })
    return {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{"tool": {"driver": {"name": "apitwin lint", "rules": rules}}, "results": results}]}


def render_findings(findings: list[Finding], output_format: str = "text") -> str:
    """``text`` (grouped by file), ``json``, ``sarif`` or ``github`` (workflow annotations)."""
    if output_format == "json":
        return json.dumps([asdict(f) for f in findings], indent=2)
    if output_format == "sarif":
        return json.dumps(_sarif(findings), indent=2)
    if output_format == "github":
        return "\n".join(f"::{'error' if f.severity == ERROR else 'warning'} file={f.file},line={f.line or 1},"
                         f"title={f.rule}::{f.pointer or '/'}: {f.message}" for f in findings)
    lines: list[str] = []
    for file in sorted({f.file for f in findings}):
        lines.append(file)
        for f in sorted((f for f in findings if f.file == file), key=lambda f: (f.line or 0, f.rule)):
            lines.append(f"  {f.line or '-':>5}  {f.severity:7}  {f.rule:20}  {f.pointer or '/'}: {f.message}")
    errors = sum(1 for f in findings if f.severity == ERROR)
    lines.append(f"{len(findings)} findings: {errors} errors, {len(findings) - errors} warnings" if findings
                 else "no findings")
    return "\n".join(lines)

