"""Postman collections (v2.0 and v2.1) converted at load into an OpenAPI 3.1 document.

Each request of the collection (folders flattened) becomes an operation; requests with
the same method and path are merged into one. What maps, and how:

* the URL's path (``:id`` and ``{{id}}`` segments become ``{id}`` path parameters; the
  host, often ``{{baseUrl}}``, is dropped) and its ``query`` entries (optional query
  parameters, strings);
* a ``raw`` JSON body: a schema inferred from it (properties typed and required as in the
  example; several examples of one request: ``anyOf``); ``urlencoded`` and ``formdata``
  bodies: an object of string fields; the request's ``Content-Type`` header names the media type;
* each saved response: a response of its ``code`` whose body (by its ``Content-Type``
  header; JSON when the body parses and there is none) is a named example, with a schema
  inferred from JSON bodies; its other headers are documented response headers;
* ``auth`` (collection, folder or request; ``noauth`` removes it): ``basic``, ``bearer``,
  ``digest``, ``apikey`` (header or query), ``oauth2`` -> security schemes.

What Postman has and OpenAPI cannot say (scripts, variables other than path ones,
GraphQL bodies) is ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .pointers import join_pointer

__all__ = ["convert", "is_postman"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SEGMENT_VARIABLE = re.compile(r"^(?::(.+)|\{\{(.+)\}\})$")


def is_postman(document: Any) -> bool:
    """Whether ``document`` is a Postman collection (a Postman ``info.schema``, or ``item`` and no ``openapi``)."""
    if not isinstance(document, dict) or "openapi" in document or "swagger" in document:
        return False
    info = document.get("info")
    schema = str(info.get("schema", "")) if isinstance(info, dict) else ""
    return "postman" in schema or "_postman_id" in (info or {}) or isinstance(document.get("item"), list)


def infer_schema(value: Any) -> dict[str, Any]:
    """A JSON Schema that ``value`` satisfies, typed as in the value (objects' keys required)."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if value is None:
        return {"type": "null"}
    if isinstance(value, list):
        if not value:
            return {"type": "array"}
        kinds: list[dict[str, Any]] = []
        for item in value:
            inferred = infer_schema(item)
            if inferred not in kinds:
                kinds.append(inferred)
        return {"type": "array", "items": kinds[0] if len(kinds) == 1 else {"anyOf": kinds}}
    if isinstance(value, dict):
        return {"type": "object", "properties": {str(k): infer_schema(v) for k, v in value.items()},
                "required": [str(k) for k in value]}
    return {}


def _headers(entries: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and entry.get("key") and not entry.get("disabled"):
                out[str(entry["key"])] = str(entry.get("value", ""))
    elif isinstance(entries, str):
        for line in entries.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                out[name.strip()] = value.strip()
    return out


def _content_type(headers: dict[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "content-type" and value:
            return value.split(";")[0].strip().lower()
    return None


def _url_parts(url: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(path segments, query entries) of a request's URL (a string or a URL object)."""
    if isinstance(url, str):
        raw = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", url)
        raw = re.sub(r"^\{\{[^}]*\}\}", "", raw) if raw.startswith("{{") else raw
        text, _, query = raw.partition("?")
        if "://" in url or not (url.startswith("{{") or url.startswith("/")):
            text = text.partition("/")[2]  # host/path
        entries = [{"key": q.partition("=")[0], "value": q.partition("=")[2]} for q in query.split("&") if q]
        return [s for s in text.split("/") if s], entries
    if not isinstance(url, dict):
        return [], []
    path = url.get("path")
    if isinstance(path, str):
        segments = [s for s in path.split("/") if s]
    elif isinstance(path, list):
        segments = [str(s.get("value", "")) if isinstance(s, dict) else str(s) for s in path]
    elif isinstance(url.get("raw"), str):
        return _url_parts(url["raw"])
    else:
        segments = []
    entries = [q for q in url.get("query") or [] if isinstance(q, dict) and not q.get("disabled")]
    return [s for s in segments if s], entries


def _security(auth: Any, schemes: dict[str, Any]) -> list[dict[str, list[str]]] | None:
    """The security requirement of an ``auth`` object (registering its scheme); None: no auth object."""
    if not isinstance(auth, dict):
        return None
    kind = str(auth.get("type", "")).lower()
    settings = {str(e.get("key")): e.get("value") for e in auth.get(kind) or [] if isinstance(e, dict)} \
        if isinstance(auth.get(kind), list) else {}
    if kind == "noauth":
        return []
    if kind in ("basic", "bearer", "digest"):
        schemes[kind] = {"type": "http", "scheme": kind}
    elif kind == "apikey":
        where = str(settings.get("in") or "header")
        name = str(settings.get("key") or "Authorization")
        kind = f"apikey-{where}-{name}"
        schemes[kind] = {"type": "apiKey", "in": where if where in ("header", "query", "cookie") else "header",
                         "name": name}
    elif kind == "oauth2":
        schemes[kind] = {"type": "http", "scheme": "bearer", "description": "Postman oauth2: a bearer token"}
    else:
        return None
    return [{kind: []}]


class _Converter:
    def __init__(self, collection: dict[str, Any]) -> None:
        self.collection = collection
        self.schemes: dict[str, Any] = {}
        self.paths: dict[str, dict[str, Any]] = {}
        self.renames: dict[str, str] = {}
        self.bodies: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

    def walk(self, items: Any, pointer: str, auth: list[dict[str, list[str]]] | None) -> None:
        if not isinstance(items, list):
            return
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            here = f"{pointer}/{i}"
            own = _security(item.get("auth"), self.schemes)
            if isinstance(item.get("item"), list):  # a folder
                self.walk(item["item"], f"{here}/item", own if own is not None else auth)
            elif "request" in item:
                request = item["request"]
                if isinstance(request, str):
                    request = {"url": request, "method": "GET"}
                if isinstance(request, dict):
                    req_auth = _security(request.get("auth"), self.schemes)
                    effective = req_auth if req_auth is not None else (own if own is not None else auth)
                    self.request(item, request, here, effective)

    def request(self, item: dict[str, Any], request: dict[str, Any], pointer: str,
                security: list[dict[str, list[str]]] | None) -> None:
        method = str(request.get("method") or "GET").lower()
        if method not in _METHODS:
            return
        segments, query = _url_parts(request.get("url"))
        names: list[str] = []
        parts: list[str] = []
        for segment in segments:
            match = _SEGMENT_VARIABLE.match(segment)
            if match:
                name = match.group(1) or match.group(2)
                names.append(name)
                parts.append("{" + name + "}")
            else:
                parts.append(segment)
        path = "/" + "/".join(parts)
        item_pointer = join_pointer("paths", path)
        operation = self.paths.setdefault(path, {}).get(method)
        where = f"{item_pointer}/{method}"
        if operation is None:
            operation = {"responses": {}}
            if item.get("name"):
                operation["summary"] = str(item["name"])
            self.paths[path][method] = operation
            self.renames[where] = pointer
        if security is not None and "security" not in operation:
            operation["security"] = security
        params: list[dict[str, Any]] = operation.setdefault("parameters", [])
        known = {(p["name"], p["in"]) for p in params}
        for name in names:
            if (name, "path") not in known:
                params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
        for entry in query:
            name = str(entry.get("key") or "")
            if name and (name, "query") not in known:
                params.append({"name": name, "in": "query", "schema": {"type": "string"}})
                known.add((name, "query"))
        if not params:
            del operation["parameters"]
        self.body(operation, request, (path, method))
        for j, response in enumerate(item.get("response") or []):
            if isinstance(response, dict):
                self.response(operation, response, f"{pointer}/response/{j}", where)

    def body(self, operation: dict[str, Any], request: dict[str, Any], key: tuple[str, str]) -> None:
        body = request.get("body")
        if isinstance(body, str):
            body = {"mode": "raw", "raw": body}
        if not isinstance(body, dict):
            return
        mode = body.get("mode")
        media = _content_type(_headers(request.get("header")))
        schema: dict[str, Any]
        if mode == "raw":
            raw = body.get("raw")
            if not isinstance(raw, str) or not raw.strip():
                return
            try:
                value = json.loads(raw)
                media = media or "application/json"
                schema = infer_schema(value)
            except ValueError:
                media = media or "text/plain"
                schema = {"type": "string"}
        elif mode in ("urlencoded", "formdata"):
            if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                media = "application/x-www-form-urlencoded" if mode == "urlencoded" else "multipart/form-data"
            fields = [f for f in body.get(mode) or [] if isinstance(f, dict) and f.get("key") and not f.get("disabled")]
            schema = {"type": "object",
                      "properties": {str(f["key"]): ({"type": "string", "format": "binary"} if f.get("type") == "file"
                                                     else {"type": "string"}) for f in fields}}
        else:
            return
        schemas = self.bodies.setdefault((*key, media), [])
        if schema not in schemas:
            schemas.append(schema)
        content = operation.setdefault("requestBody", {"content": {}})["content"]
        content[media] = {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": list(schemas)}}

    def response(self, operation: dict[str, Any], response: dict[str, Any], source: str, where: str) -> None:
        code = str(response.get("code") or 200)
        headers = _headers(response.get("header"))
        body = response.get("body")
        media = _content_type(headers)
        value: Any = body
        parsed = False
        if isinstance(body, str) and (media is None or media == "application/json" or media.endswith("+json")):
            try:
                value = json.loads(body)
                parsed = True
                media = media or "application/json"
            except ValueError:
                media = media or "text/plain"
        target = operation["responses"].setdefault(code, {"description": str(response.get("name")
                                                                              or response.get("description")
                                                                              or response.get("status") or code)})
        self.renames[f"{where}/responses/{code}"] = source
        documented = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
        if documented:
            target_headers = target.setdefault("headers", {})
            for name, header_value in documented.items():
                target_headers.setdefault(name, {"schema": {"type": "string"}, "example": header_value})
        if body is None or body == "":
            return
        media = media or "text/plain"
        entry = target.setdefault("content", {}).setdefault(media, {})
        schema = infer_schema(value) if parsed else {"type": "string"}
        if "schema" not in entry:
            entry["schema"] = schema
        elif entry["schema"] != schema:
            options = entry["schema"]["anyOf"] if "anyOf" in entry["schema"] else [entry["schema"]]
            if schema not in options:
                options.append(schema)
            entry["schema"] = {"anyOf": options}
        examples = entry.setdefault("examples", {})
        name = str(response.get("name") or f"example{len(examples) + 1}")
        while name in examples:
            name += "_"
        examples[name] = {"value": value}

    def convert(self) -> dict[str, Any]:
        found = self.collection.get("info")
        info: dict[str, Any] = found if isinstance(found, dict) else {}
        description = info.get("description")
        out: dict[str, Any] = {
            "openapi": "3.1.0",
            "info": {"title": str(info.get("name") or "Postman collection"), "version": str(info.get("version")
                                                                                           or "1.0.0")},
        }
        if isinstance(description, str):
            out["info"]["description"] = description
        root_auth = _security(self.collection.get("auth"), self.schemes)
        self.walk(self.collection.get("item"), "/item", root_auth)
        for item in self.paths.values():
            for operation in item.values():
                if not operation["responses"]:
                    operation["responses"]["200"] = {"description": "OK"}
        out["paths"] = self.paths
        if self.schemes:
            out["components"] = {"securitySchemes": self.schemes}
        return out


def convert(collection: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The OpenAPI 3.1 document of a Postman ``collection`` and its pointer renames (converted -> collection)."""
    converter = _Converter(collection)
    document = converter.convert()
    return document, converter.renames
