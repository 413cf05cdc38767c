"""The example world of a spec: what its list operations list, and what its item operations answer for.

A list operation is a GET of ``P`` (with or without a trailing slash) where a GET of ``P/{x}`` (maybe
followed by more of the path) also exists: the list's items name the objects the item operation answers
for. An item's identity is its field named like the path parameter, else ``id``, ``name`` or ``key``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from mockserver import MockAPI, create_app

#: identity fields tried after the parameter's own name
IDENTITY_FIELDS = ("id", "name", "key")


@dataclass(frozen=True)
class Listing:
    """One list operation and one item operation under it."""

    list_op: dict[str, Any]
    item_op: dict[str, Any]
    #: the path parameter of the item operation that the listed identity fills
    parameter: str


def listings(catalogue: list[dict[str, Any]]) -> list[Listing]:
    """Every (list, item) pair of GET operations of one spec."""
    gets = {op["path"]: op for op in catalogue if op["method"].upper() == "GET"}
    pairs = []
    for path, item in gets.items():
        params = list(re.finditer(r"/\{([^}/]+)\}", path))
        if params:  # the object the item operation is about: its last path parameter
            match = params[-1]
            prefix = path[: match.start()]
            if prefix.endswith("}"):
                continue
            list_op = gets.get(prefix) or gets.get(prefix + "/")
            if list_op is not None and list_op is not item:
                pairs.append(Listing(list_op, item, match.group(1)))
    return pairs


def listed_items(value: Any) -> list[Any]:
    """The items of a list answer: the array itself, or the first array of objects in the answer object."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for field_value in value.values():
            if isinstance(field_value, list) and field_value and all(isinstance(v, dict) for v in field_value):
                return field_value
    return []


def identity_field(items: list[Any], parameter: str) -> str | None:
    """The field of every listed item that names it for ``parameter`` (None: the items name nothing)."""
    dicts = [i for i in items if isinstance(i, dict)]
    if not dicts or len(dicts) != len(items):
        return None
    for name in (parameter, *IDENTITY_FIELDS):
        if all(isinstance(i.get(name), (str, int)) and not isinstance(i.get(name), bool) for i in dicts):
            return name
    return None


def link_value(expression: Any, request_path: dict[str, Any], body: Any) -> Any:
    """The value of a link parameter's runtime expression for one exchange (None: not resolvable here).

    ``$response.body#/pointer`` reads the answer, ``$request.path.name`` the request's path values.
    """
    if not isinstance(expression, str):
        return None
    if expression.startswith("$request.path."):
        return request_path.get(expression[len("$request.path."):])
    if expression.startswith("$response.body#"):
        node = body
        for token in [t for t in expression[len("$response.body#"):].split("/") if t]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node
    return None


@dataclass
class Served:
    """One shipped spec served in process, with the catalogue the admin API gives of its operations."""

    client: FlaskClient
    api: MockAPI
    document: dict[str, Any]
    catalogue: dict[str, dict[str, Any]]  # operationId -> the admin API's description


def served(spec: Path) -> Served:
    """``spec`` served in process: its test client, compiled API, bundled document and catalogue."""
    app = create_app([spec])
    client = app.test_client()
    api: MockAPI = app.extensions["apitwin"][0]
    operations = client.get("/__apitwin/apis").get_json()[0]["operations"]
    return Served(client, api, api.spec.document, {o["operationId"]: o for o in operations})
