"""Swagger 2.0 (OpenAPI 2) converted at load into the equivalent OpenAPI 3.0 document.

What maps, and how:

* ``host``/``basePath``/``schemes`` -> ``servers`` (a relative ``/basePath`` without ``host``);
* ``definitions``/``parameters``/``responses``/``securityDefinitions`` -> ``components``
  (``$ref`` rewritten); body parameters (inline or referenced) -> ``requestBody`` for each of
  the operation's ``consumes``; ``formData`` parameters -> one object schema under
  ``multipart/form-data`` or ``application/x-www-form-urlencoded`` (``type: file`` ->
  ``format: binary``; a string field without ``allowEmptyValue: true`` gets ``minLength: 1``,
  as Swagger 2.0 refuses empty values by default);
* other parameters: their type keywords -> ``schema``; ``collectionFormat`` -> ``style``/
  ``explode`` (``csv`` form or simple, ``multi`` exploded form, ``ssv`` spaceDelimited,
  ``pipes`` pipeDelimited; ``tsv`` has no OpenAPI 3 equivalent and is read as ``csv``);
  ``x-example`` -> ``example``;
* responses: ``schema`` under each of the operation's ``produces`` (default
  ``application/json``), ``examples`` (by media type) -> ``example``, ``x-examples`` too,
  an example under a media range (``*/*``) serves each produced type it covers;
  headers' type keywords -> ``schema``;
* schemas: ``x-nullable`` -> ``nullable``, ``type: file`` -> binary string, a string
  ``discriminator`` -> ``{propertyName: ...}``.

:func:`convert` also returns, for each converted pointer, the pointer it came from, so
that errors name the line of the Swagger file.
"""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

from .pointers import escape_token, join_pointer, resolve_pointer

