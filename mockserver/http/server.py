"""Serving an app: :func:`serve` on a production HTTP server (granian by default), :func:`running` in-process."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from ..config import SERVERS, default_server, default_workers
from .reload import Generation, Reloader, SwappingApp, publish_load_keys

__all__ = ["running", "serve"]

log = logging.getLogger("apitwin")


def serve(app: Flask, host: str = "127.0.0.1", port: int = 4010, workers: int | None = None,
          access_log: bool = False, threads: int = 1, rebuild: Callable[[], Flask] | None = None,
          watch: Sequence[Path] = (), certfile: str | None = None, keyfile: str | None = None,
          server: str | None = None, read_timeout_s: float = 30.0, client_ca: str | None = None,
          pin_workers: bool = True) -> None:
    """Serve ``app`` until interrupted on ``server`` (default: :func:`default_server`).

    With ``rebuild``, a change to a file under ``watch`` builds a new app in the
    master process; if it builds, granian's workers build it too and swap it in
    (:class:`~.reload.SwappingApp`), gunicorn starts new workers with it and lets the
    old ones finish their requests in flight (a graceful ``SIGHUP``). If it fails,
    the error is logged and the running app stays. With ``certfile`` and ``keyfile``
    (PEM), it speaks https. ``threads`` > 1 (gunicorn only) runs threaded workers. On granian, a
    client that has not sent a whole request head ``read_timeout_s`` after it began (or after its
    last answer, on a kept-alive connection) is disconnected. With ``client_ca`` too (PEM), every
    connection must present a client certificate that CA signed (mutual TLS); the handshake fails
    otherwise, before any HTTP. ``pin_workers`` (granian, Linux): each worker's threads on a CPU of its own.
    """
    server = server or default_server()
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")
    workers = workers or default_workers(server)
    if server == "waitress":
        import waitress

        if certfile or client_ca:
            raise RuntimeError("https needs granian or gunicorn; waitress speaks http only")
        waitress.serve(app, host=host, port=port, threads=workers * 4)
        return
    if server == "granian":
        from .granian_server import run_granian

        # the workers stay across reloads and swap their app (SwappingApp: a stopping granian
        # worker drops the connections whose request has not arrived yet)
        generation = Generation()
        pins = Path(tempfile.mkdtemp(prefix="apitwin-reload-")) / "load-keys.json"

        def publish() -> None:  # the master built a new version: workers build the same one
            publish_load_keys(swapper.current if swapper is not None else app, pins)
            generation.value += 1

        swapper = Reloader(app, rebuild, watch, restart=publish) if rebuild is not None and watch else None

        def worker_app() -> Any:  # called in each new worker
            if swapper is None or rebuild is None:
                return app
            return SwappingApp(swapper.current, rebuild, generation, pins=pins)

        def watch_files() -> None:
            if swapper is not None:
                swapper.start()

        try:
            run_granian(worker_app, host, port, workers, access_log, certfile, keyfile, on_ready=watch_files,
                        read_timeout_ms=int(read_timeout_s * 1000), client_ca=client_ca, pin_workers=pin_workers)
        finally:
            shutil.rmtree(pins.parent, ignore_errors=True)
        return
    reloader = Reloader(app, rebuild, watch, restart=lambda: os.kill(os.getpid(), signal.SIGHUP)) \
        if rebuild is not None and watch else None

    def current() -> Flask:
        return reloader.current if reloader is not None else app

    def ready() -> None:
        if reloader is not None:
            reloader.start()

    from ..modes.redaction import Redactor
    from .gunicorn_server import gunicorn_settings, redacting_logger, run_gunicorn

    def redactor() -> Redactor:
        found = current().extensions.get("apitwin_redactor")
        return found if isinstance(found, Redactor) else Redactor()

    settings = gunicorn_settings(host, port, workers, access_log, threads, certfile, keyfile, client_ca)
    run_gunicorn(current, {**settings, "logger_class": redacting_logger(redactor)}, ready)


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
