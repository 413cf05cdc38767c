"""The ``apitwin`` command line: the composition root, the only module wiring mockserver and contracts.

Each command translates options into a call of one library function.

Exit codes, failures, logging and the configuration file's defaults: :mod:`contracts.cli_group`.
"""

from __future__ import annotations

import errno
import gc
import socket
import sys
from pathlib import Path
from typing import Any

import click

from mockserver import (
    SERVERS,
    MockConfig,
    MockServerError,
    RouteCollisionError,
    SpecLoadError,
    default_server,
    default_spec_paths,
    default_workers,
)
from mockserver.files import private_file

from .cli_group import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SERVE,
    EXIT_SPEC,
    EXIT_USAGE,
    Commands,
    config_defaults,
    fail,
    setup_logging,
)
from .cli_verify import verify_command

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SERVE", "EXIT_SPEC", "EXIT_USAGE", "main"]


def serve(app: Any, **options: Any) -> None:
    """:func:`mockserver.serve`, imported when a command serves (``lint`` and ``diff`` never import the HTTP layer)."""
    from mockserver import serve as serve_app

    serve_app(app, **options)


def _is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    host = host.strip("[]").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def _check_bindable(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            fail(f"cannot listen on {host}:{port}: {reason}", EXIT_SERVE)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="apitwin", prog_name="apitwin")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="apitwin.yaml or pyproject.toml ([tool.apitwin]) whose sections set the commands' defaults "
                   "[default: ./apitwin.yaml, else ./pyproject.toml].")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """apitwin: a faithful twin of an HTTP API from its OpenAPI description."""
    ctx.default_map = config_defaults(ctx, config_file)


def _frozen(build: Any) -> Any:
    """``build()`` with the cyclic garbage collector paused, its objects then frozen (``gc.freeze``).

    A load makes hundreds of thousands of objects and no garbage: collections during it only
    cost time (a quarter of a warm start), and frozen objects are never scanned again, so forked
    workers do not touch (and copy) their pages. A rebuild (hot reload) first unfreezes the
    previous app's objects, so that it can be collected once replaced.
    """
    gc.unfreeze()
    gc.disable()
    try:
        return build()
    finally:
        gc.enable()
        gc.freeze()


def _error_rate(value: str) -> tuple[str, float]:
    name, sep, rate = value.rpartition("=")
    try:
        number = float(rate)
    except ValueError:
        number = -1.0
    if not sep or not name or not 0 <= number <= 1:
        raise click.BadParameter(f"{value!r} is not OPERATION_ID=RATE with RATE between 0 and 1 ('*' for all)")
    return name, number


@main.command("serve")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=4010, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes [default: cores on granian, 2 x cores + 1 on gunicorn].")
@click.option("--server", type=click.Choice(SERVERS), default=None,
              help="HTTP server [default: granian; waitress on Windows].")
@click.option("--read-timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a client has to send a request's head; then it is disconnected (granian).")
@click.option("--pin-workers/--no-pin-workers", default=True, show_default=True,
              help="Run each worker's threads on a CPU of its own (granian, Linux): faster and a shorter tail under "
                   "load; off lets the system move a worker away from a busy CPU.")
@click.option("--credential", "credentials", multiple=True,
              help="Accept only this API key / token / basic user (repeatable). Default: any well-formed one.")
@click.option("--response-validation/--no-response-validation", default=True, show_default=True,
              help="Check every answer against the spec (the self-check).")
@click.option("--access-log", is_flag=True, help="Log every request.")
@click.option("--journal/--no-journal", default=True, show_default=True,
              help="Keep the request journal (/__apitwin/requests, the dashboard's requests).")
@click.option("--cors/--no-cors", default=True, show_default=True, help="CORS headers and preflight answers.")
@click.option("--cors-origin", "cors_origins", multiple=True, help="Allowed origin (repeatable) [default: any].")
@click.option("--stateful/--stateless", default=False, show_default=True,
              help="Remember what clients create, change and delete (collections inferred from the paths).")
@click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file of the state, kept across restarts [default: a temporary file].")
@click.option("--state", "state_url", help="redis://HOST:PORT/DB: a state shared by several instances.")
@click.option("--recordings", type=click.Path(file_okay=False, path_type=Path),
              help="Replay the exchanges recorded here (apitwin record) before the spec's examples.")
@click.option("--delay", "delay_ms", default=0, show_default=True, type=click.IntRange(0),
              help="Milliseconds before every answer.")
@click.option("--delay-jitter", "delay_jitter_ms", default=0, show_default=True, type=click.IntRange(0),
              help="Up to this many random milliseconds more.")
