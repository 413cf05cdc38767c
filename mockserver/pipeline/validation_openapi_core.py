"""openapi-core's own request validator for what the compiled fast path does not cover.

Non-simple parameter styles (``deepObject``, ``matrix``, ``label``, ``content``),
object parameters, and form or multipart bodies are validated by openapi-core,
with one validator per operation built once at load (a one-path copy of the
spec, so its path finder has a single candidate). openapi-core's request
protocol wants werkzeug's multi-dicts, hence the only werkzeug import outside
the Flask edge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..spec import Operation, join_pointer
from .problems import Violation
from .request import IncomingRequest, query_items

__all__ = ["core_validator"]


def core_validator(operation: Operation, document: dict[str, Any]) -> Callable[[IncomingRequest], list[Violation]]:
    """openapi-core's request validator for one operation, built once (a one-path spec)."""
    from jsonschema_path import SchemaPath
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    # operation-level servers would make its server finder refuse "http://mock" (bug 13): the router matched already
    raw = {k: v for k, v in operation.raw.items() if k != "servers"}
    item = {operation.method: {**raw, "security": [], "parameters": [p for p, _ in operation.parameters]}}
    mini = {**document, "servers": [{"url": "/"}], "paths": {operation.path: item}, "security": []}
    mini.pop("webhooks", None)
    api = OpenAPI(SchemaPath.from_dict(mini), config=Config(spec_validator_cls=None))
    return _CoreAdapter(api, operation.path)


class _CoreAdapter:
    def __init__(self, api: Any, template: str) -> None:
        self.api = api
        # the one-path spec is served at "/": its path finder gets the template with every parameter
        # replaced by a plain segment (the real values, "/" included for greedy ones, are passed as
        # path parameters; the request's server prefix plays no part)
        self.path = re.sub(r"\{[^}/]+\}", "x", template)

    def __call__(self, request: IncomingRequest) -> list[Violation]:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        query = ImmutableMultiDict(query_items(request.query))
        core_request = _CoreRequest(
            host_url="http://mock",
            path=self.path,
            method=request.method.lower(),
            parameters=RequestParameters(
                path=dict(request.path_params),
                query=query,
                header=Headers(list(request.headers.items())),
                cookie=ImmutableMultiDict(list(request.cookies.items())),
            ),
            content_type=request.content_type or "application/json",
            body=request.body or None,
        )
        out: list[Violation] = []
        try:
            for error in self.api.iter_request_errors(core_request):
                out.extend(_core_violations(error))
        except Exception as exc:  # openapi-core's form/multipart parsers assert on malformed input
            return [Violation("body", "", f"malformed {(request.content_type or 'request').split(';')[0]} body: "
                                          f"{type(exc).__name__} {exc}".strip())]
        # path parameters are matched and checked by the compiled validator (openapi-core sees the
        # placeholder path): its path findings are not about this request. The other duplicates
        # (simple parameters it also checks) are dropped by RequestValidator.validate.
        return [v for v in out if v.location != "path"]


@dataclass
class _CoreRequest:
    host_url: str
    path: str
    method: str
    parameters: Any
    content_type: str
    body: bytes | None


def _core_violations(error: Exception) -> list[Violation]:
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    name = getattr(error, "name", None) or getattr(cause, "name", None)
    location = getattr(error, "location", None) or ("body" if "Body" in type(error).__name__ else "query")
    if schema_errors:
        return [
            Violation(str(location), (str(name) if name else "") + join_pointer(*e.absolute_path), e.message)
            for e in schema_errors
        ]
    return [Violation(str(location), str(name or ""), str(cause or error) or type(error).__name__)]
