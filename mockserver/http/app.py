"""``create_app``: the application factory, composing what the mock serves from its specs and settings."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..config import MockConfig
from ..files import private_file
from ..modes.callbacks import Callbacks, compile_callbacks, compile_webhooks
from ..modes.journal import Journal
from ..modes.recordings import RecordingIndex, load_recordings
from ..modes.redaction import Redactor, scheme_names
from ..modes.stateful import StatefulEngine
from ..modes.store import StateStore, open_store
from ..pipeline.operation import CompiledOperation, MockAPI
from ..pipeline.selfcheck import check_response
from ..shipped import default_spec_paths  # re-exported: the default of create_app
from .admin import ADMIN_PREFIX, Admin
from .dispatch import Dispatcher, OperationHandler, miss_reply, to_response
from .router import RouteMatch, Router

__all__ = ["create_app", "default_spec_paths"]

log = logging.getLogger("apitwin")


def _check_recordings(router: Router, index: RecordingIndex) -> None:
    """Report the recordings that match no operation or whose answer no longer conforms to the spec."""
    for exchange in index.exchanges:
        route = router.match(exchange.method, exchange.path)
        if not isinstance(route, RouteMatch):
            log.warning("recording %s: %s %s matches no operation of the spec; it is never replayed",
                        exchange.source, exchange.method, exchange.path)
            continue
        operation = route.operation
        violations = check_response(operation.responses, exchange.status, exchange.media_type, exchange.response_body)
        if violations:
            index.stale.append((exchange, violations))
            log.warning("recording %s: the recorded answer of %s no longer conforms to the spec: %s",
                        exchange.source, operation.operation.label, "; ".join(str(v) for v in violations))


def _callbacks(op: CompiledOperation, journal: Journal | None, config: MockConfig) -> Callbacks | None:
    """The callbacks ``op`` documents, ready to send (None: none, or ``MockConfig.callbacks`` is off)."""
    if not config.callbacks or not op.operation.raw.get("callbacks"):
        return None
    api = op.api
    plans = compile_callbacks(api.name, op.operation, api.compiler, api.spec.path.parent, config.seed)
    return Callbacks(plans, api.name, op.operation.operation_id, config, journal) if plans else None


def create_app(spec_paths: Sequence[str | os.PathLike[str]] | None = None, config: MockConfig | None = None) -> Flask:
    """A Flask app serving every operation of every spec in ``spec_paths`` (default: the shipped specs).

    Everything spec-sized happens here, once: loading and validating the specs,
    compiling validators, indexing and validating examples, building routes.
    Raises :class:`~mockserver.errors.SpecLoadError` or
    :class:`~mockserver.errors.RouteCollisionError`.
    """
    config = config or MockConfig()
    paths = [Path(p) for p in spec_paths] if spec_paths else default_spec_paths()
    store: StateStore | None = open_store(config.state or private_file("state.sqlite")) if config.stateful else None
    state = partial(StatefulEngine, store=store) if store is not None else None
    apis = [MockAPI.load(p, config, state) for p in paths]
    # what is secret, for every sink: every scheme's names of every spec, the configured names
    redactor = Redactor([*scheme_names(a.spec.document for a in apis), *config.redact],
                        max_parts=config.max_multipart_parts)
    journal = Journal(config.journal_path or private_file("journal.sqlite"),
                      config.journal_body_chars) if config.journal else None
    recordings = RecordingIndex(load_recordings(Path(config.recordings)), redactor) if config.recordings else None
    router = Router(apis)
    if recordings is not None:
        _check_recordings(router, recordings)

    app = Flask("apitwin")
    app.extensions["apitwin"] = apis
    app.extensions["apitwin_journal"] = journal
    app.extensions["apitwin_state"] = store
    app.extensions["apitwin_router"] = router
    app.extensions["apitwin_redactor"] = redactor
    # only a spec with webhooks builds its schema compiler now; the others' is built on first use, in each worker
    webhooks = {api.name: compile_webhooks(api.name, api.compiler, api.spec.path.parent, config.seed)
                for api in apis if api.spec.document.get("webhooks")}
    Admin(apis, journal, store, config, redactor, webhooks).register(app)

    @app.errorhandler(HTTPException)
    def admin_routing_error(error: HTTPException) -> Response:
        return to_response(miss_reply(router.miss(error, request.method, request.path), request, config, redactor))

    handlers = {id(op): OperationHandler(op, journal, recordings, redactor, _callbacks(op, journal, config))
                for api in apis for op in api.operations}
    header_params = sorted({str(p.get("name")) for a in apis for op in a.operations
                            for p, _ in op.operation.parameters if p.get("in") == "header"})
    app.wsgi_app = Dispatcher(router, handlers, app.wsgi_app, ADMIN_PREFIX, config,  # type: ignore[method-assign]
                              header_params, redactor, journal)
    return app
