"""apitwin's own endpoints under ``/__apitwin``: health, loaded APIs, the request journal, reset.

| method and path | answer |
| --- | --- |
| GET /__apitwin/ | the dashboard: APIs, operations and examples, a form to try one, the live journal |
| GET /__apitwin/health | ``{"status": "ok", "apis": [...]}`` |
| GET /__apitwin/apis | every API with its operations, prefixes and example names |
| GET /__apitwin/requests?limit=&method=&path=&operation= | the journal, newest first |
| GET /__apitwin/requests/<id> | one request in full: headers, body, violations and the answer as sent |
| POST /__apitwin/requests/verify ``{"method", "path", "body"?, "count"?}`` | ``{"matched": n, "ok": bool}`` |
| POST /__apitwin/reset | clears the journal and, in stateful mode, the state (seeded again on next use) |
| GET /__apitwin/webhooks | the OpenAPI 3.1 ``webhooks`` of every API, each with its operations |
| POST /__apitwin/webhooks/<name> ``{"url", "api"?, "method"?}`` | send that webhook to ``url`` now; the outcome |
| GET /__apitwin/state | stateful mode: each operation's inferred role |
| GET /__apitwin/state/collections | stateful mode: every API's collections and their items |
| DELETE /__apitwin/state/collections | stateful mode: forget the state (the journal stays) |
| DELETE /__apitwin/state/collections/<api>[/<collection path>] | forget one API's state, or one collection |

A collection that is forgotten is seeded again from the spec's examples when it is next used.

Security model (every endpoint above, checked before anything else, see :meth:`Admin.guard`):

- no CORS: no answer carries ``Access-Control-Allow-*``; a CORS preflight is refused (403), so no
  page from another origin can read an answer or send a non-simple request;
- a ``Host`` allow-list: 127.0.0.1, localhost and [::1] (any port), plus ``MockConfig.allowed_hosts``;
  any other ``Host`` gets a 421, so a DNS-rebinding page cannot read the journal;
- state-changing calls (POST, PUT, PATCH, DELETE) refuse cross-site requests with a 403: an
  ``Origin`` other than the ``Host`` asked for, or ``Sec-Fetch-Site: cross-site`` / ``same-site``
  (a form or ``fetch`` from another site cannot reset the state);
- with ``MockConfig.admin_token``, every endpoint requires it (401 otherwise), as
  ``Authorization: Bearer <token>`` or ``X-Apitwin-Admin-Token: <token>``; the dashboard page also
  takes ``?token=`` and sends it with its own calls.
"""

from __future__ import annotations

import hmac
import json
import logging
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

from ..config import MockConfig
from ..errors import bounded_traceback
from ..modes.callbacks import CallbackPlan, record, refused_target, send
from ..modes.journal import Journal
from ..modes.redaction import Redactor
from ..modes.store import StateStore, StoreUnavailable
from ..pipeline.operation import MockAPI
from ..pipeline.security import example_credential
from ..spec import deref
from ..spec.generator import generate
from .dashboard import DASHBOARD_CSP, DASHBOARD_HTML

__all__ = ["ADMIN_PREFIX", "LOOPBACK_HOSTS", "Admin", "describe"]

log = logging.getLogger("apitwin")

#: reserved path prefix of apitwin's own endpoints
ADMIN_PREFIX = "/__apitwin"
#: the credential value the dashboard's form sends (any well-formed one is accepted by default)
_FORM_CREDENTIAL = "apitwin-key"
_JOURNAL_OFF = {"detail": "the journal is off: apitwin serve keeps it unless started with --no-journal"}
_STATELESS = {"detail": "stateful mode is off: start apitwin serve with --stateful"}
#: what the form puts in a file part of a multipart body
_FILE_PLACEHOLDER = "example file contents"
#: the Host names the admin API always answers (any port)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_name(host: str) -> str:
    """The name in a ``Host`` header or an origin's authority, without the port and brackets, lower case."""
    try:
        return (urlsplit("//" + host).hostname or "").lower()
    except ValueError:
        return ""


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status, mimetype="application/json")


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


def _schema_of(document: dict[str, Any], node: Any) -> Any:
    node = deref(document, node)
    return deref(document, node.get("schema")) if isinstance(node, dict) else None


def _form_value(document: dict[str, Any], node: Any, example: Any) -> Any:
    """What the dashboard's form fills in: the example, else a value generated from the schema."""
    if example is not None:
        return example
    schema = _schema_of(document, node)
    return generate(document, schema) if isinstance(schema, dict) else None


