"""A small secured API (the gadgets spec below) and a correct service for it, with one wrong variant per check.

The checks the variants fail are those no real server here is asserted to fail on its own:
``positive_data_acceptance``, ``missing_required_header``, ``response_headers_conformance``,
``use_after_free``, ``max_response_time``, ``ignored_auth`` (Prism fails it too, test_verify_prism)
and a rate limit answering ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, jsonify, request

TOKEN = "gadget-token-7d1"
#: a second user's token: each user reads and deletes only the gadgets they created
OTHER_TOKEN = "gadget-token-b0b"

DEFECTS = (
    "ignores-auth",            # any bearer token is accepted, not only the valid one
    "ignores-missing-header",  # GET answers 200 without the required X-Client header
    "no-response-header",      # GET omits the documented, required X-Revision answer header
    "use-after-free",          # DELETE answers 204 but the gadget can still be read
    "rate-limited",            # a request is refused with 429 and Retry-After: 1 until it is sent again
    "slow",                    # GET takes SLOW_S seconds to answer
    "rejects-valid",           # POST refuses a valid name that is not all letters with 400
    "shares-objects",          # any user reads any user's gadget (broken object-level authorization)
)
SLOW_S = 0.5

_PROBLEM = {"description": "An error", "content": {"application/json": {"schema": {
    "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}
_GADGET = {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer", "minimum": 1}, "name": {"type": "string"}}}
_ID = {"name": "gadgetId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                                       "maximum": 1000000}}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Gadgets", "version": "1"},
    "servers": [{"url": "http://localhost/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/gadgets": {"post": {
            "operationId": "createGadget",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 10}}},
                "example": {"name": "lamp"}}}},
            "responses": {
                "201": {"description": "Created", "content": {"application/json": {"schema": _GADGET}},
                        "links": {"GetGadget": {"operationId": "getGadget",
                                                "parameters": {"gadgetId": "$response.body#/id"}},
                                  "DeleteGadget": {"operationId": "deleteGadget",
                                                   "parameters": {"gadgetId": "$response.body#/id"}}}},
                "400": _PROBLEM, "401": _PROBLEM}}},
        "/gadgets/{gadgetId}": {
            "parameters": [_ID],
            "get": {
                "operationId": "getGadget",
                "parameters": [{"name": "X-Client", "in": "header", "required": True,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 10,
                                           "pattern": "^[a-z]+$"}}],
                "responses": {
                    "200": {"description": "The gadget",
                            "headers": {"X-Revision": {"required": True, "schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": _GADGET}}},
                    "400": _PROBLEM, "401": _PROBLEM, "404": _PROBLEM}},
            "delete": {
                "operationId": "deleteGadget",
                "responses": {"204": {"description": "Deleted"}, "400": _PROBLEM, "401": _PROBLEM,
                              "404": _PROBLEM}},
        },
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}


def write_gadgets_spec(folder: Path) -> Path:
    path = folder / "gadgets.yaml"
    path.write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    return path


def make_gadgets_app(defect: str | None = None) -> Flask:
    """The gadgets service, correct when ``defect`` is None."""
    app = Flask(f"gadgets-{defect or 'correct'}")
    store: dict[int, dict[str, Any]] = {}
    deleted: set[int] = set()
    owners: dict[int, str | None] = {}
    ids = itertools.count(1)
    seen: set[tuple[str, str, str | None, bytes]] = set()
    lock = threading.Lock()

    def problem(status: int, message: str) -> tuple[Response, int]:
        return jsonify({"message": message}), status

    #: (method, path, Authorization, body, status) of every request, in order (the rate-limited variant's)
    app.config["served"] = served = []

    @app.after_request
    def log(answer: Response) -> Response:
        served.append((request.method, request.path, request.headers.get("Authorization"), request.get_data(),
                       answer.status_code))
        return answer

    @app.before_request
    def gate() -> tuple[Response, int] | None:
        key = (request.method, request.path, request.headers.get("Authorization"), request.get_data())
        if defect == "rate-limited" and key not in seen:  # a request is answered when it comes again
            seen.add(key)
            answer = jsonify({"message": "slow down"})
            answer.headers["Retry-After"] = "1"
            return answer, 429
        authorization = request.headers.get("Authorization", "")
        valid = authorization in (f"Bearer {TOKEN}", f"Bearer {OTHER_TOKEN}")
        if defect == "ignores-auth":
            valid = authorization.startswith("Bearer ")
        if not valid:
            return problem(401, "a valid bearer token is required")
        return None

    def gadget_id(raw: str) -> int | None:
        try:
            value = int(raw)
        except ValueError:
            return None
        return value if 1 <= value <= 1_000_000 and str(value) == raw else None

    @app.post("/v1/gadgets")
    def create() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        name = body.get("name") if isinstance(body, dict) and set(body) == {"name"} else None
        if not isinstance(name, str) or not 1 <= len(name) <= 10 or (defect == "rejects-valid"
                                                                     and not name.isalpha()):
            return problem(400, "invalid gadget")
        with lock:
            ident = next(ids)
            new: dict[str, Any] = {"id": ident, "name": name}
            store[ident] = new
            owners[ident] = request.headers.get("Authorization")
        return jsonify(new), 201

    def foreign(ident: int) -> bool:
        """Whether the gadget is another user's (a user sees only their own gadgets)."""
        return owners.get(ident) != request.headers.get("Authorization")

    @app.get("/v1/gadgets/<raw>")
    def read(raw: str) -> tuple[Response, int]:
        if defect == "slow":
            time.sleep(SLOW_S)
        client = request.headers.get("X-Client")
        ident = gadget_id(raw)
        if ident is None:
            return problem(400, "bad gadget id")
        if defect != "ignores-missing-header" and (client is None or not client.isalpha() or not client.islower()
                                                   or not 1 <= len(client) <= 10):
            return problem(400, "X-Client is required")
        found = store.get(ident)
        if found is None or (ident in deleted and defect != "use-after-free") or (
                foreign(ident) and defect != "shares-objects"):
            return problem(404, "gadget not found")
        answer = jsonify(found)
        if defect != "no-response-header":
            answer.headers["X-Revision"] = "1"
        return answer, 200

    @app.delete("/v1/gadgets/<raw>")
    def delete(raw: str) -> tuple[Response, int]:
        ident = gadget_id(raw)
        if ident is None:
            return problem(400, "bad gadget id")
        with lock:
            if ident not in store or ident in deleted or foreign(ident):
                return problem(404, "gadget not found")
            deleted.add(ident)
        return Response(status=204), 204

    return app
