"""gunicorn as a library: ``apitwin serve --server gunicorn`` (imported only where gunicorn exists)."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from ..modes.redaction import Redactor
from ..modes.redaction_messages import access_atoms

__all__ = ["ACCESS_LOG_FORMAT", "THREADS", "WORKER_CLASS", "GunicornServer", "gunicorn_settings", "quiet_quit",
           "redacting_logger", "run_gunicorn", "set_nodelay"]

#: gunicorn worker class. Threaded workers (gthread) keep connections alive, but each
#: connection then stays with the worker that accepted it, and a burst of connections often
#: lands on one worker: throughput halved at random in the benchmark. Sync workers take one
#: request per connection and so spread the load evenly.
WORKER_CLASS = "sync"
THREADS = 1
#: gunicorn's default without the user (``%(u)s``: the Basic-auth user is often the API key) and
#: without the query string (``?api_key=``): the path alone
ACCESS_LOG_FORMAT = '%(h)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def set_nodelay(server: Any) -> None:
    """gunicorn ``when_ready`` hook: TCP_NODELAY on the listeners (accepted sockets inherit it).

    gunicorn writes the headers and the body of a small answer in two calls; with
    Nagle's algorithm on, the body then waits for the client's delayed ACK, and the
    throughput of keep-alive clients collapses at random (seen at 1,500 instead of
    3,500 requests/s).
    """
    for listener in getattr(server, "LISTENERS", []):
        sock = getattr(listener, "sock", None)
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _quit_is_no_error(record: logging.LogRecord) -> bool:
    """gunicorn logs a worker told to quit (Ctrl-C: ``SystemExit`` raised in the worker) while it waited on an
    idle connection or wrote an answer as "Error handling request", with a traceback; it is no error."""
    return not (record.exc_info and record.exc_info[0] is SystemExit)


def quiet_quit(worker: Any) -> None:
    """gunicorn ``post_worker_init`` hook: no traceback in the log when Ctrl-C stops a waiting worker."""
    worker.log.error_log.addFilter(_quit_is_no_error)


def gunicorn_settings(host: str, port: int, workers: int, access_log: bool = False, threads: int = THREADS,
                      certfile: str | None = None, keyfile: str | None = None,
                      client_ca: str | None = None) -> dict[str, Any]:
    """gunicorn's settings for ``apitwin serve --server gunicorn`` (also used by the benchmarks).

    ``client_ca`` (PEM, with ``certfile``): every connection must present a client certificate that CA
    signed (mutual TLS); the handshake fails otherwise, before any HTTP.
    """
    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": 1,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "warning",
        # a delayed answer (`Prefer: delay`, at most 60 s) holds its sync worker: not a stuck worker
        "timeout": 90,
        "graceful_timeout": 5,
        "proc_name": "apitwin",
        "certfile": certfile,
        "keyfile": keyfile,
        "ca_certs": client_ca,
        "cert_reqs": ssl.CERT_REQUIRED if client_ca else None,
        "post_worker_init": quiet_quit,
        # specs name headers with underscores (the Swagger petstore's `api_key`): gunicorn drops them by default
        "header_map": "dangerous",
    }
    if threads > 1:
        settings["worker_class"], settings["threads"] = "gthread", threads
    return {key: value for key, value in settings.items() if value is not None}


def redacting_logger(redactor: Callable[[], Redactor]) -> type[Logger]:
    """gunicorn's logger with access-log lines redacted by ``redactor()`` (the served app's): the Basic-auth
    user (DSS's API key), secret query parameters, secret headers."""

    class RedactingLogger(Logger):  # type: ignore[misc]
        def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
            return access_atoms(redactor(), super().atoms(resp, req, environ, request_time))

    return RedactingLogger


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with ``settings``; each new worker serves what ``current()`` gives (after a reload, the new app)."""

    def __init__(self, settings: dict[str, Any], current: Callable[[], Any]) -> None:
        self.settings = settings
        self.current = current
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.current()


def run_gunicorn(current: Callable[[], Any], settings: dict[str, Any],
                 on_ready: Callable[[], None] | None = None) -> None:
    """Serve ``current()`` on gunicorn with ``settings`` until interrupted; ``SIGHUP`` starts new workers."""

    def ready(server: Any) -> None:
        set_nodelay(server)
        if on_ready is not None:
            on_ready()

    GunicornServer({**settings, "when_ready": ready}, current).run()
