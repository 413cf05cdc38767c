"""The ``apitwin`` command line: the composition root, the only module wiring mockserver and contracts.

Each command translates options into a call of one library function.

Exit codes (documented in the README):

== =====================================================================
0  success
1  the check found problems (lint findings, verify failures, breaking diff)
2  usage error (unknown option, missing argument)
3  a spec cannot be loaded (bad YAML, invalid OpenAPI, forbidden ``$ref``)
4  the server cannot start (route collision, address in use)
== =====================================================================
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from pathlib import Path

import click

from mockserver import MockConfig, RouteCollisionError, SpecLoadError, create_app, serve
from mockserver.server import default_workers

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_SERVE", "EXIT_SPEC", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SPEC = 3
EXIT_SERVE = 4


def fail(message: str, code: int) -> None:
    """Print one line to stderr and exit with ``code``."""
    click.echo(f"apitwin: {message}", err=True)
    sys.exit(code)


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("apitwin: %(levelname)s %(message)s"))
    log = logging.getLogger("apitwin")
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def _check_bindable(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            fail(f"cannot listen on {host}:{port}: {reason}", EXIT_SERVE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="apitwin", prog_name="apitwin")
def main() -> None:
    """apitwin: a faithful twin of an HTTP API from its OpenAPI description."""


@main.command("serve")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=4010, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Worker processes [default: cores].")
@click.option("--credential", "credentials", multiple=True,
              help="Accept only this API key / token / basic user (repeatable). Default: any well-formed one.")
@click.option("--no-response-validation", is_flag=True, help="Skip the self-check of responses.")
@click.option("--access-log", is_flag=True, help="Log every request.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
def serve_command(specs: tuple[Path, ...], host: str, port: int, workers: int | None, credentials: tuple[str, ...],
                  no_response_validation: bool, access_log: bool, log_level: str) -> None:
    """Serve SPECS (default: the five specs shipped with apitwin) on one port."""
    _setup_logging(log_level)
    config = MockConfig(
        accept_any_credential=not credentials,
        credentials=frozenset(credentials),
        validate_responses=not no_response_validation,
    )
    for spec in specs:
        if not spec.is_file():
            fail(f"{spec}: no such file", EXIT_SPEC)
    try:
        app = create_app(list(specs) or None, config)
    except SpecLoadError as exc:
        fail(str(exc), EXIT_SPEC)
    except RouteCollisionError as exc:
        fail(str(exc), EXIT_SERVE)
    _check_bindable(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    for api in app.extensions["apitwin"]:
        urls = ", ".join(f"http://{shown_host}:{port}{p}" for p in api.prefixes)
        click.echo(f"apitwin: {api.spec.title}: {len(api.operations)} operations at {urls}")
    click.echo(f"apitwin: listening on http://{shown_host}:{port} ({workers or default_workers()} workers); "
               "Ctrl-C stops")
    serve(app, host=host, port=port, workers=workers, access_log=access_log)
