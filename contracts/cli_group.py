"""The ``apitwin`` command group's plumbing: exit codes, one-line failures, logging, crash logs, config defaults.

Exit codes (documented in the README):

== =====================================================================
0  success
1  the check found problems (lint findings, verify failures or no operation tested, breaking diff)
2  usage error (unknown option, missing argument)
3  a spec cannot be loaded (bad YAML, invalid OpenAPI, forbidden ``$ref``)
4  the server cannot start (route collision, address in use), or the server
   under test cannot be reached (``verify``: refused, TLS handshake failed)
5  an unexpected error inside apitwin: one line naming a log file with the details
== =====================================================================
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SERVE", "EXIT_SPEC", "EXIT_USAGE", "Commands",
           "config_defaults", "fail", "log_crash", "setup_logging"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SPEC = 3
EXIT_SERVE = 4
EXIT_INTERNAL = 5


def fail(message: str, code: int) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    click.echo(f"apitwin: {message}", err=True)
    sys.exit(code)


def setup_logging(level: str) -> None:
    """Send the ``apitwin`` logger's messages to stderr, one line each, from ``level`` up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("apitwin: %(levelname)s %(message)s"))
    log = logging.getLogger("apitwin")
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def log_crash(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error to a new log file readable by its owner only; its path."""
    import os
    import tempfile
    import traceback

    handle, path = tempfile.mkstemp(prefix="apitwin-error-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write("".join(traceback.format_exception(exc)))
    return Path(path)


class Commands(click.Group):
    """The command group: an unexpected exception is one line and exit 5, its traceback in a log file."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:
            try:
                where = f"; details in {log_crash(exc)}"
            except OSError:
                where = ""
            text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
            fail(f"unexpected error: {text[:300]}{where}", EXIT_INTERNAL)


def config_defaults(ctx: click.Context, path: Path | None) -> dict[str, Any]:
    """The configuration file's sections as click defaults (``state-file`` -> ``state_file``), checked."""
    from contracts.settings import UnreadableSettings, find_settings

    try:
        found, settings = find_settings(config=path)
    except (OSError, ValueError) as exc:  # tomllib's errors and YAML's (UnreadableSettings) are ValueErrors
        what = str(exc) if isinstance(exc, UnreadableSettings) else f"{type(exc).__name__}: {exc}"
        fail(f"cannot read the configuration: {what}".splitlines()[0], EXIT_USAGE)
    defaults: dict[str, Any] = {}
    group = ctx.command
    assert isinstance(group, click.Group)
    for section, values in settings.items():
        command = group.commands.get(section)
        if command is None or not isinstance(values, dict):
            fail(f"{found}: unknown section {section!r}; known: {', '.join(sorted(group.commands))}", EXIT_USAGE)
        names: dict[str, str] = {}  # the long option (or argument) name -> the parameter's name
        for param in command.params:
            if param.name and param.name != "config":
                longs = [o.lstrip("-") for o in param.opts if o.startswith("--")]
                names[longs[0] if longs else param.name] = param.name
        converted: dict[str, Any] = {}
        for key, value in values.items():
            name = names.get(str(key)) or names.get(str(key).replace("_", "-"))
            if name is None:
                fail(f"{found}: unknown setting {section}.{key}; known: {', '.join(sorted(names))}", EXIT_USAGE)
            if name == "error_rates" and isinstance(value, dict):
                value = [f"{k}={v}" for k, v in value.items()]
            converted[name] = value
        defaults[section] = converted
    return defaults
