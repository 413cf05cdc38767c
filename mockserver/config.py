"""MockConfig: every setting of the mock server with its default, in one place."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field

__all__ = ["SERVERS", "MockConfig", "default_server", "default_workers"]

#: the HTTP servers ``apitwin serve`` runs on (:func:`default_server` picks one;
#: bench/servers_bench.py measures them side by side: ARCHITECTURE.md, Decisions)
SERVERS = ("granian", "gunicorn", "waitress")


def default_server() -> str:
    """granian (a dependency); waitress on Windows, where granian's workers cannot be handed the app
    (they are spawned, not forked); gunicorn where granian is missing."""
    if sys.platform == "win32":
        return "waitress"
    return "granian" if importlib.util.find_spec("granian") is not None else "gunicorn"


def default_workers(server: str | None = None) -> int:
    """Worker processes: one per core on granian (its threads wait for slow requests); on gunicorn's sync
    workers, two per core plus one (a delayed answer holds its whole worker)."""
    cores = os.cpu_count() or 1
    return cores if (server or default_server()) == "granian" else 2 * cores + 1



@dataclass(frozen=True)
class MockConfig:
    """Settings of a mock app.

    Attributes:
        accept_any_credential: accept every well-formed credential (the default).
            When False, only the values in ``credentials`` are accepted.
        credentials: accepted credential values when ``accept_any_credential`` is
            False: API keys, bearer tokens, or basic-auth user names.
        validate_responses: validate every response against the spec before it is
            sent (the self-check). A mismatch becomes a 500 problem.
        seed: seed of the data generated from schemas, so that the same request
            gets the same answer from one run to the next.
        violations_header: the response header that lists every violation.
        cors: answer CORS preflights from the spec and add CORS headers (on by default, for browser
            frontends).
        cors_origins: allowed origins; ``("*",)`` allows any and echoes the request's ``Origin``, without
            ``Access-Control-Allow-Credentials`` (no page may send the browser's cookies or HTTP auth);
            only origins listed by name are answered with ``Access-Control-Allow-Credentials: true``.
            Never applies to the admin API (``/__apitwin``), which answers no CORS at all.
        admin_token: when set, every admin endpoint (``/__apitwin``) requires it, as
            ``Authorization: Bearer <token>`` or ``X-Apitwin-Admin-Token: <token>`` (the dashboard page
            also as ``?token=``). ``apitwin serve`` requires one when it binds beyond loopback.
        allowed_hosts: the ``Host`` names the admin API answers besides the loopback names (127.0.0.1,
            localhost, [::1], any port); ``"*"`` allows any. Others get a 421 (DNS rebinding).
        delay_ms: a fixed delay before every answer.
        delay_jitter_ms: a random extra delay, up to this many milliseconds.
        error_rates: (operationId or ``"*"``, probability) pairs: that share of requests get a 500.
        fault_timeout_s: how long ``Prefer: fault=timeout`` holds a request before dropping it.
        max_delay_ms: the longest delay a ``Prefer: delay=`` may ask for.
        journal: keep the request journal (``/__apitwin/requests``, the dashboard's requests). Off by
            default in the library (a test rarely needs it); ``apitwin serve`` turns it on
            (``--no-journal`` turns it off).
        journal_path: its SQLite file; default: a file in a new private temporary folder.
        stateful: stateful mode: what a client creates, changes or deletes is remembered
            (collections inferred from the paths, seeded from the examples).
        state: where stateful mode keeps its resources: a SQLite file (kept across restarts) or a
            ``redis://`` URL (shared by several instances); default: a file in a private temporary folder.
        recordings: a folder of recorded exchanges (``apitwin record``) replayed before the spec's examples.
        max_body_bytes: the largest request body read; a larger one is answered 413 without being read.
            The default (32 MiB) is well above the largest payload of the five shipped APIs
            (DSS dataset uploads in tests are kilobytes; its documented upload limit is the server's).
        max_json_depth: the deepest nesting of arrays and objects a JSON body may have (400 beyond).
        max_multipart_parts: the most parts a ``multipart/*`` body (or fields an urlencoded form) may have;
            more are refused with 413 before the body is parsed.
        max_echo_chars: the longest value quoted in a violation message (``sl-violations``, error
            bodies, logs, the journal): longer ones are cut, marked with an ellipsis; a message is
            cut to ten times this.
        journal_body_chars: the longest body (request or answer) the journal keeps, in characters;
            longer ones are kept cut, marked truncated with their full size.
        redact: more names whose values are secret (headers, query parameters, cookies, form fields, JSON
            keys; case-insensitive), besides the security schemes' names of the specs and secret-looking
            names (``password``, ``token``, ``api_key``, ...): see :mod:`mockserver.modes.redaction`.
        callbacks: send the callbacks an operation documents (``callbacks``) after its 2xx answers, from a
            background thread.
        callback_hosts: the hosts callbacks and webhooks may be sent to besides loopback addresses and
            ``localhost`` (``"*"``: any). Others are not called (the journal says why).
        callback_timeout_s: how long a callback or webhook waits to connect and for each read of the answer.
        strict: refuse a spec that is not valid OpenAPI. Off by default: a structurally usable
            spec is served and each problem is logged once as a warning (``apitwin lint`` lists them).
    """

    accept_any_credential: bool = True
    credentials: frozenset[str] = field(default_factory=frozenset)
    validate_responses: bool = True
    seed: int = 0
    violations_header: str = "sl-violations"
    cors: bool = True
    cors_origins: tuple[str, ...] = ("*",)
    admin_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    delay_ms: int = 0
    delay_jitter_ms: int = 0
    error_rates: tuple[tuple[str, float], ...] = ()
    fault_timeout_s: float = 30.0
    max_delay_ms: int = 60_000
    journal: bool = False
    journal_path: str | None = None
    stateful: bool = False
    state: str | None = None
    recordings: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    max_json_depth: int = 128
    max_multipart_parts: int = 1000
    max_echo_chars: int = 100
    journal_body_chars: int = 16384
    redact: tuple[str, ...] = ()
    strict: bool = False
    callbacks: bool = True
    callback_hosts: tuple[str, ...] = ()
    callback_timeout_s: float = 5.0

    def error_rate(self, operation_id: str) -> float:
        """The configured share of injected 500s for ``operation_id``."""
        rates = dict(self.error_rates)
        return float(rates.get(operation_id, rates.get("*", 0.0)))
