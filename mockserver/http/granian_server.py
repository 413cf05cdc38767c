"""granian (a Rust HTTP server with a WSGI interface) as a library: how ``apitwin serve`` runs it by default.

granian reads and writes HTTP in Rust (hyper, tokio) and calls the WSGI app on a pool of
Python threads per worker process: a slow request (a long ``Prefer: delay``, a client that
sends its body slowly) holds one thread, never the worker, and an idle or half-open
connection holds no Python thread at all. Imported only where granian is installed.

Two settings of our own, each measured (ARCHITECTURE, Decisions): on Linux each worker runs its
threads on one CPU of its own (``pin_workers``), where they hand the GIL to each other without waking
another CPU; and a request's environ carries the request only, not the process's environment
(granian copies ``os.environ`` into every one: fifty keys to copy and to look through per request).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import granian.wsgi
from granian.constants import Interfaces, RuntimeModes, SSLProtocols
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

from ..modes.journal_rows import keep_environs_in_place

__all__ = ["ACCESS_LOG_FORMAT", "BACKPRESSURE", "BLOCKING_THREADS", "HEADER_READ_TIMEOUT_MS", "KILL_TIMEOUT_S",
           "pin_to_cpu", "run_granian"]

log = logging.getLogger("apitwin")

#: Python threads per worker that run the app: requests beyond this many at once wait in
#: granian's queue. A delayed answer (``Prefer: delay``, at most 60 s) or a body that stops
#: arriving holds one of them, so a worker answers others alongside 31 such requests. More
#: threads only wait for the GIL: throughput and p99 under load get no better (bench/servers_bench.py).
BLOCKING_THREADS = 32
#: connections a worker takes at once (granian's backpressure counts connections, idle
#: kept-alive ones included); beyond it, new connections wait in the kernel's queue
BACKPRESSURE = 1024
#: a client that has not sent a whole request head this long after its first byte (or after
#: the last answer, on a kept-alive connection) is disconnected; an idle or half-open
#: connection holds no Python thread in the meantime
HEADER_READ_TIMEOUT_MS = 30_000
#: on Ctrl-C, a worker's requests in flight get this long to finish (as gunicorn's graceful timeout)
KILL_TIMEOUT_S = 5
#: no query string (it may carry ``?api_key=``) and no user (the Basic-auth user is often the API key)
ACCESS_LOG_FORMAT = '%(addr)s - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'


def run_granian(current: Callable[[], Any], host: str, port: int, workers: int, access_log: bool = False,
                certfile: str | None = None, keyfile: str | None = None,
                on_ready: Callable[[], None] | None = None, read_timeout_ms: int = HEADER_READ_TIMEOUT_MS,
                client_ca: str | None = None, pin_workers: bool = True) -> None:
    """Serve the WSGI app ``current()`` returns in each worker (called there) until interrupted.

    Hot reload happens inside the workers (:class:`~.reload.SwappingApp`); a ``SIGHUP`` sent by
    hand still makes granian replace its workers one at a time. ``client_ca`` (PEM, with ``certfile``):
    every connection must present a client certificate that CA signed (mutual TLS). ``pin_workers``
    (Linux): each worker's threads run on one CPU, a different one for each worker (:func:`pin_to_cpu`).
    """
    server = Server(
        "apitwin",  # unused: the app comes from `current`
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=BLOCKING_THREADS,
        backpressure=BACKPRESSURE,
        backlog=BACKPRESSURE * 2,
        runtime_mode=RuntimeModes.st,
        http1_settings=HTTP1Settings(header_read_timeout=read_timeout_ms),
        log_level=LogLevels.warning,
        log_access=access_log,
        log_access_format=ACCESS_LOG_FORMAT,
        ssl_cert=Path(certfile) if certfile else None,
        ssl_key=Path(keyfile) if keyfile else None,
        ssl_protocol_min=SSLProtocols.tls12,
        ssl_ca=Path(client_ca) if client_ca else None,
        ssl_client_verify=client_ca is not None,
        respawn_interval=0.5,
        workers_kill_timeout=KILL_TIMEOUT_S,
        process_name=None,
    )
    if on_ready is not None:
        server.on_startup(on_ready)
    logging.getLogger("_granian").addFilter(_quiet)
    # worker N on the (first + N - 1)th CPU, first taken from the master's pid: one server's workers on CPUs of
    # their own, several servers (one worker each, say) not all on the first CPU
    first = os.getpid() if pin_workers else None
    server.serve(spawn_target=partial(_worker, first), target_loader=lambda: _without_request_names(current),
                 wrap_loader=False)


def _worker(first: int | None, worker_id: int, callback: Any, *args: Any, **kwargs: Any) -> None:
    """granian's WSGI worker (numbered from 1), its threads on CPU slot ``first + worker_id - 1`` (``first``
    None: not pinned), its environs without the process's environment, and kept by journal entries as they are
    (granian reads nothing of an environ once the app has returned:
    :func:`~..modes.journal_rows.keep_environs_in_place`)."""
    if first is not None:
        pin_to_cpu(first + worker_id - 1)
    _environ_without_process_environment()
    keep_environs_in_place()
    Server._spawn_wsgi_worker(worker_id, callback, *args, **kwargs)


def pin_to_cpu(slot: int) -> int | None:
    """Run every thread of this process, and those it starts, on one CPU of those it may use, the ``slot``-th
    (from 0, round robin); return it. None (nothing done) where there is one such CPU or no affinity (not Linux).

    A worker's Python threads take turns at the GIL; on one CPU a turn passes by a context switch, across
    CPUs by waking another one, and the woken thread often finds the GIL taken again (the convoy effect).
    Measured at saturation (bench/serve_bench.py; ARCHITECTURE, Decisions): a shorter tail and more requests a
    second.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    cpu = cpus[slot % len(cpus)]
    try:
        tasks = [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        tasks = [0]
    for task in tasks:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(task, {cpu})
    return cpu


def _environ_without_process_environment() -> None:
    """Have granian build this worker's environs on none of the process's environment variables (as gunicorn).

    granian copies ``os.environ`` into the base of every request's environ, once per worker, in the function
    that wraps the app (``granian.wsgi._callback_wrapper``): that copy is given an empty environment. Where
    granian no longer has that function, its environs keep the variables, minus those a request sets
    (:func:`_without_request_names`).
    """
    module = sys.modules[Server.__module__]
    wrap = getattr(module, "_wsgi_call_wrap", None)
    if wrap is None or getattr(granian.wsgi, "os", None) is not os:
        return

    def wrap_without_environment(*args: Any, **kwargs: Any) -> Any:
        setattr(granian.wsgi, "os", SimpleNamespace(environ={}))  # noqa: B010 (its only use: os.environ)
        try:
            return wrap(*args, **kwargs)
        finally:
            setattr(granian.wsgi, "os", os)  # noqa: B010

    setattr(module, "_wsgi_call_wrap", wrap_without_environment)  # noqa: B010


#: what a WSGI server sets from the request; granian starts each request's environ from a copy of
#: the process's environment, so a variable of these names would pass for part of every request
_REQUEST_NAMES = ("CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_USER", "AUTH_TYPE")


def _without_request_names(current: Callable[[], Any]) -> Any:
    """In a new worker, before granian copies the environment: drop the variables a request would set.

    ``HTTP_PROXY`` in the environment would otherwise reach the app as a ``Proxy`` header of every
    request (and be journaled); ``HTTP_AUTHORIZATION`` as credentials nobody sent.
    """
    for name in [n for n in os.environ if n.startswith("HTTP_") or n in _REQUEST_NAMES]:
        del os.environ[name]
    return current()


def _quiet(record: logging.LogRecord) -> bool:
    """Drop granian's advice that suits a CPU-bound app: apitwin's threads mostly wait (delays, slow clients)."""
    return not str(record.msg).startswith("Configuration allows spawning up to")
