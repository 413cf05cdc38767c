"""Stateful mode's model of a spec: collections, items and each operation's role, inferred from the paths.

Inference (once per spec):

* an **item** path ends with a path parameter (``/projects/{projectKey}``) and its
  parent path (the **collection**, trailing slash ignored) has a GET or a POST, or
  the item path itself has a GET and a PUT or DELETE;
* POST on a collection **creates**, GET **lists**; GET on an item **reads**, PUT
  **replaces** (or creates, as some services do), PATCH **merges**, DELETE
  **removes** the item and everything under its path; POST on an item whose
  collection has no POST **creates it at that key** when the operation says it
  creates (operationId or summary starting with "create", or a 201): DSS's
  ``POST /admin/code-envs/{envLang}/{envName}`` (a POST that runs or uploads
  something stays scoped);
* a list answered as an object keyed by the items' keys (DSS's connections,
  ``{"pg-main": {...}, ...}``) is a **map**: its values are the items;
* a **document** is any other path with a GET and a PUT or PATCH
  (``/projects/{projectKey}/metadata``): what is written is read back;
* every operation under an item's path answers 404 once that item is gone.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..pipeline.operation import CompiledOperation
from ..pipeline.request import is_json
from ..pipeline.selection import MediaSpec
from ..pipeline.selfcheck import conforms

__all__ = ["Collection", "ResourceModel", "Role", "RoleKind", "elements", "is_map", "list_field", "norm", "param",
           "segments", "success_media"]

#: what an operation does to the state (``scoped``: any other operation under an item)
RoleKind = Literal["create", "create-at", "list", "read", "replace", "update", "delete", "doc-read", "doc-write",
                   "scoped"]

_PARAM = re.compile(r"^\{([^}]+)\}$")


def norm(path: str) -> str:
    """A path template without its trailing slash (``/`` stays)."""
    return path.rstrip("/") or "/"


def segments(path: str) -> list[str]:
    """The non-empty segments of a path."""
    return [s for s in norm(path).split("/") if s]


def param(segment: str) -> str | None:
    """The parameter name of a templated segment (``{key}`` -> ``key``), else None."""
    match = _PARAM.match(segment)
    return match.group(1) if match else None


@dataclass
class Role:
    """What one operation does to the state.

    ``kind`` is a :data:`RoleKind`.
    """

    kind: RoleKind
    template: str
    collection: Collection | None = None
    owners: list[str] = field(default_factory=list)


@dataclass
class Collection:
    """The items under one collection path template."""

    template: str
    item_template: str
    key_param: str
    key_field: str | None = None
    #: where the key sits one level down when no top-level field holds it (``("infraBasicInfo", "id")``)
    key_path: tuple[str, str] | None = None
    read: CompiledOperation | None = None
    listing: CompiledOperation | None = None
    create: CompiledOperation | None = None

    def read_media(self) -> MediaSpec | None:
        """The JSON media type of the read operation's success response."""
        return success_media(self.read) if self.read is not None else None

    def template_value(self) -> Any:
        """The read operation's first example: what a seeded item is completed from."""
        media = self.read_media()
        return copy.deepcopy(media.examples[0].value) if media is not None and media.examples else None

    def fresh_value(self) -> Any:
        """What a new item starts from: the create operation's example when it is a valid item, else the read's.

        Without a JSON read to tell what an item is, the listing's first item (the create may answer
        something else, such as a long task's handle).
        """
        if self.read_media() is None:
            return copy.deepcopy(self.listed_value())
        media = success_media(self.create) if self.create is not None else None
        if media is not None and media.examples and isinstance(media.examples[0].value, dict) and conforms(
                self.read_media(), media.examples[0].value):
            return copy.deepcopy(media.examples[0].value)
        return self.template_value()


    def listed_value(self) -> Any:
        """The first item of the listing's first example, or None."""
        media = success_media(self.listing) if self.listing is not None else None
        listed = elements(media.examples[0].value) if media is not None and media.examples else []
        return listed[0] if listed else None


def success_media(op: CompiledOperation) -> MediaSpec | None:
    """The JSON media type of ``op``'s first success response."""
    for response in sorted(op.responses, key=lambda r: r.status):
        if response.status.startswith("2"):
            for media in response.media.values():
                if is_json(media.media_type):
                    return media
    return None


def _key_field(key_param: str, *templates: Any) -> str | None:
    base = re.sub(r"(_?(id|key|name|ref|uuid))$", "", key_param, flags=re.I)
    suffix = key_param[len(base):].lstrip("_").lower()
    candidates = [key_param, suffix, "id", "name", "key", "uuid", base] if suffix else [key_param, "id", "name", "key"]
    for template in templates:
        if isinstance(template, dict):
            for name in candidates:
                if name and name in template and isinstance(template[name], (str, int)):
                    return name
    return None


def _names_a_creation(op: CompiledOperation) -> bool:
    """Whether an operation says it creates something: its id or summary starts with "create", or a 201."""
    words = (op.operation.operation_id, str(op.operation.raw.get("summary", "")))
    return any(w.lower().startswith("create") for w in words) or "201" in op.operation.responses