def _is_file(document: dict[str, Any], schema: Any) -> bool:
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array":
        return _is_file(document, schema.get("items"))
    return "contentMediaType" in schema or schema.get("format") in ("binary", "base64")


def _form_body(document: dict[str, Any], media_type: str, media: Any) -> dict[str, Any]:
    """How the form sends a body of ``media_type``: ``encoding`` (json, multipart, urlencoded, text),
    ``value`` (the text of the body field; for forms, a JSON object of the fields) and ``files``
    (the fields sent as file parts)."""
    value = _form_value(document, media, _example_of(document, media))
    base = media_type.split(";")[0].strip().lower()
    if base.startswith("multipart/") or base == "application/x-www-form-urlencoded":
        schema = _schema_of(document, media)
        properties = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
        files = sorted(n for n, s in properties.items() if _is_file(document, s))
        fields = dict(value) if isinstance(value, dict) else {}
        for name in files:
            if not isinstance(fields.get(name), str) or not fields.get(name):
                fields[name] = _FILE_PLACEHOLDER
        encoding = "multipart" if base.startswith("multipart/") else "urlencoded"
        return {"encoding": encoding, "value": json.dumps(fields, indent=2, ensure_ascii=False), "files": files}
    if "json" in base:
        text = "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)
        return {"encoding": "json", "value": text, "files": []}
    text = value if isinstance(value, str) else "" if value is None else json.dumps(value, ensure_ascii=False)
    return {"encoding": "text", "value": text, "files": []}


