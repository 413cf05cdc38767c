"""A correct implementation of tests/data/specs/widgets.yaml, and deliberately wrong variants of it."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from flask import Flask, Response, jsonify, request

DEFECTS = (
    "wrong-status",       # GET answers 202, which the spec does not document
    "missing-field",      # GET omits the required "size"
    "wrong-type",         # GET returns "size" as a string
    "500-on-bad-input",   # POST crashes on an invalid body instead of answering 400
    "accepts-invalid",    # POST accepts an invalid body with 201
    "broken-link",        # a created widget cannot be read back (the link flow breaks)
)


def _valid(body: Any) -> bool:
    if not isinstance(body, dict) or set(body) != {"name", "size"}:
        return False
    name, size = body["name"], body["size"]
    # JSON Schema counts 6.0 as an integer
    integral = isinstance(size, int) or (isinstance(size, float) and size.is_integer())
    return (isinstance(name, str) and 1 <= len(name) <= 20 and integral and not isinstance(size, bool)
            and 1 <= size <= 10)


def make_app(defect: str | None = None) -> Flask:
    """The widgets service, correct when ``defect`` is None."""
    app = Flask(f"widgets-{defect or 'correct'}")
    store: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    lock = threading.Lock()

    def problem(status: int, message: str) -> tuple[Response, int]:
        return jsonify({"message": message}), status

    def widget_id(raw: str) -> int | None:
        try:
            value = int(raw)
        except ValueError:
            return None
        return value if 1 <= value <= 1_000_000 and str(value) == raw else None

    @app.post("/v1/widgets")
    def create() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        if not _valid(body):
            if defect == "500-on-bad-input":
                raise RuntimeError("unexpected body")
            if defect != "accepts-invalid":
                return problem(400, "invalid widget")
            body = {"name": "x", "size": 1}
        assert isinstance(body, dict)
        with lock:
            new = {"id": next(ids), "name": body["name"], "size": body["size"]}
            store[new["id"]] = new
        return jsonify(new), 201

    @app.get("/v1/widgets/<raw>")
    def read(raw: str) -> tuple[Response, int]:
        ident = widget_id(raw)
        if ident is None:
            return problem(400, "bad widget id")
        found = store.get(ident)
        if found is None or defect == "broken-link":
            return problem(404, "widget not found")
        body = dict(found)
        if defect == "missing-field":
            del body["size"]
        if defect == "wrong-type":
            body["size"] = str(body["size"])
        return jsonify(body), 202 if defect == "wrong-status" else 200

    @app.delete("/v1/widgets/<raw>")
    def delete(raw: str) -> tuple[Response, int]:
        ident = widget_id(raw)
        if ident is None:
            return problem(400, "bad widget id")
        with lock:
            if store.pop(ident, None) is None:
                return problem(404, "widget not found")
        return Response(status=204), 204

    return app
