"""``lint``: structural validity first (openapi-spec-validator), then named rules.

Each rule is a plain function registered with :func:`lint_rule`, with a name, a
severity and a one-line explanation; it yields (JSON pointer, message) pairs and
the linter turns them into :class:`Finding` objects with the file and line the
pointer comes from (through ``$ref``-bundled files too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mockserver import LoadedSpec, SpecLoadError, load_spec
from mockserver.files import display_path
from mockserver.spec import (
    Operation,
    SchemaCompiler,
    deref,
    escape_token,
    iter_operations,
    iter_spec_errors,
    join_pointer,
    one_line,
)

__all__ = ["RULES", "Finding", "Rule", "lint", "lint_rule", "render_findings"]

ERROR, WARNING = "error", "warning"
_PLACEHOLDERS = {"string", "Hello, world!", "hello world"}


@dataclass(frozen=True)
class Finding:
    """One problem in a spec: which rule, how bad, where (file, line, JSON pointer), what."""

    rule: str
    severity: str
    file: str
    line: int | None
    pointer: str
    message: str


@dataclass(frozen=True)
class Rule:
    """A registered lint rule."""

    name: str
    severity: str
    explanation: str
    check: Callable[[_Context], Iterable[tuple[str, str]]]


RULES: dict[str, Rule] = {}


def lint_rule(name: str, severity: str, explanation: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a rule: ``check(context)`` yields ``(pointer, message)`` pairs."""

    def register(check: Callable[..., Any]) -> Callable[..., Any]:
        RULES[name] = Rule(name, severity, explanation, check)
        return check

    return register


