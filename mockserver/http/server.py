"""Serving an app: :func:`serve` on a production WSGI server, :func:`running` in-process for tests."""

from __future__ import annotations

import logging
import os
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from .reload import Reloader

__all__ = ["THREADS", "WORKER_CLASS", "default_workers", "gunicorn_settings", "quiet_quit", "running", "serve",
           "set_nodelay"]

log = logging.getLogger("apitwin")

#: gunicorn worker class. Threaded workers (gthread) keep connections alive, but each
#: connection then stays with the worker that accepted it, and a burst of connections often
#: lands on one worker: throughput halved at random in the benchmark. Sync workers take one
#: request per connection and so spread the load evenly.
WORKER_CLASS = "sync"
THREADS = 1


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
    idle connection (a TLS client that has not sent its request) as "Error handling request", with a
    traceback; it is no error."""
    return not (record.exc_info and record.exc_info[0] is SystemExit)


def quiet_quit(worker: Any) -> None:
    """gunicorn ``post_worker_init`` hook: no traceback in the log when Ctrl-C stops a waiting worker."""
    worker.log.error_log.addFilter(_quit_is_no_error)


def default_workers() -> int:
    """gunicorn's rule for sync workers: two per core, plus one (a delayed answer holds only its worker)."""
    return 2 * (os.cpu_count() or 1) + 1


def gunicorn_settings(host: str, port: int, workers: int, access_log: bool = False, threads: int = THREADS,
                      certfile: str | None = None, keyfile: str | None = None,
                      client_ca: str | None = None) -> dict[str, Any]:
    """gunicorn's settings for ``apitwin serve`` (also used by ``bench/serve_bench.py``).

    ``client_ca`` (PEM, with ``certfile``): every connection must present a client certificate that CA
    signed (mutual TLS); the handshake fails otherwise, before any HTTP.
    """
    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": 1,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        "graceful_timeout": 5,
        "proc_name": "apitwin",
        "certfile": certfile,
        "keyfile": keyfile,
        "ca_certs": client_ca,
        "cert_reqs": ssl.CERT_REQUIRED if client_ca else None,
        # specs name headers with underscores (the Swagger petstore's `api_key`): gunicorn drops them by default
        "header_map": "dangerous",
    }
    if threads > 1:
        settings["worker_class"], settings["threads"] = "gthread", threads
    return {key: value for key, value in settings.items() if value is not None}


def serve(app: Flask, host: str = "127.0.0.1", port: int = 4010, workers: int | None = None,
          access_log: bool = False, threads: int = THREADS, rebuild: Callable[[], Flask] | None = None,
          watch: Sequence[Path] = (), certfile: str | None = None, keyfile: str | None = None,
          client_ca: str | None = None) -> None:
    """Serve ``app`` until interrupted: gunicorn (sync workers, see :func:`default_workers`), waitress on Windows.

    With ``rebuild``, a change to a file under ``watch`` builds a new app in the
    master process; if it builds, gunicorn starts new workers with it and lets the
    old ones finish their requests in flight (a graceful ``SIGHUP``). If it fails,
    the error is logged and the running app stays. With ``certfile`` and ``keyfile``
    (PEM), it speaks https; with ``client_ca`` too, it requires client certificates signed by that CA.
    """
    workers = workers or default_workers()
    if sys.platform == "win32":  # pragma: no cover - gunicorn needs fork
        import waitress

        if certfile or client_ca:
            raise RuntimeError("https needs gunicorn, which does not run on Windows")
        waitress.serve(app, host=host, port=port, threads=workers * 4)
        return
    from .gunicorn_server import GunicornServer

    reloader = Reloader(app, rebuild, watch, restart=lambda: os.kill(os.getpid(), signal.SIGHUP)) \
        if rebuild is not None and watch else None

    def ready(server: Any) -> None:
        set_nodelay(server)
        if reloader is not None:
            reloader.start()

    settings = gunicorn_settings(host, port, workers, access_log, threads, certfile, keyfile, client_ca)
    GunicornServer({**settings, "when_ready": ready, "post_worker_init": quiet_quit},
                   lambda: reloader.current if reloader is not None else app).run()


@contextmanager
def running(app: Flask, host: str = "127.0.0.1", ssl_context: Any = None) -> Iterator[str]:
    """Serve ``app`` in a background thread on a free port; yield its base URL (``http://127.0.0.1:PORT``).

    With an ``ssl.SSLContext`` (for clients that insist on https), the URL is ``https://``.
    """
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    server = make_server(host, 0, app, threaded=True, request_handler=_QuietHandler, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, name="apitwin-mock", daemon=True)
    thread.start()
    try:
        yield f"{'https' if ssl_context is not None else 'http'}://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
