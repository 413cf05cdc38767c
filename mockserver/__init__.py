"""apitwin's mock server: a faithful twin of an HTTP API from its OpenAPI description.

>>> from mockserver import create_app, running
>>> app = create_app(["specs/dataiku-apinode.yaml"])  # doctest: +SKIP
>>> with running(app) as base_url:  # doctest: +SKIP
...     ...

Four layers, each a folder (ARCHITECTURE.md): ``spec`` (load time), ``pipeline`` (request
time, framework-free), ``modes`` (optional behaviour), ``http`` (the Flask/werkzeug edge).
This module and :mod:`mockserver.spec` are the public API.
"""

import typing as _typing

from .config import SERVERS, MockConfig, default_server, default_workers
from .errors import MockServerError, RouteCollisionError, SpecLoadError
from .shipped import default_spec_paths
from .spec import LoadedSpec, load_spec

if _typing.TYPE_CHECKING:
    from .http.admin import ADMIN_PREFIX
    from .http.app import create_app
    from .http.proxy import create_proxy_app
    from .http.server import running, serve
    from .pipeline.operation import MockAPI
    from .pipeline.problems import Problem, Violation
    from .pipeline.security import example_credential

#: names whose modules load on first use: a program that only reads specs (``apitwin lint``, ``diff``)
#: never imports Flask, werkzeug or the request pipeline, and only the record proxy imports httpx
_LAZY = {
    "ADMIN_PREFIX": ".http.admin", "create_app": ".http.app", "create_proxy_app": ".http.proxy",
    "running": ".http.server", "serve": ".http.server",
    "MockAPI": ".pipeline.operation", "Problem": ".pipeline.problems", "Violation": ".pipeline.problems",
    "example_credential": ".pipeline.security",
}


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ADMIN_PREFIX",
    "SERVERS",
    "LoadedSpec",
    "MockAPI",
    "MockConfig",
    "MockServerError",
    "Problem",
    "RouteCollisionError",
    "SpecLoadError",
    "Violation",
    "create_app",
    "create_proxy_app",
    "default_server",
    "default_spec_paths",
    "default_workers",
    "example_credential",
    "load_spec",
    "running",
    "serve",
]

