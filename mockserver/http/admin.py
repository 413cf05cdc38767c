"""apitwin's own endpoints under ``/__apitwin``: health, loaded APIs, the request journal, reset.

| method and path | answer |
| --- | --- |
| GET /__apitwin/ | the dashboard: APIs, operations and examples, a form to try one, the live journal |
| GET /__apitwin/health | ``{"status": "ok", "apis": [...]}`` |
| GET /__apitwin/apis | every API with its operations, prefixes and example names |
| GET /__apitwin/requests?limit=&method=&path=&operation= | the journal, newest first |
| POST /__apitwin/requests/verify ``{"method", "path", "body"?, "count"?}`` | ``{"matched": n, "ok": bool}`` |
| POST /__apitwin/reset | clears the journal and, in stateful mode, the state (seeded again on next use) |
| GET /__apitwin/state | stateful mode: each operation's inferred role |
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask, Response, request

from ..modes.journal import FLUSH_INTERVAL_S, Journal
from ..modes.store import StateStore
from ..pipeline.operation import MockAPI
from ..pipeline.security import example_credential
from ..spec import deref
from .dashboard import DASHBOARD_HTML

__all__ = ["ADMIN_PREFIX", "Admin", "describe"]

#: reserved path prefix of apitwin's own endpoints
ADMIN_PREFIX = "/__apitwin"
#: the credential value the dashboard's form sends (any well-formed one is accepted by default)
_FORM_CREDENTIAL = "apitwin-key"
_JOURNAL_OFF = {"detail": "the journal is off: start apitwin serve with --journal"}


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status, mimetype="application/json")


def _settle() -> None:
    """Give every worker's journal buffer time to reach the shared file."""
    time.sleep(FLUSH_INTERVAL_S * 1.5)


def _example_of(document: dict[str, Any], node: Any) -> Any:
    """The first example of a parameter or media type object (None when it has none)."""
    node = deref(document, node)
    if not isinstance(node, dict):
        return None
    examples = node.get("examples")
    if isinstance(examples, dict) and examples:
        first = deref(document, next(iter(examples.values())))
        return first.get("value") if isinstance(first, dict) else None
    if "example" in node:
        return node["example"]
    schema = deref(document, node.get("schema"))
    if isinstance(schema, dict):
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        return schema.get("example", schema.get("default"))
    return None


def _auth_header(document: dict[str, Any], security: list[dict[str, list[str]]]) -> str:
    """A credential header line the dashboard's form can send."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for alternative in security:
        for name in alternative:
            scheme = deref(document, schemes.get(name))
            header = example_credential(scheme, _FORM_CREDENTIAL) if isinstance(scheme, dict) else None
            if header is not None:
                return f"{header[0]}: {header[1]}"
    return ""


def describe(apis: list[MockAPI]) -> list[dict[str, Any]]:
    """The loaded APIs and their operations, as JSON-ready data (with what the dashboard's form needs)."""
    out = []
    for api in apis:
        document = api.spec.document
        operations = []
        for op in api.operations:
            examples = {r.status: {m: [e.name for e in spec.examples] for m, spec in r.media.items()}
                        for r in op.responses}
            parameters = [{"name": p.get("name"), "in": p.get("in"), "required": bool(p.get("required")),
                           "example": _example_of(document, p)} for p, _ in op.operation.parameters]
            body = None
            content = (op.operation.request_body or {}).get("content") or {}
            if content:
                media_type = next((m for m in content if "json" in m), next(iter(content)))
                body = {"mediaType": media_type, "example": _example_of(document, content[media_type])}
            operations.append({"operationId": op.operation.operation_id, "method": op.operation.method.upper(),
                               "path": op.operation.path, "summary": op.operation.raw.get("summary", ""),
                               "tags": op.operation.raw.get("tags", []), "examples": examples,
                               "prefix": (op.operation.prefixes or [""])[0], "parameters": parameters,
                               "requestBody": body, "auth": _auth_header(document, op.operation.security)})
        out.append({"name": api.name, "title": api.spec.title, "prefixes": api.prefixes,
                    "operations": operations})
    return out


class Admin:
    """apitwin's own endpoints, one method each (the table above)."""

    def __init__(self, apis: list[MockAPI], journal: Journal | None, store: StateStore | None = None) -> None:
        self.apis = apis
        self.journal = journal
        self.store = store
        self.summary = [{"name": a.name, "title": a.spec.title, "operations": len(a.operations),
                         "prefixes": a.prefixes} for a in apis]
        self.catalogue = describe(apis)

    def register(self, app: Flask) -> None:
        """Add the endpoints to ``app`` under :data:`ADMIN_PREFIX`."""
        for rule, view, methods in (("/", self.dashboard, ["GET"]), ("/health", self.health, ["GET"]),
                                    ("/apis", self.list_apis, ["GET"]), ("/requests", self.list_requests, ["GET"]),
                                    ("/requests/verify", self.verify_requests, ["POST"]),
                                    ("/reset", self.reset, ["POST"]), ("/state", self.state, ["GET"])):
            app.add_url_rule(ADMIN_PREFIX + rule, endpoint=f"apitwin_admin_{view.__name__}", view_func=view,
                             methods=methods)

    def dashboard(self) -> Response:
        """The dashboard page."""
        return Response(DASHBOARD_HTML, mimetype="text/html",
                        headers={"Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                                                            "script-src 'unsafe-inline'"})

    def health(self) -> Response:
        """``{"status": "ok", "apis": [...]}``."""
        return _json({"status": "ok", "apis": self.summary})

    def list_apis(self) -> Response:
        """Every API with its operations."""
        return _json(self.catalogue)

    def list_requests(self) -> Response:
        """The journal, newest first, filtered by ``method``, ``path``, ``operation``; ``limit`` entries."""
        if self.journal is None:
            return _json(_JOURNAL_OFF, 404)
        _settle()
        limit = request.args.get("limit", "100")
        entries = self.journal.entries(limit=int(limit) if limit.isdigit() else 100,
                                       method=request.args.get("method"), path=request.args.get("path"),
                                       operation=request.args.get("operation"))
        return _json(entries)

    def verify_requests(self) -> Response:
        """Whether calls matching ``{"method", "path", "body"?}`` were made (``count`` times, if given)."""
        if self.journal is None:
            return _json(_JOURNAL_OFF, 404)
        wanted = request.get_json(silent=True)
        if not isinstance(wanted, dict) or not isinstance(wanted.get("method"), str) or not isinstance(
                wanted.get("path"), str):
            return _json({"detail": "expected a JSON object with 'method' and 'path' (and optional 'body', 'count')"},
                         400)
        _settle()
        matched = self.journal.count(method=wanted["method"].upper(), path=wanted["path"], body=wanted.get("body"))
        expected = wanted.get("count")
        ok = matched == expected if isinstance(expected, int) else matched > 0
        return _json({"matched": matched, "ok": ok})

    def reset(self) -> Response:
        """Clear the journal and the state."""
        if self.journal is not None:
            self.journal.reset()
        if self.store is not None:
            self.store.reset()
        return Response(status=204)

    def state(self) -> Response:
        """Stateful mode: each operation's inferred role."""
        if self.store is None:
            return _json({"detail": "stateful mode is off: start apitwin serve with --stateful"}, 404)
        return _json({a.name: a.state.roles() for a in self.apis if a.state is not None})
