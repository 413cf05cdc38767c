"""apitwin's mock server: a faithful twin of an HTTP API from its OpenAPI description.

>>> from mockserver import create_app, running
>>> app = create_app(["specs/dataiku-apinode.yaml"])  # doctest: +SKIP
>>> with running(app) as base_url:  # doctest: +SKIP
...     ...
"""

from .admin import ADMIN_PREFIX
from .app import create_app, default_spec_paths
from .config import MockConfig
from .engine import MockAPI
from .errors import MockServerError, RouteCollisionError, SpecLoadError
from .loading import LoadedSpec, load_spec
from .problems import Problem, Violation
from .server import running, serve

__all__ = [
    "ADMIN_PREFIX",
    "LoadedSpec",
    "MockAPI",
    "MockConfig",
    "MockServerError",
    "Problem",
    "RouteCollisionError",
    "SpecLoadError",
    "Violation",
    "create_app",
    "default_spec_paths",
    "load_spec",
    "running",
    "serve",
]