def _auth_query(document: dict[str, Any], security: list[dict[str, list[str]]]) -> str:
    """A ``name=value`` query credential the form can send, for APIs that take their key in the query."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for alternative in security:
        for name in alternative:
            scheme = deref(document, schemes.get(name))
            if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") == "query":
                return f"{scheme.get('name')}={_FORM_CREDENTIAL}"
    return ""


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
            parameters = []
            for p, _ in op.operation.parameters:
                example = _example_of(document, p)
                required = bool(p.get("required")) or p.get("in") == "path"
                parameters.append({"name": p.get("name"), "in": p.get("in"), "required": required,
                                   "example": example,
                                   "value": _form_value(document, p, example) if required else example,
                                   "description": str(deref(document, p).get("description") or "")})
            body = None
            content = (op.operation.request_body or {}).get("content") or {}
            if content:
                media_type = next((m for m in content if "json" in m), next(iter(content)))
                body = {"mediaType": media_type, "example": _example_of(document, content[media_type]),
                        "required": bool((op.operation.request_body or {}).get("required")),
                        **_form_body(document, media_type, content[media_type])}
            operations.append({"operationId": op.operation.operation_id, "method": op.operation.method.upper(),
                               "path": op.operation.path, "summary": op.operation.raw.get("summary", ""),
                               "tags": op.operation.raw.get("tags", []), "examples": examples,
                               "prefix": (op.operation.prefixes or [""])[0], "parameters": parameters,
                               "requestBody": body, "auth": _auth_header(document, op.operation.security),
                               "authQuery": _auth_query(document, op.operation.security),
                               "deprecated": bool(op.operation.raw.get("deprecated"))})
        out.append({"name": api.name, "title": api.spec.title, "prefixes": api.prefixes,
                    "operations": operations})
    return out


class Admin:
    """apitwin's own endpoints, one method each (the table above)."""

    def __init__(self, apis: list[MockAPI], journal: Journal | None, store: StateStore | None = None,
                 config: MockConfig | None = None, redactor: Redactor | None = None,
                 webhooks: dict[str, dict[str, list[CallbackPlan]]] | None = None) -> None:
        self.config = config or MockConfig()
        self.redactor = redactor or Redactor(self.config.redact)
        self.webhooks = webhooks or {}
        self.hosts = LOOPBACK_HOSTS | {_host_name(h) or h.lower() for h in self.config.allowed_hosts}
        self.apis = apis
        self.journal = journal
        self.store = store
        self.summary = [{"name": a.name, "title": a.spec.title, "operations": len(a.operations),
                         "prefixes": a.prefixes} for a in apis]

    @cached_property
    def catalogue(self) -> list[dict[str, Any]]:
        """:func:`describe` of the APIs, on the first request that needs it (it compiles every operation)."""
        return describe(self.apis)

    def register(self, app: Flask) -> None:
        """Add the endpoints to ``app`` under :data:`ADMIN_PREFIX`."""
        for rule, view, methods in (("/", self.dashboard, ["GET"]), ("/health", self.health, ["GET"]),
                                    ("/apis", self.list_apis, ["GET"]), ("/requests", self.list_requests, ["GET"]),
                                    ("/requests/verify", self.verify_requests, ["POST"]),
                                    ("/reset", self.reset, ["POST"]), ("/state", self.state, ["GET"]),
                                    ("/webhooks", self.list_webhooks, ["GET"]),
                                    ("/webhooks/<name>", self.send_webhook, ["POST"]),
                                    ("/requests/<int:entry_id>", self.request_detail, ["GET"]),
                                    ("/state/collections", self.collections, ["GET"]),
                                    ("/state/collections", self.reset_state, ["DELETE"]),
                                    ("/state/collections/<api>", self.reset_state, ["DELETE"]),
                                    ("/state/collections/<api>/<path:collection>", self.reset_state, ["DELETE"])):
            app.add_url_rule(ADMIN_PREFIX + rule, endpoint=f"apitwin_admin_{view.__name__}",
                             view_func=view, methods=methods)
        app.before_request(self.guard)
        app.after_request(_no_cors)
        app.register_error_handler(StoreUnavailable, _store_unavailable)
        app.register_error_handler(Exception, _failed)

    def guard(self) -> Response | None:
        """The admin API's security checks (module docstring): an answer refusing the request, or None."""
        host = request.headers.get("Host", "")
        if "*" not in self.hosts and _host_name(host) not in self.hosts:
            return _json({"detail": f"the admin API does not answer for Host {host[:100]!r}: only loopback names "
                                    "and the names given with --allowed-host (DNS rebinding)"}, 421)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _json({"detail": "the admin API answers no cross-origin request (no CORS)"}, 403)
        if request.method in _STATE_CHANGING:
            refused = self._cross_site(host)
            if refused:
                return _json({"detail": f"cross-site request refused: {refused}"}, 403)
        token = self.config.admin_token
        if token is not None:
            given = request.headers.get("X-Apitwin-Admin-Token")
            auth = request.headers.get("Authorization", "")
            if given is None and auth[:7].lower() == "bearer ":
                given = auth[7:].strip()
            if given is None and request.method == "GET" and request.path.rstrip("/") == ADMIN_PREFIX:
                given = request.args.get("token")
            if given is None or not hmac.compare_digest(given.encode(), token.encode()):
                return Response(json.dumps({"detail": "the admin API requires the token given with --admin-token: "
                                            "Authorization: Bearer <token> or X-Apitwin-Admin-Token: <token>"}),
                                status=401, mimetype="application/json",
                                headers={"WWW-Authenticate": 'Bearer realm="apitwin admin"'})
        return None

    @staticmethod
    def _cross_site(host: str) -> str | None:
        """Why a state-changing request comes from another site (None when it does not)."""
        site = request.headers.get("Sec-Fetch-Site", "").lower()
        if site in ("cross-site", "same-site"):
            return f"Sec-Fetch-Site: {site}"
        origin = request.headers.get("Origin")
        if origin is None:
            return None  # not from a browser page (curl, a test, a client library) or a same-origin navigation
        parts = urlsplit(origin) if origin != "null" else None
        if parts is None or parts.netloc.lower() != host.lower():
            return f"Origin {origin[:100]!r} is not this server ({host[:100]!r})"
        return None

    def dashboard(self) -> Response:
        """The dashboard page."""
        return Response(DASHBOARD_HTML, mimetype="text/html",
                        headers={"Content-Security-Policy": DASHBOARD_CSP, "X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    def health(self) -> Response:
        """``{"status": "ok", "apis": [...]}``; 503 with ``"status": "unavailable"`` when the state store
        cannot be reached."""
        if self.store is not None:
            try:
                self.store.check()
            except StoreUnavailable as exc:
                return _json({"status": "unavailable", "store": str(exc), "apis": self.summary}, 503)
        return _json({"status": "ok", "apis": self.summary})

    def list_apis(self) -> Response:
        """Every API with its operations."""
        return _json(self.catalogue)

    def list_requests(self) -> Response:
        """The journal, newest first, filtered by ``method``, ``path``, ``operation``; ``limit`` entries."""
        if self.journal is None:
            return _json(_JOURNAL_OFF, 404)
        limit = request.args.get("limit", "100")
        entries = self.journal.entries(limit=int(limit) if limit.isdigit() else 100,
                                       method=request.args.get("method"), path=request.args.get("path"),
                                       operation=request.args.get("operation"))
        return _json(entries)

    def request_detail(self, entry_id: int) -> Response:
        """One journal entry in full, with the answer as sent."""
        if self.journal is None:
            return _json(_JOURNAL_OFF, 404)
        entry = self.journal.entry(entry_id)
        if entry is None:
            return _json({"detail": f"no request {entry_id} in the journal (it was reset, or is too old)"}, 404)
        return _json(entry)

    def verify_requests(self) -> Response:
        """Whether calls matching ``{"method", "path", "body"?}`` were made (``count`` times, if given)."""
        if self.journal is None:
            return _json(_JOURNAL_OFF, 404)
        wanted = request.get_json(silent=True)
        if not isinstance(wanted, dict) or not isinstance(wanted.get("method"), str) or not isinstance(
                wanted.get("path"), str):
            return _json({"detail": "expected a JSON object with 'method' and 'path' (and optional 'body', 'count')"},
                         400)
        matched = self.journal.count(method=wanted["method"].upper(), path=wanted["path"], body=wanted.get("body"))
        expected = wanted.get("count")
        ok = matched == expected if isinstance(expected, int) else matched > 0
        return _json({"matched": matched, "ok": ok})

    def list_webhooks(self) -> Response:
        """Every API's webhooks: ``[{"api", "name", "operations": [{"method", "operationId", ...}]}]``."""
        return _json([{"api": api, "name": name, "operations": [p.describe() for p in plans]}
                      for api, hooks in self.webhooks.items() for name, plans in hooks.items()])

    def send_webhook(self, name: str) -> Response:
        """Send webhook ``name`` to the ``url`` given (loopback only unless --callback-host allows it), now;
        answers each operation's outcome: the request sent, the answer, the violations or the error."""
        wanted = request.get_json(silent=True)
        if not isinstance(wanted, dict) or not isinstance(wanted.get("url"), str):
            return _json({"detail": "expected a JSON object with 'url' (and optional 'api', 'method')"}, 400)
        api, method = wanted.get("api"), wanted.get("method")
        plans = [p for a, hooks in self.webhooks.items() if api in (None, a) for p in hooks.get(name, [])
                 if not isinstance(method, str) or p.method == method.lower()]
        if not plans:
            known = sorted({n for hooks in self.webhooks.values() for n in hooks})
            return _json({"detail": f"no webhook {name!r}" + (f" (documented: {', '.join(known)})" if known else
                                                              " (the specs document no webhooks)")}, 404)
        refused = refused_target(wanted["url"], self.config.callback_hosts)
        if refused is not None:
            return _json({"detail": f"not sent: {refused}"}, 400)
        outcomes = []
        for plan in plans:
            outcome = send(plan, wanted["url"], self.config)
            record(outcome, self.journal, plan.operation.api, f"webhook {name}")
            outcomes.append(outcome.as_dict())
        return _json({"sent": outcomes})

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
            return _json(_STATELESS, 404)
        return _json({a.name: a.state.roles() for a in self.apis if a.state is not None})

    def collections(self) -> Response:
        """Stateful mode: ``{"apis": [{"name", "title", "collections": [{"collection", "template", "count",
        "items": [{"path", "value"}]}]}]}`` (the first 200 items of each collection)."""
        if self.store is None:
            return _json(_STATELESS, 404)
        return _json({"apis": [{"name": a.name, "title": a.spec.title,
                                "collections": self.redactor.value(a.state.snapshot())}
                               for a in self.apis if a.state is not None]})

    def reset_state(self, api: str | None = None, collection: str | None = None) -> Response:
        """Stateful mode: forget everything, one API's state, or one collection (and all under its path)."""
        if self.store is None:
            return _json(_STATELESS, 404)
        engines = [a.state for a in self.apis if a.state is not None and (api is None or a.name == api)]
        if not engines:
            return _json({"detail": f"no API named {api!r}"}, 404)
        for engine in engines:
            engine.reset_collection("/" + (collection or "").strip("/"))
        return Response(status=204)


def _no_cors(response: Response) -> Response:
    """The admin API answers no CORS: whatever added ``Access-Control-*`` headers, they are removed."""
    for name in {n for n, _ in response.headers.items() if n.lower().startswith("access-control-")}:
        del response.headers[name]
    return response


def _store_unavailable(exc: StoreUnavailable) -> Response:
    log.error("%s %s -> 503: %s", request.method, request.path, exc)
    return _json({"detail": f"the state store is unavailable: {exc}"}, 503)


def _failed(exc: Exception) -> Response:
    """Any other failure of an admin endpoint: logged, and answered in JSON (never an HTML page)."""
    log.error("error answering %s %s\n%s", request.method, request.path, bounded_traceback(exc))
    return _json({"detail": f"the admin endpoint failed: {type(exc).__name__}"}, 500)