__all__ = ["convert", "is_swagger2"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_TYPE_KEYS = ("type", "format", "items", "enum", "default", "maximum", "exclusiveMaximum", "minimum",
              "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
              "multipleOf")
_SECTIONS = {"definitions": "schemas", "parameters": "parameters", "responses": "responses"}


def is_swagger2(document: Any) -> bool:
    """Whether ``document`` says ``swagger: "2.0"``."""
    return isinstance(document, dict) and str(document.get("swagger", "")).startswith("2")


def _ref(ref: str) -> str:
    if ref.startswith("#/definitions/"):
        return "#/components/schemas/" + ref[len("#/definitions/"):]
    if ref.startswith("#/parameters/"):
        return "#/components/parameters/" + ref[len("#/parameters/"):]
    if ref.startswith("#/responses/"):
        return "#/components/responses/" + ref[len("#/responses/"):]
    return ref


def _schema(node: Any) -> Any:
    """A Swagger schema as an OpenAPI 3.0 schema."""
    if isinstance(node, list):
        return [_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = _ref(value)
        elif key == "x-nullable":
            out["nullable"] = bool(value)
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            out[key] = {k: _schema(v) for k, v in value.items()}
        elif key == "example" or key == "default" or key == "enum" or key.startswith("x-"):
            out[key] = value
        else:
            out[key] = _schema(value)
    if out.get("type") == "file":
        out["type"] = "string"
        out["format"] = "binary"
    return out


def _typed_schema(param: dict[str, Any]) -> dict[str, Any]:
    """The schema of a non-body parameter, header or form field, from its type keywords."""
    schema: dict[str, Any] = {}
    for key in _TYPE_KEYS:
        if key in param:
            value = param[key]
            schema[key] = _typed_schema(value) if key == "items" and isinstance(value, dict) else value
    if param.get("x-nullable"):
        schema["nullable"] = True
    if schema.get("type") == "file":
        schema["type"] = "string"
        schema["format"] = "binary"
    return schema


class _Converter:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.renames: dict[str, str] = {}

    def deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            try:
                node = resolve_pointer(self.doc, node["$ref"][1:])
            except KeyError:
                return node
            seen += 1
            if seen > 32:
                break
        return node

    def servers(self) -> list[dict[str, Any]]:
        base = str(self.doc.get("basePath") or "")
        host = self.doc.get("host")
        if not host:
            return [{"url": base or "/"}]
        schemes = [s for s in self.doc.get("schemes") or [] if s in ("http", "https", "ws", "wss")] or ["https"]
        return [{"url": f"{scheme}://{host}{base}"} for scheme in schemes]

    def parameter(self, param: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in param.items()
                               if k in ("name", "in", "description", "required", "allowEmptyValue", "deprecated")
                               or (k.startswith("x-") and k not in ("x-example", "x-examples", "x-nullable"))}
        out["schema"] = _typed_schema(param)
        fmt = param.get("collectionFormat")
        location = param.get("in")
        if param.get("type") == "array":
            if fmt == "multi":
                out["style"], out["explode"] = "form", True
            elif fmt == "ssv":
                out["style"], out["explode"] = "spaceDelimited", False
            elif fmt == "pipes":
                out["style"], out["explode"] = "pipeDelimited", False
            else:  # csv (the default), tsv
                out["style"] = "form" if location in ("query", "cookie") else "simple"
                out["explode"] = False
        if "x-example" in param:
            out["example"] = param["x-example"]
        if location == "path":
            out["required"] = True
        self.renames[where] = where
        return out

    def media_types(self, operation: dict[str, Any], key: str) -> list[str]:
        found = operation.get(key)
        if found is None:
            found = self.doc.get(key)
        types = [str(t) for t in found or [] if isinstance(t, str)]
        return types or ["application/json"]

    def operation(self, operation: dict[str, Any], inherited: list[Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in operation.items()
                               if k not in ("parameters", "responses", "consumes", "produces", "schemes")}
        params: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for base, items in ((f"{where}/../parameters", inherited), (f"{where}/parameters",
                                                                     operation.get("parameters") or [])):
            for i, raw in enumerate(items):
                param = self.deref(raw)
                if isinstance(param, dict):
                    params[(str(param.get("name")), str(param.get("in")))] = (param, f"{base}/{i}")
        consumes = self.media_types(operation, "consumes")
        converted: list[dict[str, Any]] = []
        form: dict[str, Any] = {}
        form_required: list[str] = []
        for (_, location), (param, pointer) in params.items():
            pointer = _normalise(pointer)
            if location == "body":
                body_schema = _schema(param.get("schema") or {})
                content: dict[str, Any] = {}
                found = param.get("x-examples")
                examples: dict[str, Any] = found if isinstance(found, dict) else {}
                for media in consumes:
                    content[media] = {"schema": body_schema}
                    if media in examples:
                        content[media]["example"] = examples[media]
                out["requestBody"] = {"content": content, "required": bool(param.get("required"))}
                if param.get("description"):
                    out["requestBody"]["description"] = param["description"]
                self.renames[f"{where}/requestBody"] = pointer
                self.renames[f"{where}/requestBody/content"] = pointer + "/schema"
            elif location == "formData":
                name = str(param.get("name"))
                field = _typed_schema(param)
                if (field.get("type") == "string" and "format" not in field and not param.get("allowEmptyValue")
                        and "minLength" not in field):
                    field["minLength"] = 1  # Swagger 2.0: allowEmptyValue is false by default
                if param.get("description"):
                    field["description"] = param["description"]
                form[name] = field
                if param.get("required"):
                    form_required.append(name)
                self.renames[f"{where}/requestBody/content"] = pointer
            else:
                self.renames[f"{where}/parameters/{len(converted)}"] = pointer
                converted.append(self.parameter(param, pointer))
        if form:
            files = any(f.get("format") == "binary" for f in form.values())
            kinds = [m for m in consumes if m in ("multipart/form-data", "application/x-www-form-urlencoded")]
            if not kinds:
                kinds = ["multipart/form-data" if files else "application/x-www-form-urlencoded"]
            schema: dict[str, Any] = {"type": "object", "properties": form}
            if form_required:
                schema["required"] = form_required
            out["requestBody"] = {"content": {m: {"schema": schema} for m in kinds}, "required": bool(form_required)}
        if converted:
            out["parameters"] = converted
        produces = self.media_types(operation, "produces")
        responses: dict[str, Any] = {}
        for code, raw in (operation.get("responses") or {}).items():
            at = f"{where}/responses/{escape_token(str(code))}"
            self.renames[at] = at
            responses[str(code)] = self.response(self.deref(raw), produces)
        out["responses"] = responses
        return out

    def response(self, response: Any, produces: list[str]) -> dict[str, Any]:
        if not isinstance(response, dict):
            return {"description": ""}
        out: dict[str, Any] = {"description": str(response.get("description", ""))}
        out.update({k: v for k, v in response.items() if k.startswith("x-") and k != "x-examples"})
        schema = response.get("schema")
        examples: dict[str, Any] = {}
        for key in ("x-examples", "examples"):
            found = response.get(key)
            if isinstance(found, dict):
                examples.update(found)
        content: dict[str, Any] = {}
        if schema is not None:
            for media in produces:
                content[media] = {"schema": _schema(schema)}
        for media, value in examples.items():
            if "/" not in str(media):  # not a media type: Swagger keys examples by media type
                continue
            if "*" in str(media):  # a media range: the example of each produced type it covers
                for produced in produces:
                    if fnmatch.fnmatch(produced, str(media)):
                        content.setdefault(produced, {}).setdefault("example", value)
                continue
            entry = content.setdefault(str(media), {"schema": _schema(schema)} if schema is not None else {})
            entry["example"] = value
        if content:
            out["content"] = content
        headers = response.get("headers")
        if isinstance(headers, dict):
            out["headers"] = {}
            for name, header in headers.items():
                header = self.deref(header)
                if isinstance(header, dict):
                    converted: dict[str, Any] = {"schema": _typed_schema(header)}
                    if header.get("description"):
                        converted["description"] = header["description"]
                    if "x-example" in header:
                        converted["example"] = header["x-example"]
                    out["headers"][name] = converted
        return out

    def security_scheme(self, scheme: dict[str, Any]) -> dict[str, Any]:
        kind = scheme.get("type")
        out: dict[str, Any] = {k: v for k, v in scheme.items() if k == "description" or k.startswith("x-")}
        if kind == "basic":
            return {**out, "type": "http", "scheme": "basic"}
        if kind == "apiKey":
            return {**out, "type": "apiKey", "name": scheme.get("name"), "in": scheme.get("in")}
        if kind == "oauth2":
            flow = scheme.get("flow")
            scopes = scheme.get("scopes") or {}
            name = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                    "accessCode": "authorizationCode"}.get(str(flow), "implicit")
            converted: dict[str, Any] = {"scopes": scopes}
            if name in ("implicit", "authorizationCode"):
                converted["authorizationUrl"] = scheme.get("authorizationUrl", "")
            if name != "implicit":
                converted["tokenUrl"] = scheme.get("tokenUrl", "")
            return {**out, "type": "oauth2", "flows": {name: converted}}
        return {**out, **scheme}

    def convert(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {"openapi": "3.0.3"}
        for key, value in doc.items():
            if key in ("info", "tags", "externalDocs", "security") or key.startswith("x-"):
                out[key] = copy.deepcopy(value)
                self.renames["/" + escape_token(key)] = "/" + escape_token(key)
        out["servers"] = self.servers()
        paths: dict[str, Any] = {}
        for path, raw_item in (doc.get("paths") or {}).items():
            if not isinstance(raw_item, dict):
                paths[path] = raw_item
                continue
            item_pointer = join_pointer("paths", path)
            item: dict[str, Any] = {}
            inherited = raw_item.get("parameters") or []
            for key, value in raw_item.items():
                if key in _METHODS and isinstance(value, dict):
                    where = f"{item_pointer}/{key}"
                    self.renames[where] = where
                    item[key] = self.operation(value, inherited, where)
                elif key.startswith("x-"):
                    item[key] = value
            paths[path] = item
            self.renames[item_pointer] = item_pointer
        out["paths"] = paths
        components: dict[str, Any] = {}
        for section, target in _SECTIONS.items():
            entries = doc.get(section)
            if not isinstance(entries, dict):
                continue
            converted: dict[str, Any] = {}
            for name, value in entries.items():
                if section == "parameters" and isinstance(value, dict) and value.get("in") in ("body", "formData"):
                    continue  # inlined where used: OpenAPI 3 has no body parameters
                source = join_pointer(section, name)
                self.renames[join_pointer("components", target, name)] = source
                if section == "definitions":
                    converted[name] = _schema(value)
                elif section == "parameters":
                    converted[name] = self.parameter(value, source)
                else:
                    converted[name] = self.response(value, self.media_types({}, "produces"))
            components[target] = converted
        security = doc.get("securityDefinitions")
        if isinstance(security, dict):
            components["securitySchemes"] = {name: self.security_scheme(s) if isinstance(s, dict) else s
                                             for name, s in security.items()}
            for name in security:
                self.renames[join_pointer("components", "securitySchemes", name)] = join_pointer(
                    "securityDefinitions", name)
        if components:
            out["components"] = components
        return out


def _normalise(pointer: str) -> str:
    """``/paths/~1a/get/../parameters/0`` -> ``/paths/~1a/parameters/0``."""
    parts: list[str] = []
    for token in pointer.split("/")[1:]:
        if token == "..":
            parts.pop()
        else:
            parts.append(token)
    return "".join("/" + t for t in parts)


def convert(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The OpenAPI 3.0 equivalent of a Swagger 2.0 ``document`` and its pointer renames.

    The renames map a pointer prefix of the converted document to the pointer of the
    Swagger document it came from (longest prefix wins).
    """
    converter = _Converter(document)
    converted = converter.convert()
    renames = {k: _normalise(v) for k, v in converter.renames.items()}
    return converted, renames