@click.option("--error-rate", "error_rates", multiple=True,
              help="OPERATION_ID=RATE (or *=RATE): that share of requests gets a 500 (repeatable).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the values generated from schemas.")
@click.option("--reload/--no-reload", default=True, show_default=True,
              help="Reload when a spec, a file it references or a recording changes (requests in flight finish).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM certificate: serve https (for clients that only speak https), with --tls-key.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM private key of --tls-cert.")
@click.option("--tls-client-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM CA: require a client certificate it signed on every connection (mutual TLS; needs --tls-cert).")
@click.option("--callbacks/--no-callbacks", default=None,
              help="Send the callbacks operations document after 2xx answers [default: on when bound to loopback].")
@click.option("--callback-host", "callback_hosts", multiple=True,
              help="Host callbacks and webhooks may call besides loopback (repeatable; * for any).")
@click.option("--callback-timeout", default=MockConfig.callback_timeout_s, show_default=True,
              type=click.FloatRange(0.1), help="Seconds a callback or webhook waits to connect and for its answer.")
@click.option("--strict", is_flag=True,
              help="Refuse a spec that is not valid OpenAPI [default: serve it, each problem a warning].")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
@click.option("--max-body-bytes", default=MockConfig.max_body_bytes, show_default=True, type=click.IntRange(1),
              help="Largest request body read; larger ones get 413 unread.")
@click.option("--max-json-depth", default=MockConfig.max_json_depth, show_default=True, type=click.IntRange(1),
              help="Deepest nesting of a JSON body; deeper ones get 400.")
@click.option("--max-multipart-parts", default=MockConfig.max_multipart_parts, show_default=True,
              type=click.IntRange(1), help="Most parts of a multipart body (fields of a form); more get 413 unparsed.")
@click.option("--max-echo-chars", default=MockConfig.max_echo_chars, show_default=True, type=click.IntRange(8),
              help="Longest value quoted in a violation message (sl-violations, error bodies, logs); longer ones "
                   "are cut.")
@click.option("--journal-body-chars", default=MockConfig.journal_body_chars, show_default=True,
              type=click.IntRange(0), help="Longest body the journal keeps; longer ones are kept cut, marked.")
@click.option("--redact", "redact", multiple=True,
              help="A header, query parameter, cookie or body field whose values are secret (repeatable), besides "
                   "the specs' security schemes and secret-looking names (password, token, api_key, ...).")
@click.option("--admin-token", envvar="APITWIN_ADMIN_TOKEN", default=None,
              help="Token every /__apitwin endpoint requires (Authorization: Bearer, or X-Apitwin-Admin-Token; "
                   "the dashboard as ?token=). Required when --host is not loopback. [env: APITWIN_ADMIN_TOKEN]")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="Host name the admin API answers besides loopback names and --host (repeatable; * for any).")
