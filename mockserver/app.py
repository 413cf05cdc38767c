"""``create_app``: the Flask application factory serving one or more specs."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import PathConverter, RequestRedirect, Rule

from .admin import ADMIN_PREFIX, register_admin
from .config import MockConfig
from .engine import CompiledOperation, MockAPI
from .examples import find_status
from .journal import Journal
from .recordings import RecordingIndex, load_recordings
from .routing import MethodOwners, build_routes
from .state import StateStore, open_store
from .validation import is_json
from .views import fast_dispatch, handle_preflight, handle_routing_error, make_view

__all__ = ["ADMIN_PREFIX", "LazyBuildRule", "create_app", "default_spec_paths"]

log = logging.getLogger("apitwin")


class GreedyConverter(PathConverter):
    """A path parameter that may hold ``/``, a leading one included (``x-apitwin-greedy``)."""

    regex = ".+?"
    part_isolating = False  # werkzeug infers True for a regex without "/"


class LazyBuildRule(Rule):
    """A werkzeug rule that compiles its URL builder (for ``url_for``) on first use, not when added.

    Werkzeug compiles two builder functions per rule from a generated AST as soon as the
    rule is added: 1.7 ms each, a second of start-up for the 640 rules of the five shipped
    specs, spent on builders the mock never calls (it matches URLs, it does not build them).
    Matching is untouched; building still works, compiled on the first call.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_now = super()._compile_builder
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, **values: object) -> tuple[str, str]:
            if not compiled:
                compiled.append(compile_now(append_unknown))
            return compiled[0](rule, **values)

        return build


def _private_file(name: str) -> str:
    """A file in a new private temporary folder, removed when the process that made it exits."""
    folder = tempfile.mkdtemp(prefix="apitwin-")
    owner = os.getpid()

    def cleanup() -> None:  # only the process that made it; forked workers share it
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(cleanup)
    return os.path.join(folder, name)


def _journal(config: MockConfig) -> Journal | None:
    if not config.journal:
        return None
    return Journal(config.journal_path or _private_file("journal.sqlite"))


def _store(config: MockConfig) -> StateStore | None:
    if not config.stateful:
        return None
    return open_store(config.state or _private_file("state.sqlite"))


def _check_recordings(app: Flask, index: RecordingIndex, operations: dict[str, Any]) -> None:
    """Report the recordings that match no operation or whose answer no longer conforms to the spec."""
    adapter = app.url_map.bind("localhost")
    for exchange in index.exchanges:
        try:
            endpoint, _ = adapter.match(exchange.path, method=exchange.method)
        except HTTPException:
            log.warning("recording %s: %s %s matches no operation of the spec; it is never replayed",
                        exchange.source, exchange.method, exchange.path)
            continue
        operation = operations.get(endpoint)
        if operation is None:
            continue
        violations = operation.check_response(exchange.status, exchange.media_type, exchange.response_body)
        if violations:
            index.stale.append((exchange, violations))
            log.warning("recording %s: the recorded answer of %s no longer conforms to the spec: %s",
                        exchange.source, operation.operation.label, "; ".join(str(v) for v in violations))


def default_spec_paths() -> list[Path]:
    """The specs shipped with apitwin (the embedded default of ``apitwin serve``)."""
    import specs

    folder = Path(specs.__file__).resolve().parent
    return sorted(folder.glob("*.yaml"))


