"""``apitwin verify``: options translated into one call of :func:`contracts.verify.verify` (or
``verify_against_mock``), the scorecard printed, the reports written whole."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from mockserver import SpecLoadError

from .cli_group import EXIT_FINDINGS, EXIT_OK, EXIT_SERVE, EXIT_SPEC, EXIT_USAGE, fail

__all__ = ["verify_command"]


def _parse_header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(f"{value!r} is not 'Name: value'")
    return name.strip(), content.strip()


def _parse_api_key(value: str) -> tuple[str, str]:
    name, sep, key = value.partition("=")
    if not sep or not name or not key:
        raise click.BadParameter(f"--api-key takes SCHEME=KEY (a securitySchemes name), not {value!r}")
    return name, key


def _parse_parameter(value: str) -> tuple[str, str]:
    name, sep, content = value.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"--parameter takes NAME=VALUE (or LOCATION.NAME=VALUE), not {value!r}")
    return name, content


def _parse_auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep:
        raise click.BadParameter("--auth takes USER:PASSWORD (for an API key as user: KEY:)")
    return user, password


@click.command("verify")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", help="Root URL of the implementation under test; the spec's server path is added "
              "when the URL has none.")
@click.option("--against-mock", is_flag=True, help="Test apitwin's own mock of SPEC, in process.")
@click.option("--auth", help="HTTP Basic credentials USER:PASSWORD.")
@click.option("--header", "-H", "headers", multiple=True, help="Extra header 'Name: value' (repeatable).")
@click.option("--api-key", "api_keys", multiple=True,
              help="SCHEME=KEY: the key of an apiKey scheme, sent where it says (header, query, cookie) (repeatable).")
@click.option("--identities", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Web Fuzzing Commons auth document (JSON or YAML) listing users and their credentials: "
              "the first is used, and no user may read another's objects (check object_level_authorization).")
@click.option("--peer", "peers", multiple=True,
              help="With --identities: a user who must not read the others' objects (repeatable; default: all).")
@click.option("--parameter", "parameters", multiple=True,
              help="NAME=VALUE: every parameter NAME (or LOCATION.NAME, e.g. path.user_id) is sent with VALUE, "
              "e.g. the id of an object that exists on the server (repeatable).")
@click.option("--max-examples", default=25, show_default=True, type=click.IntRange(1))
@click.option("--seed", type=int, help="Seed for reproducible runs.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Against --base-url: requests at once (default 1). With --against-mock: processes the "
              "operations are dealt out to (default: one per CPU core, at most 8).")
@click.option("--tag", "tags", multiple=True, help="Only operations with this tag (repeatable).")
@click.option("--operation-id", "operation_ids", multiple=True, help="Only this operationId (repeatable).")
@click.option("--path", "paths", multiple=True, help="Only this path template (repeatable).")
@click.option("--method", "methods", multiple=True, help="Only this HTTP method (repeatable).")
@click.option("--exclude-checks", default="", help="Comma-separated schemathesis checks to skip.")
@click.option("--phases", default="examples,coverage,fuzzing,stateful", show_default=True)
@click.option("--request-timeout", default=10.0, show_default=True, type=float, help="Seconds per request.")
@click.option("--rate-limit", help="At most this many requests, e.g. 100/s or 1000/m.")
@click.option("--max-time", type=click.FloatRange(min=0, min_open=True),
              help="Stop the whole run after this many seconds and report what ran.")
@click.option("--max-response-time", type=click.FloatRange(min=0, min_open=True),
              help="Fail answers slower than this many seconds (check max_response_time).")
@click.option("--cacert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM file of the CA that signed the server's certificate (https with a private CA).")
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report.")
@click.option("--html", "html_report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a self-contained HTML report.")
def verify_command(spec: Path, base_url: str | None, against_mock: bool, auth: str | None, headers: tuple[str, ...],
                   api_keys: tuple[str, ...], identities: Path | None, peers: tuple[str, ...],
                   parameters: tuple[str, ...], max_examples: int, seed: int | None, workers: int | None,
                   tags: tuple[str, ...], operation_ids: tuple[str, ...], paths: tuple[str, ...],
                   methods: tuple[str, ...],
                   exclude_checks: str, phases: str, request_timeout: float, rate_limit: str | None,
                   max_time: float | None, max_response_time: float | None, cacert: Path | None,
                   junit_xml: Path | None,
                   html_report: Path | None) -> None:
    """Property-based conformance tests of an implementation of SPEC (schemathesis 4)."""
    started = time.monotonic()  # --max-time bounds the command, importing schemathesis and loading SPEC included
    from contracts.reports import render_html, render_junit, render_scorecard
    from contracts.verify import PHASES, NothingSelected, Unreachable, VerifyOptions, verify, verify_against_mock
    from contracts.verify_credentials import BadIdentities
    from mockserver.files import write_atomically

    if not spec.is_file():
        fail(f"{spec}: no such file", EXIT_SPEC)
    if bool(base_url) == against_mock:
        raise click.UsageError("give exactly one of --base-url URL and --against-mock")
    chosen_phases = tuple(p.strip() for p in phases.split(",") if p.strip())
    unknown = set(chosen_phases) - set(PHASES)
    if unknown:
        raise click.UsageError(f"unknown phases {sorted(unknown)}; known: {', '.join(PHASES)}")
    if identities is not None and against_mock:
        raise click.UsageError("--identities is for a real server: the mock accepts one credential")
    if peers and identities is None:
        raise click.UsageError("--peer names a user of the --identities document: give that document")
    options = VerifyOptions(
        base_url=base_url or "",
        headers=tuple(_parse_header(h) for h in headers),
        auth=_parse_auth(auth),
        max_examples=max_examples,
        seed=seed,
        workers=workers or (min(_usable_cores(), 8) if against_mock else 1),
        tags=tags,
        operation_ids=operation_ids,
        paths=paths,
        methods=methods,
        exclude_checks=tuple(c.strip() for c in exclude_checks.split(",") if c.strip()),
        request_timeout=request_timeout,
        rate_limit=rate_limit,
        phases=chosen_phases,
        max_time=max_time,
        started=started,
        cacert=str(cacert) if cacert else None,
        max_response_time=max_response_time,
        api_keys=tuple(_parse_api_key(k) for k in api_keys),
        identities=str(identities) if identities else None,
        peers=peers,
        parameters=tuple(_parse_parameter(p) for p in parameters),
    )
    live = sys.stderr.isatty()

    def progress(label: str, done: int, total: int) -> None:
        text = f"[{done}/{total}] {label}"
        if live:
            click.echo(f"\r\033[K{text}", err=True, nl=False)
        elif done == total or done % 25 == 0:
            click.echo(text, err=True)

    try:
        run = verify_against_mock if against_mock else verify
        report = run(spec, options, progress)
    except SpecLoadError as exc:
        fail(str(exc), EXIT_SPEC)
    except BadIdentities as exc:
        fail(f"--identities: {exc}", EXIT_USAGE)
    except NothingSelected as exc:
        fail(f"nothing to test: {exc}", EXIT_USAGE)
    except Unreachable as exc:
        if live:
            click.echo("\r\033[K", err=True, nl=False)
        fail(f"{base_url}: {exc}", EXIT_SERVE)
    if live:
        click.echo("\r\033[K", err=True, nl=False)
    click.echo(render_scorecard(report))
    if junit_xml:
        write_atomically(junit_xml, render_junit(report))
    if html_report:
        write_atomically(html_report, render_html(report))
    if not report.tested:
        click.echo("apitwin: no operation was tested (each was skipped, or the run was cut before any answer)",
                   err=True)
    _exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _exit(code: int) -> NoReturn:
    """``sys.exit(code)``; in the ``apitwin`` process itself, without the interpreter's teardown, which takes
    seconds after a run on a big spec (freeing what schemathesis built: 4 s measured on a loaded machine), beyond
    ``--max-time``. Everything is written by then (the reports atomically, stdout and stderr flushed)."""
    try:
        sys.stdout.fileno()
        sys.stderr.fileno()
        own_process = Path(sys.argv[0]).name in ("apitwin", "apitwin.exe")
    except (AttributeError, ValueError, OSError):  # a test runner's captured streams (io.UnsupportedOperation)
        own_process = False
    if own_process:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _usable_cores() -> int:
    """The cores this process may run on (all of them where the system cannot say: macOS, Windows)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