@dataclass
class _Context:
    spec: LoadedSpec
    document: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    compiler: SchemaCompiler | None = None


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{escape_token(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


@lint_rule("operation-id", ERROR, "every operation has an operationId, unique in the spec")
def _operation_ids(ctx: _Context) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for op in ctx.operations:
        op_id = op.raw.get("operationId")
        if not op_id:
            yield op.pointer, f"{op.method.upper()} {op.path} has no operationId"
        elif op_id in seen:
            yield op.pointer + "/operationId", f"operationId {op_id!r} is also used by {seen[op_id]}"
        else:
            seen[op_id] = f"{op.method.upper()} {op.path}"


@lint_rule("path-parameters", ERROR, "every {parameter} of a path is declared in: path, and every one declared is used")
def _path_parameters(ctx: _Context) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        in_template = set(re.findall(r"\{([^}]+)\}", op.path))
        declared = {str(p.get("name")) for p, _ in op.parameters if p.get("in") == "path"}
        for name in sorted(in_template - declared):
            yield op.pointer, f"path parameter {name!r} of {op.path} is not declared"
        for name in sorted(declared - in_template):
            yield op.pointer, f"path parameter {name!r} is declared but {op.path} has no {{{name}}}"


@lint_rule("success-response", ERROR, "every operation documents a success (2xx or 3xx) response")
def _success(ctx: _Context) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not any(s[0] in "23" for s in op.responses):
            yield op.pointer + "/responses", f"{op.method.upper()} {op.path} documents no success response"


@lint_rule("error-responses", WARNING, "every operation documents its errors (a 4xx or default response)")
def _errors(ctx: _Context) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not any(s[0] == "4" or s == "default" for s in op.responses):
            yield op.pointer + "/responses", f"{op.method.upper()} {op.path} documents no error response"


@lint_rule("security-declared", ERROR, "security is declared (root or operation) and names defined schemes")
def _security(ctx: _Context) -> Iterator[tuple[str, str]]:
    schemes = (ctx.document.get("components") or {}).get("securitySchemes") or {}
    for op in ctx.operations:
        if "security" not in op.raw and "security" not in ctx.document:
            yield op.pointer, f"{op.method.upper()} {op.path}: no security declared (use security: [] for none)"
        for requirement in op.security:
            for name in requirement:
                if name not in schemes:
                    yield op.pointer, f"security scheme {name!r} is not defined in components.securitySchemes"


@lint_rule("tags-declared", WARNING, "every tag an operation uses is declared in the root tags list")
def _tags(ctx: _Context) -> Iterator[tuple[str, str]]:
    declared = {t.get("name") for t in ctx.document.get("tags") or [] if isinstance(t, dict)}
    for op in ctx.operations:
        for index, tag in enumerate(op.raw.get("tags") or []):
            if tag not in declared:
                yield f"{op.pointer}/tags/{index}", f"tag {tag!r} is not declared in the root tags"


@lint_rule("summary", WARNING, "every operation has a summary")
def _summary(ctx: _Context) -> Iterator[tuple[str, str]]:
    for op in ctx.operations:
        if not str(op.raw.get("summary") or "").strip():
            yield op.pointer, f"{op.method.upper()} {op.path} has no summary"


@lint_rule("servers", WARNING, "the spec lists its servers")
def _servers(ctx: _Context) -> Iterator[tuple[str, str]]:
    if not ctx.document.get("servers"):
        yield "", "no servers: clients and the mock cannot know the base path"


@lint_rule("unused-component", WARNING, "every component is referenced somewhere")
def _unused(ctx: _Context) -> Iterator[tuple[str, str]]:
    text = json.dumps(ctx.document)
    used = set(re.findall(r'"\$ref": "#/components/([^/"]+)/([^"]+)"', text))
    components = ctx.document.get("components") or {}
    for kind in ("schemas", "parameters", "responses", "examples", "requestBodies", "headers", "links"):
        for name in components.get(kind) or {}:
            if (kind, escape_token(str(name))) not in used:
                yield f"/components/{kind}/{escape_token(str(name))}", f"{kind} component {name!r} is never referenced"


def _example_values(ctx: _Context) -> Iterator[tuple[str, str, Any]]:
    """(pointer of the value, pointer of its schema, value) for every example in the spec."""
    document = ctx.document
    for pointer, node in _walk(document):
        if not isinstance(node, dict) or "schema" not in node:
            continue
        schema_pointer = pointer + "/schema"
        if "example" in node:
            yield pointer + "/example", schema_pointer, node["example"]
        for name, example in (node.get("examples") or {}).items() if isinstance(node.get("examples"), dict) else ():
            resolved = deref(document, example)
            if isinstance(resolved, dict) and "value" in resolved:
                yield f"{pointer}/examples/{escape_token(str(name))}/value", schema_pointer, resolved["value"]
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        base = f"/components/schemas/{escape_token(str(name))}"
        if isinstance(schema, dict):
            if "example" in schema:
                yield base + "/example", base, schema["example"]
            for index, value in enumerate(schema.get("examples") or []):
                yield f"{base}/examples/{index}", base, value


@lint_rule("example-valid", ERROR, "every example (media type, parameter, schema) validates against its schema")
def _examples(ctx: _Context) -> Iterator[tuple[str, str]]:
    assert ctx.compiler is not None
    for value_pointer, schema_pointer, value in _example_values(ctx):
        try:
            validator = ctx.compiler.at(schema_pointer)
            errors = list(validator.iter_errors(value))
        except Exception as exc:  # an unresolvable schema is reported by the structural check
            yield value_pointer, f"cannot validate: {exc}"
            continue
        for where, message in errors[:3]:
            yield value_pointer + where, f"example does not match its schema: {message}"


@lint_rule("placeholder-example", WARNING, 'no placeholder example values ("string", "Hello, world!")')
def _placeholders(ctx: _Context) -> Iterator[tuple[str, str]]:
    for value_pointer, _, value in _example_values(ctx):
        for pointer, node in _walk(value):
            if isinstance(node, str) and node.strip() in _PLACEHOLDERS:
                key = pointer.rsplit("/", 1)[-1].lower()
                if node.strip() == "string" and key.endswith("type"):
                    continue  # a column or field type named "string" (DSS schemas, SQL types) is real data
                yield value_pointer + pointer, f"placeholder value {node!r}: use a realistic one"


def _finding(spec: LoadedSpec, rule: Rule, pointer: str, message: str) -> Finding:
    file, local, line = spec.locate(pointer)
    return Finding(rule.name, rule.severity, display_path(file), line, local, message)


def lint(paths: Iterable[str | Path], disabled: Iterable[str] = ()) -> list[Finding]:
    """Every finding of every spec in ``paths`` (rules named in ``disabled`` are skipped)."""
    off = set(disabled)
    findings: list[Finding] = []
    for path in paths:
        try:
            spec = load_spec(path, validate=False)
        except SpecLoadError as exc:
            if "spec-load" not in off:
                findings.append(Finding("spec-load", ERROR, exc.file, exc.line, exc.pointer, exc.message))
            continue
        structural = [] if "openapi-structure" in off else list(iter_spec_errors(spec.document))
        for pointer, message in structural:
            if not pointer:  # semantic checks of openapi-spec-validator name the operation in the message only
                match = re.search(r"'(\w+)' operation in '([^']+)'", message)
                if match and match.group(2) in (spec.document.get("paths") or {}):
                    pointer = join_pointer("paths", match.group(2), match.group(1))
            file, local, line = spec.locate(pointer)
            findings.append(Finding("openapi-structure", ERROR, display_path(file), line, local, one_line(message)))
        if structural:
            continue  # the named rules assume a structurally valid document
        ctx = _Context(spec, spec.document, list(iter_operations(spec)), SchemaCompiler(spec.document))
        for rule in RULES.values():
            if rule.name in off:
                continue
            findings.extend(_finding(spec, rule, pointer, message) for pointer, message in rule.check(ctx))
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