def create_app(spec_paths: Sequence[str | os.PathLike[str]] | None = None, config: MockConfig | None = None) -> Flask:
    """A Flask app serving every operation of every spec in ``spec_paths``.

    Everything spec-sized happens here, once: loading and validating the specs,
    compiling validators, indexing and validating examples, building routes.
    Raises :class:`~mockserver.errors.SpecLoadError` or
    :class:`~mockserver.errors.RouteCollisionError`.
    """
    config = config or MockConfig()
    paths = [Path(p) for p in spec_paths] if spec_paths else default_spec_paths()
    store = _store(config)
    apis = [MockAPI.load(p, config, store) for p in paths]

    app = Flask("apitwin")
    app.url_rule_class = LazyBuildRule
    app.url_map.strict_slashes = True
    app.url_map.merge_slashes = False
    app.url_map.converters["greedy"] = GreedyConverter
    app.extensions["apitwin"] = apis
    journal = _journal(config)
    app.extensions["apitwin_journal"] = journal
    app.extensions["apitwin_state"] = store

    entries = []
    operations = {}
    for api in apis:
        for index, op in enumerate(api.operations):
            endpoint = f"{api.name}:{index}"
            operations[endpoint] = op
            greedy = {str(p.get("name")) for p, _ in op.operation.parameters
                      if p.get("in") == "path" and p.get("x-apitwin-greedy")}
            entries.append((endpoint, op.operation.method, op.operation.path, op.operation.prefixes, greedy,
                            op.operation.label))
    recordings = RecordingIndex(load_recordings(Path(config.recordings))) if config.recordings else None
    views: dict[str, Callable[..., Response]] = {}
    routes = build_routes(entries)
    # OpenAPI: a concrete segment is matched before a templated sibling, whatever the method.
    owners = MethodOwners(routes)
    for route in routes:
        view = views.get(route.endpoint)
        if view is None:
            view = views[route.endpoint] = make_view(operations[route.endpoint], route.names, journal, recordings)
        app.add_url_rule(route.rule, endpoint=route.endpoint, view_func=view, methods=[route.method],
                         provide_automatic_options=False)

    if recordings is not None:
        _check_recordings(app, recordings, operations)
    register_admin(app, apis, journal, store)
    header_params = sorted({str(p.get("name")) for a in apis for op in a.operations
                            for p, _ in op.operation.parameters if p.get("in") == "header"})

    def known(path: str) -> list[str]:
        return [f"{a.name} ({', '.join(p or '/' for p in a.prefixes)})" for a in apis]

    owner = _error_owner(apis)

    @app.before_request
    def before_dispatch() -> Response | None:
        concrete = owners.lookup(request.path)
        preflight = config.cors and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        if concrete is not None and request.method not in concrete and not preflight:
            not_here = MethodNotAllowed(valid_methods=sorted(concrete - {"HEAD"}))
            return handle_routing_error(not_here, config, known, owner)
        if isinstance(request.routing_exception, RequestRedirect):
            # werkzeug redirects /x to /x/ when only /x/ is documented: the real services do not,
            # and clients would silently follow it. Answer 405 (another method owns /x) or 404.
            adapter = app.url_map.bind_to_environ(request.environ)
            methods = [m for m in adapter.allowed_methods(request.path) if m != "OPTIONS"]
            redirect = MethodNotAllowed(valid_methods=methods) if methods else request.routing_exception
            return handle_routing_error(redirect, config, known, owner)
        if not preflight:
            return None
        adapter = app.url_map.bind_to_environ(request.environ)
        allowed = [m for m in adapter.allowed_methods(request.path) if concrete is None or m in concrete]
        if not allowed:
            return None  # unknown path: the usual 404
        return handle_preflight(config, allowed, header_params)

    @app.errorhandler(HTTPException)
    def routing_error(error: HTTPException) -> Response:
        return handle_routing_error(error, config, known, owner)

    app.wsgi_app = fast_dispatch(app, owners.lookup)  # type: ignore[method-assign,assignment]

    return app


def _error_owner(apis: list[MockAPI]) -> Callable[[str], CompiledOperation | None]:
    """For a path no operation matches: an operation of the API whose prefix holds it (longest
    prefix, one API only) that documents a JSON 404, to answer in that API's error model."""
    representative: dict[str, CompiledOperation] = {}
    for api in apis:
        for op in api.operations:
            response = find_status(op.responses, 404)
            if response is not None and any(is_json(m) for m in response.media):
                representative[api.name] = op
                break

    def owner(path: str) -> CompiledOperation | None:
        best: list[MockAPI] = []
        length = -1
        for api in apis:
            for prefix in api.prefixes:
                if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                    if len(prefix) > length:
                        best, length = [api], len(prefix)
                    elif len(prefix) == length and api not in best:
                        best.append(api)
        return representative.get(best[0].name) if len(best) == 1 else None

    return owner