def _key_by_example(key_param: str, operations: Any, *templates: Any) -> str | None:
    """The field whose value is the key parameter's documented example (``localTargetPath`` holds the
    ``gitRefPath`` example ``python/churn_utils``), when the key's name says nothing."""
    example = None
    for op in operations:
        for parameter, _ in op.operation.parameters:
            if parameter.get("in") == "path" and parameter.get("name") == key_param:
                example = parameter.get("example", (parameter.get("schema") or {}).get("example"))
        if example is not None:
            break
    if not isinstance(example, (str, int)) or isinstance(example, bool):
        return None
    for template in templates:
        if isinstance(template, dict):
            for name, value in template.items():
                if value == example:
                    return str(name)
    return None


def _key_path(collection: Collection) -> tuple[str, str] | None:
    """The nested field (``infraBasicInfo.id``) that holds the key in every read example recorded for a key.

    Only read examples that name their key (``x-apitwin-request: {path: {infraId: ...}}``) count, and the
    field must hold that key in each of them, so an unrelated nested ``id`` (an owner's) is never taken.
    """
    media = collection.read_media()
    known = [(str(key), e.value) for e in (media.examples if media is not None else [])
             if (key := (e.matcher.get("path") or {}).get(collection.key_param)) is not None
             and isinstance(e.value, dict)]
    if not known:
        return None
    for name, nested in known[0][1].items():
        if isinstance(nested, dict):
            for field_name, value in nested.items():
                if str(value) == known[0][0] and all(
                        isinstance(v.get(name), dict) and str(v[name].get(field_name)) == k for k, v in known):
                    return name, field_name
    return None


_ITEM_ACTIONS: dict[str, RoleKind] = {"get": "read", "put": "replace", "patch": "update", "delete": "delete"}


class ResourceModel:
    """The roles of a spec's operations, inferred from their paths and methods."""

    def __init__(self, operations: list[CompiledOperation]) -> None:
        by_path: dict[str, dict[str, CompiledOperation]] = {}
        for op in operations:
            by_path.setdefault(norm(op.operation.path), {})[op.operation.method] = op
        self.collections: dict[str, Collection] = {}
        for path, methods in by_path.items():
            parts = segments(path)
            if not parts or param(parts[-1]) is None:
                continue
            parent = "/" + "/".join(parts[:-1])
            parent_methods = by_path.get(parent, {})
            if {"get", "post"} & set(parent_methods) or ("get" in methods and {"put", "delete"} & set(methods)):
                if "get" in methods and success_media(methods["get"]) is None and "get" not in parent_methods:
                    continue  # a binary leaf nothing lists (a download): nothing could seed it, it stays stateless
                collection = Collection(parent, path, str(param(parts[-1])))
                collection.read = methods.get("get")
                collection.listing = parent_methods.get("get")
                collection.create = parent_methods.get("post")
                list_template = collection.listed_value()
                collection.key_field = _key_field(collection.key_param, collection.template_value(), list_template) \
                    or _key_by_example(collection.key_param, methods.values(), collection.template_value(),
                                       list_template)
                if collection.key_field is None:
                    collection.key_path = _key_path(collection)
                self.collections[parent] = collection
        self.items = {c.item_template: c for c in self.collections.values()}
        self.roles: dict[int, Role] = {}
        for path, methods in by_path.items():
            for method, op in methods.items():
                role = self._role(path, method, methods)
                if role is not None:
                    self.roles[id(op)] = role

    def _owners(self, path: str, strict: bool) -> list[str]:
        parts = segments(path)
        limit = len(parts) - 1 if strict else len(parts)
        return ["/" + "/".join(parts[:n]) for n in range(1, limit + 1)
                if "/" + "/".join(parts[:n]) in self.items]

    def _role(self, path: str, method: str, methods: dict[str, CompiledOperation]) -> Role | None:
        if path in self.collections and method in ("get", "post"):
            kind: RoleKind = "list" if method == "get" else "create"
            return Role(kind, path, self.collections[path], self._owners(path, strict=False))
        if path in self.items:
            if method == "post" and self.items[path].create is None and _names_a_creation(methods[method]):
                return Role("create-at", path, self.items[path], self._owners(path, strict=True))
            action = _ITEM_ACTIONS.get(method)
            if action is not None:
                return Role(action, path, self.items[path], self._owners(path, strict=True))
        owners = self._owners(path, strict=False)
        if "get" in methods and {"put", "patch"} & set(methods) and method in ("get", "put", "patch"):
            return Role("doc-read" if method == "get" else "doc-write", path, None, owners)
        return Role("scoped", path, None, owners) if owners else None


def list_field(value: dict[str, Any]) -> str | None:
    """The field of a list envelope that holds the items: a list of objects first (SCIM's ``Resources``
    rather than its ``schemas``), else the first list."""
    lists = [k for k, v in value.items() if isinstance(v, list)]
    return next((k for k in lists if any(isinstance(x, dict) for x in value[k])), lists[0] if lists else None)


def is_map(value: Any) -> bool:
    """Whether a list answer is an object keyed by its items' keys: no list field, every value an object."""
    return (isinstance(value, dict) and bool(value) and list_field(value) is None
            and all(isinstance(v, dict) for v in value.values()))


def elements(value: Any) -> list[Any]:
    """The items of a list answer: an array, a map's values, or the list field of an envelope."""
    if isinstance(value, list):
        return value
    if is_map(value):
        return list(value.values())
    if isinstance(value, dict):
        name = list_field(value)
        if name is not None:
            return list(value[name])
    return []


