"""Operations of a bundled spec as plain data: :class:`Operation` and :func:`iter_operations`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from .loading import LoadedSpec
from .pointers import deref_at, escape_token, join_pointer

__all__ = ["HTTP_METHODS", "Operation", "iter_operations", "merged_parameters", "server_prefixes"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VARIABLE = re.compile(r"\{([^}]+)\}")


def server_prefixes(servers: list[dict[str, Any]] | None) -> list[str]:
    """The path parts of server URLs, variables at their default, without trailing slash.

    ``https://{host}/v2`` -> ``/v2``; ``https://x.io`` -> ``""``. Relative URLs count too.
    """
    if not servers:
        return [""]
    prefixes: list[str] = []
    for server in servers:
        url = str(server.get("url", "/"))
        variables = server.get("variables") or {}

        def substitute(match: re.Match[str], variables: dict[str, Any] = variables) -> str:
            spec = variables.get(match.group(1)) or {}
            return str(spec.get("default", match.group(1)))

        url = _VARIABLE.sub(substitute, url)
        path = urlsplit(url).path if "://" in url else url
        path = "/" + path.strip("/") if path.strip("/") else ""
        if path not in prefixes:
            prefixes.append(path)
    return prefixes


@dataclass
class Operation:
    """One method of one path of one spec, with its references followed one level.

    Attributes:
        api: the spec's short name.
        method: lower-case HTTP method.
        path: the path template as written in the spec.
        pointer: JSON pointer of the operation object in the bundled document.
        operation_id: ``operationId`` or ``METHOD path``.
        parameters: path-level and operation-level parameters merged (operation wins),
            each with the JSON pointer of the parameter object.
        request_body: the request body object, or None; ``body_pointer`` is where it is.
        responses: status (``"200"``, ``"4XX"``, ``"default"``) -> (response object, its pointer).
        security: list of alternatives, each a dict scheme name -> scopes.
        prefixes: URL path prefixes the operation is served under.
    """

    api: str
    method: str
    path: str
    pointer: str
    operation_id: str
    raw: dict[str, Any]
    parameters: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    body_pointer: str = ""
    responses: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    security: list[dict[str, list[str]]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)

    @cached_property
    def label(self) -> str:
        """``api operationId (METHOD /path)``, for messages (made once: the log line of every refused request
        names it)."""
        return f"{self.api} {self.operation_id} ({self.method.upper()} {self.path})"


def merged_parameters(document: dict[str, Any], item: dict[str, Any], item_pointer: str,
                      method: str) -> list[tuple[dict[str, Any], str]]:
    """The parameters of ``method`` of the path item ``item`` (at ``item_pointer``): the path item's and the
    operation's merged by name and location (the operation's win), each followed and with its JSON pointer."""
    params: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for at, node in ((item_pointer, item), (f"{item_pointer}/{method}", item.get(method))):
        listed = node.get("parameters") if isinstance(node, dict) else None
        for i, p in enumerate(listed if isinstance(listed, list) else []):
            p, p_pointer = deref_at(document, p, f"{at}/parameters/{i}")
            if isinstance(p, dict):  # a spec that breaks the rules is reported where it is loaded, not here
                params[(p.get("name", ""), p.get("in", ""))] = (p, p_pointer)
    return list(params.values())


def iter_operations(spec: LoadedSpec) -> Iterator[Operation]:
    """Every operation of the spec, in document order."""
    document = spec.document
    root_security = document.get("security") or []
    root_prefixes = server_prefixes(document.get("servers"))
    for path, item in (document.get("paths") or {}).items():
        item, item_pointer = deref_at(document, item, join_pointer("paths", path))
        if not isinstance(item, dict):
            continue
        path_prefixes = server_prefixes(item["servers"]) if item.get("servers") else root_prefixes
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            op_pointer = f"{item_pointer}/{method}"
            body, body_pointer = (deref_at(document, raw["requestBody"], f"{op_pointer}/requestBody")
                                  if "requestBody" in raw else (None, ""))
            responses = {str(k): deref_at(document, v, f"{op_pointer}/responses/{escape_token(str(k))}")
                         for k, v in (raw.get("responses") or {}).items()}
            security = raw.get("security", root_security)
            prefixes = server_prefixes(raw["servers"]) if raw.get("servers") else path_prefixes
            yield Operation(
                api=spec.name,
                method=method,
                path=path,
                pointer=op_pointer,
                operation_id=str(raw.get("operationId") or f"{method.upper()} {path}"),
                raw=raw,
                parameters=merged_parameters(document, item, item_pointer, method),
                request_body=body,
                body_pointer=body_pointer,
                responses=responses,
                security=list(security),
                prefixes=prefixes,
            )