def serve_command(specs: tuple[Path, ...], host: str, port: int, workers: int | None, server: str | None,
                  read_timeout: float, pin_workers: bool, credentials: tuple[str, ...],
                  response_validation: bool, access_log: bool, journal: bool, cors: bool,
                  cors_origins: tuple[str, ...], stateful: bool, state_file: Path | None, state_url: str | None,
                  recordings: Path | None, delay_ms: int, delay_jitter_ms: int, error_rates: tuple[str, ...],
                  seed: int, reload: bool, tls_cert: Path | None, tls_key: Path | None, tls_client_ca: Path | None,
                  callbacks: bool | None, callback_hosts: tuple[str, ...], callback_timeout: float, strict: bool,
                  log_level: str, max_body_bytes: int, max_json_depth: int, max_multipart_parts: int,
                  max_echo_chars: int, journal_body_chars: int, redact: tuple[str, ...], admin_token: str | None,
                  allowed_hosts: tuple[str, ...]) -> None:
    """Serve SPECS (default: the five specs shipped with apitwin, see `apitwin specs`) on one port."""
    from mockserver import create_app  # Flask: only the commands that serve import it

    setup_logging(log_level)
    specs = tuple(Path(s) for s in specs)
    if state_file and state_url:
        raise click.UsageError("give --state-file or --state, not both")
    if (tls_cert is None) != (tls_key is None) or (tls_client_ca is not None and tls_cert is None):
        raise click.UsageError("https needs both --tls-cert and --tls-key (--tls-client-ca needs https)")
    for spec in specs:
        if not spec.is_file():
            fail(f"{spec}: no such file", EXIT_SPEC)
    if not specs and not default_spec_paths():
        fail("no SPEC given and the shipped specs are missing from this installation", EXIT_SPEC)
    if recordings is not None and not recordings.is_dir():
        fail(f"{recordings}: no such folder of recordings", EXIT_USAGE)
    exposed = not _is_loopback(host)
    if admin_token is not None and not admin_token.strip():
        fail("--admin-token is empty", EXIT_USAGE)
    if exposed and admin_token is None:
        fail(f"--host {host} is reachable from the network: give --admin-token (or APITWIN_ADMIN_TOKEN) to "
             "protect the admin API (/__apitwin)", EXIT_USAGE)
    if exposed and host not in ("0.0.0.0", "::", ""):
        allowed_hosts = (*allowed_hosts, host)
    state = state_url or (str(state_file) if state_file else None)
    stateful = stateful or state is not None  # --state-file or --state imply --stateful
    if stateful and state is None:  # one file for every worker and every reload
        state = private_file("state.sqlite", prefix="apitwin-state-")
    config = MockConfig(
        accept_any_credential=not credentials,
        credentials=frozenset(credentials),
        validate_responses=response_validation,
        journal=journal,
        journal_path=private_file("journal.sqlite", prefix="apitwin-journal-") if journal else None,
        cors=cors,
        cors_origins=tuple(cors_origins) or ("*",),
        stateful=stateful,
        state=state,
        recordings=str(recordings) if recordings else None,
        delay_ms=delay_ms,
        delay_jitter_ms=delay_jitter_ms,
        error_rates=tuple(_error_rate(r) for r in error_rates),
        seed=seed,
        max_body_bytes=max_body_bytes,
        max_json_depth=max_json_depth,
        max_multipart_parts=max_multipart_parts,
        max_echo_chars=max_echo_chars,
        journal_body_chars=journal_body_chars,
        redact=tuple(redact),
        strict=strict,
        admin_token=admin_token,
        allowed_hosts=tuple(allowed_hosts),
        callbacks=not exposed if callbacks is None else callbacks,  # exposed: anyone could make it call here
        callback_hosts=tuple(callback_hosts),
        callback_timeout_s=callback_timeout,
    )

    def build() -> Any:
        return _frozen(lambda: create_app(list(specs) or None, config))

    try:
        app = build()
    except SpecLoadError as exc:
        fail(str(exc), EXIT_SPEC)
    except (RouteCollisionError, MockServerError) as exc:  # e.g. a damaged --state-file
        fail(str(exc), EXIT_SERVE)
    except Exception as exc:  # e.g. a Redis server that does not answer
        fail(f"cannot start: {type(exc).__name__}: {exc}", EXIT_SERVE)
    _check_bindable(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    scheme = "https" if tls_cert else "http"
    for api in app.extensions["apitwin"]:
        urls = ", ".join(f"{scheme}://{shown_host}:{port}{p}" for p in api.prefixes)
        click.echo(f"apitwin: {api.spec.title}: {len(api.operations)} operations at {urls}")
    if stateful:
        click.echo(f"apitwin: stateful, state in {state}")
    if tls_client_ca is None and any(s.get("type") == "mutualTLS" for api in app.extensions["apitwin"] for s in (
            (api.spec.document.get("components") or {}).get("securitySchemes") or {}).values() if isinstance(s, dict)):
        click.echo("apitwin: WARNING: a spec uses a mutualTLS security scheme, which is checked by the TLS layer: "
                   "without --tls-client-ca no client certificate is asked for and it is treated as met", err=True)
    if exposed:
        click.echo(f"apitwin: WARNING: listening on {host}, beyond loopback: anyone who can reach this port can "
                   "call the mock; the admin API (/__apitwin) requires --admin-token"
                   + ("; callbacks are off (--callbacks turns them on)" if callbacks is None else ""), err=True)
    server = server or default_server()
    click.echo(f"apitwin: listening on {scheme}://{shown_host}:{port} ({server}, "
               f"{workers or default_workers(server)} workers); "
               f"dashboard at {scheme}://{shown_host}:{port}/__apitwin/; Ctrl-C stops")
    watched = [p.spec.path.parent for p in app.extensions["apitwin"]] + ([recordings] if recordings else [])
    serve(app, host=host, port=port, workers=workers, access_log=access_log,
          rebuild=build if reload else None, watch=watched,
          certfile=str(tls_cert) if tls_cert else None, keyfile=str(tls_key) if tls_key else None, server=server,
          read_timeout_s=read_timeout, client_ca=str(tls_client_ca) if tls_client_ca else None,
          pin_workers=pin_workers)


@main.command("specs")
@click.option("--folder", is_flag=True, help="Print only the folder that holds them.")
def specs_command(folder: bool) -> None:
    """Print where the specs shipped with apitwin are (one path a line), the ones `serve` serves by default."""
    paths = default_spec_paths()
    if not paths:
        fail("the shipped specs are missing from this installation", EXIT_SPEC)
    for path in [paths[0].parent] if folder else paths:
        click.echo(str(path))


@main.command("record")
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--upstream", required=True, help="Base URL of the real implementation (the only host contacted).")
@click.option("--out", "out", default=Path("recordings"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder of the recordings (one file each).")
@click.option("--no-record", is_flag=True, help="Only validate (a validation proxy); write nothing.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=4011, show_default=True, type=click.IntRange(0, 65535))
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds to wait for the upstream.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
@click.option("--redact", "redact", multiple=True,
              help="A header, query parameter, cookie or body field whose values are secret (repeatable), besides "
                   "the specs' security schemes and secret-looking names (password, token, api_key, ...).")
def record_command(specs: tuple[Path, ...], upstream: str, out: Path, no_record: bool, host: str, port: int,
                   timeout: float, log_level: str, redact: tuple[str, ...]) -> None:
    """Proxy to UPSTREAM: validate each request and real answer against SPECS and record the exchanges."""
    from mockserver import create_proxy_app

    setup_logging(log_level)
    for spec in specs:
        if not Path(spec).is_file():
            fail(f"{spec}: no such file", EXIT_SPEC)
    try:
        app = create_proxy_app(list(specs), upstream, None if no_record else Path(out),
                               MockConfig(cors=False, redact=tuple(redact)), timeout=timeout)
    except SpecLoadError as exc:
        fail(str(exc), EXIT_SPEC)
    except MockServerError as exc:  # e.g. --out cannot be written
        fail(str(exc), EXIT_SERVE)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--upstream") from None
    _check_bindable(host, port)
    click.echo(f"apitwin: recording {upstream} on http://{host}:{port}"
               + ("" if no_record else f" into {out}/") + "; Ctrl-C stops")
    serve(app, host=host, port=port, workers=1, threads=8)
    stats = app.extensions["apitwin_proxy"]
    click.echo(f"apitwin: {stats.exchanges} exchanges, {stats.deviations} with deviations from the spec"
               + (f", {stats.unrecorded} NOT RECORDED (see the errors above)" if stats.unrecorded else ""))


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_command(old: Path, new: Path, output_format: str) -> None:
    """What changed from OLD to NEW; exit 1 when a change breaks existing clients."""
    from contracts.diff import diff_specs, render_changes_json, render_changes_text

    for path in (old, new):
        if not path.is_file():
            fail(f"{path}: no such file", EXIT_SPEC)
    try:
        changes = diff_specs(old, new)
    except SpecLoadError as exc:
        fail(str(exc), EXIT_SPEC)
    click.echo(render_changes_json(changes) if output_format == "json" else render_changes_text(changes))
    sys.exit(EXIT_FINDINGS if any(c.breaking for c in changes) else EXIT_OK)


@main.command("lint")
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None,
              help="Lowest severity that fails the run [default: error, or the configuration's].")
@click.option("--disable", multiple=True, help="Rule to skip (repeatable), in addition to the configuration's.")
@click.pass_context
def lint_command(ctx: click.Context, specs: tuple[Path, ...], output_format: str, fail_on: str | None,
                 disable: tuple[str, ...]) -> None:
    """Lint SPECS: structural validity, then named rules; exit 1 when a finding reaches --fail-on.

    The configuration's ``lint`` section (read once, by the group's ``--config``) sets the defaults;
    ``--disable`` adds to its list.
    """
    from contracts.lint import RULES, lint, render_findings

    for spec in specs:
        if not spec.is_file():
            fail(f"{spec}: no such file", EXIT_SPEC)
    configured = (ctx.default_map or {}).get("disable") or ()
    disabled = {*([configured] if isinstance(configured, str) else configured), *disable}
    unknown = disabled - set(RULES) - {"openapi-structure", "spec-load"}
    if unknown:
        raise click.UsageError(f"unknown rules {sorted(unknown)}; known: {', '.join(RULES)}")
    threshold = fail_on or "error"
    findings = lint(specs, disabled)
    text = render_findings(findings, output_format)
    if text:
        click.echo(text)
    failing = [f for f in findings if f.severity == "error" or threshold == "warning"]
    sys.exit(EXIT_FINDINGS if failing else EXIT_OK)


main.add_command(verify_command)
