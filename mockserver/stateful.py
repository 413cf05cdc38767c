"""Stateful mode: collections inferred from a spec's paths, so that what a client creates it can read back.

Inference (once per spec):

* an **item** path ends with a path parameter (``/projects/{projectKey}``) and its
  parent path (the **collection**, trailing slash ignored) has a GET or a POST, or
  the item path itself has a GET and a PUT or DELETE;
* POST on a collection **creates**, GET **lists**; GET on an item **reads**, PUT
  **replaces** (or creates, as some services do), PATCH **merges**, DELETE
  **removes** the item and everything under its path;
* a **document** is any other path with a GET and a PUT or PATCH
  (``/projects/{projectKey}/metadata``): what is written is read back;
* every operation under an item's path answers 404 once that item is gone.

A collection is seeded, the first time it is touched, from the list operation's
example and the read operation's examples, so the world starts as the spec
documents it. Every stored value is repaired against the read operation's schema,
and every answer is still checked against the spec by the engine.
"""

from __future__ import annotations

import copy
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .examples import MediaSpec, Prefer, encode, select_response
from .problems import Problem, Violation
from .schemas import iter_violations
from .state import StateStore
from .validation import IncomingRequest, is_json

if TYPE_CHECKING:
    from .engine import CompiledOperation, Reply

__all__ = ["ResourceModel", "Role", "StatefulEngine"]

_PARAM = re.compile(r"^\{([^}]+)\}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_COUNT_FIELDS = ("total", "count", "totalCount", "total_count", "size", "totalItems", "total_results",
                 "totalResults", "itemsPerPage")
_rng = random.SystemRandom()


def _norm(path: str) -> str:
    return path.rstrip("/") or "/"


def _segments(path: str) -> list[str]:
    return [s for s in _norm(path).split("/") if s]


def _param(segment: str) -> str | None:
    match = _PARAM.match(segment)
    return match.group(1) if match else None


@dataclass
class Role:
    """What one operation does to the state.

    ``kind`` is ``create``, ``list``, ``read``, ``replace``, ``update``, ``delete``,
    ``doc-read``, ``doc-write`` or ``scoped`` (any other operation under an item).
    """

    kind: str
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
    read: CompiledOperation | None = None
    listing: CompiledOperation | None = None
    create: CompiledOperation | None = None

    def read_media(self) -> MediaSpec | None:
        """The JSON media type of the read operation's success response."""
        return _success_media(self.read) if self.read is not None else None

    def template_value(self) -> Any:
        """The read operation's first example: what a seeded item is completed from."""
        media = self.read_media()
        return copy.deepcopy(media.examples[0].value) if media is not None and media.examples else None

    def fresh_value(self) -> Any:
        """What a new item starts from: the create operation's example when it is a valid item, else the read's."""
        media = _success_media(self.create) if self.create is not None else None
        if media is not None and media.examples and isinstance(media.examples[0].value, dict) and _valid(
                self.read_media(), media.examples[0].value):
            return copy.deepcopy(media.examples[0].value)
        return self.template_value()


def _success_media(op: CompiledOperation) -> MediaSpec | None:
    for response in sorted(op.responses, key=lambda r: r.status):
        if response.status.startswith("2"):
            for media in response.media.values():
                if is_json(media.media_type):
                    return media
    return None


def _belongs(parents: dict[str, str], example: Any, value: Any) -> bool:
    """Whether an example (its request matcher) and a value (its fields) fit the parent ids ``parents``."""
    given = (getattr(example, "matcher", None) or {}).get("path") or {}
    for name, wanted in parents.items():
        if name in given and str(given[name]) != wanted:
            return False
        if isinstance(value, dict) and isinstance(value.get(name), (str, int)) and str(value[name]) != wanted:
            return False
    return True


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


class ResourceModel:
    """The roles of a spec's operations, inferred from their paths and methods."""

    def __init__(self, operations: list[CompiledOperation]) -> None:
        by_path: dict[str, dict[str, CompiledOperation]] = {}
        for op in operations:
            by_path.setdefault(_norm(op.operation.path), {})[op.operation.method] = op
        self.collections: dict[str, Collection] = {}
        for path, methods in by_path.items():
            segments = _segments(path)
            if not segments or _param(segments[-1]) is None:
                continue
            parent = "/" + "/".join(segments[:-1])
            parent_methods = by_path.get(parent, {})
            if {"get", "post"} & set(parent_methods) or ("get" in methods and {"put", "delete"} & set(methods)):
                collection = Collection(parent, path, str(_param(segments[-1])))
                collection.read = methods.get("get")
                collection.listing = parent_methods.get("get")
                collection.create = parent_methods.get("post")
                list_media = _success_media(collection.listing) if collection.listing is not None else None
                list_template = list_media.examples[0].value if list_media is not None and list_media.examples else None
                collection.key_field = _key_field(collection.key_param, collection.template_value(),
                                                  *_elements(list_template)[:1])
                self.collections[parent] = collection
        self.items = {c.item_template: c for c in self.collections.values()}
        self.roles: dict[int, Role] = {}
        for path, methods in by_path.items():
            for method, op in methods.items():
                role = self._role(path, method, methods)
                if role is not None:
                    self.roles[id(op)] = role

    def _owners(self, path: str, strict: bool) -> list[str]:
        segments = _segments(path)
        limit = len(segments) - 1 if strict else len(segments)
        return ["/" + "/".join(segments[:n]) for n in range(1, limit + 1)
                if "/" + "/".join(segments[:n]) in self.items]

    def _role(self, path: str, method: str, methods: dict[str, CompiledOperation]) -> Role | None:
        if path in self.collections and method in ("get", "post"):
            kind = "list" if method == "get" else "create"
            return Role(kind, path, self.collections[path], self._owners(path, strict=False))
        if path in self.items:
            action = {"get": "read", "put": "replace", "patch": "update", "delete": "delete"}.get(method)
            if action is not None:
                return Role(action, path, self.items[path], self._owners(path, strict=True))
        owners = self._owners(path, strict=False)
        if "get" in methods and {"put", "patch"} & set(methods) and method in ("get", "put", "patch"):
            return Role("doc-read" if method == "get" else "doc-write", path, None, owners)
        return Role("scoped", path, None, owners) if owners else None


def _list_field(value: dict[str, Any]) -> str | None:
    """The field of a list envelope that holds the items: a list of objects first (SCIM's ``Resources``
    rather than its ``schemas``), else the first list."""
    lists = [k for k, v in value.items() if isinstance(v, list)]
    return next((k for k in lists if any(isinstance(x, dict) for x in value[k])), lists[0] if lists else None)


def _elements(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        name = _list_field(value)
        if name is not None:
            return list(value[name])
    return []


def _merge(base: Any, patch: Any) -> Any:
    """``patch`` merged into ``base`` (objects key by key, everything else replaced)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value)
        return out
    return copy.deepcopy(patch)


def _valid(media: MediaSpec | None, value: Any) -> bool:
    if media is None or media.validator is None:
        return True
    return not any(True for _ in iter_violations(media.validator, value, "response"))


def _repair(media: MediaSpec | None, value: Any, fallback: Any) -> Any:
    """``value``, with the top-level fields that break the read schema taken back from ``fallback``."""
    if media is None or media.validator is None or not isinstance(value, dict):
        return value
    for _ in range(8):
        violations = list(iter_violations(media.validator, value, "response"))
        if not violations:
            return value
        for violation in violations:
            token = violation.pointer.lstrip("/").split("/", 1)[0].replace("~1", "/").replace("~0", "~")
            if token and token in value:
                if isinstance(fallback, dict) and token in fallback:
                    value[token] = copy.deepcopy(fallback[token])
                else:
                    del value[token]
            elif isinstance(fallback, dict):
                for name in fallback:  # a missing required field
                    value.setdefault(name, copy.deepcopy(fallback[name]))
    return value if _valid(media, value) else fallback


def _new_key(template: Any) -> str | int:
    if isinstance(template, int) and not isinstance(template, bool):
        return _rng.randint(10_000, 99_999_999)
    if isinstance(template, str) and _UUID.match(template):
        return str(uuid.uuid4())
    length = min(max(len(template), 6), 16) if isinstance(template, str) else 8
    alphabet = string.ascii_letters + string.digits
    return "".join(_rng.choice(alphabet) for _ in range(length))


class StatefulEngine:
    """Answers the operations that have a role from the shared store; the rest stay stateless."""

    def __init__(self, api_name: str, operations: list[CompiledOperation], store: StateStore) -> None:
        self.api = api_name
        self.store = store
        self.operations = operations
        self.model = ResourceModel(operations)

    def roles(self) -> dict[str, str]:
        """operationId -> role kind, for the operations that have one (shown by the admin API)."""
        return {op.operation.operation_id: self.model.roles[id(op)].kind for op in self.operations
                if id(op) in self.model.roles}

    # -- helpers -------------------------------------------------------------------------------------------

    def _seed(self, collection: Collection, concrete: str) -> None:
        template = collection.template_value()
        items: dict[str, Any] = {}
        # a collection under a parent (the datasets of one project) is seeded with the examples of that
        # parent only: a project created in stateful mode starts empty, not with the example project's items
        parents = {name: value for segment, value in zip(_segments(collection.template), _segments(concrete),
                                                         strict=False)
                   if (name := _param(segment)) is not None}
        if collection.listing is not None:
            media = _success_media(collection.listing)
            if media is not None and media.examples and _belongs(parents, media.examples[0], None):
                for element in _elements(media.examples[0].value):
                    key = element.get(collection.key_field) if isinstance(element, dict) and collection.key_field \
                        else element if isinstance(element, (str, int)) else None
                    if key is None or not _belongs(parents, None, element):
                        continue
                    base = template if isinstance(template, dict) else {}
                    value = _merge(base, element) if isinstance(element, dict) else base
                    if collection.key_field and isinstance(value, dict):
                        value[collection.key_field] = key
                    items[str(key)] = _repair(collection.read_media(), value, template) if template else value
        media = collection.read_media()
        if media is not None:
            for example in media.examples:
                key = (example.matcher.get("path") or {}).get(collection.key_param)
                if key is None and isinstance(example.value, dict) and collection.key_field:
                    key = example.value.get(collection.key_field)
                if key is not None and not example.violations and _belongs(parents, example, example.value):
                    items.setdefault(str(key), copy.deepcopy(example.value))
        self.store.seed_once(self.api, concrete, [(f"{concrete.rstrip('/')}/{k}", v) for k, v in items.items()])

    def _check_owners(self, role: Role, filled: list[str], op: CompiledOperation) -> None:
        for owner in role.owners:
            depth = len(_segments(owner))
            path = "/" + "/".join(filled[:depth])
            collection = self.model.items[owner]
            self._seed(collection, "/" + "/".join(filled[:depth - 1]))
            if self.store.get(self.api, path) is None:
                raise self._not_found(collection, filled[depth - 1], op)

    def _not_found(self, collection: Collection, key: str, op: CompiledOperation) -> Problem:
        return Problem("not-found", f"{collection.key_param} {key!r} does not exist (stateful mode: "
                       f"it was deleted or never created) ({op.operation.label})",
                       [Violation("path", collection.key_param, f"no {key!r} in {collection.template}")])

    def _reply(self, op: CompiledOperation, request: IncomingRequest, accept: Any,
               value: Any = None, use_value: bool = False, key: Any = None) -> Reply:
        from .engine import Reply

        status, response, media, example = select_response(op.operation, op.responses, Prefer(), request, accept)
        headers = dict(op._documented_headers(response))
        if media is None or status in (204, 304):
            return Reply(status, b"", None, headers)
        if use_value and is_json(media.media_type) and _valid(media, value):
            body = encode(value, media.media_type)
        elif example is not None:
            body = example.body
            if use_value and isinstance(value, dict) and isinstance(example.value, dict):
                overlay = {k: value[k] for k in example.value if k in value}
                candidate = _merge(example.value, overlay)
                if _valid(media, candidate):
                    body = encode(candidate, media.media_type)
        else:
            return op.answer(request, Prefer(), accept)
        if status == 201 and "Location" in response.headers and key is not None:
            headers.setdefault("Location", f"{request.path.rstrip('/')}/{key}")
        return Reply(status, body, media.media_type, headers)

    # -- the answer ----------------------------------------------------------------------------------------

    def handle(self, op: CompiledOperation, request: IncomingRequest, accept: Any) -> Reply | None:
        """The stateful answer to ``request`` (already validated), or None to answer as usual."""
        role = self.model.roles.get(id(op))
        if role is None:
            return None
        filled = [_fill(s, request.path_params) for s in _segments(op.operation.path)]
        self._check_owners(role, filled, op)
        handler: Callable[..., Reply | None] = getattr(self, "_" + role.kind.replace("-", "_"))
        return handler(op, role, request, accept, "/" + "/".join(filled))

    def _scoped(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                path: str) -> Reply | None:
        return None

    def _doc_read(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                  path: str) -> Reply | None:
        value = self.store.get(self.api, path)
        if value is None:
            return None
        return self._reply(op, request, accept, value, use_value=True)

    def _doc_write(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                   path: str) -> Reply | None:
        body = request.json
        if isinstance(body, (dict, list)):
            merge = op.operation.method == "patch"
            reader = next((o for o in op.api.operations if o.operation.method == "get"
                           and _norm(o.operation.path) == role.template), None)
            media = _success_media(reader) if reader is not None else None
            fallback = media.examples[0].value if media is not None and media.examples else None

            def change(current: Any) -> Any:
                base = current if current is not None else copy.deepcopy(fallback)
                new = _merge(base, body) if merge else body
                return _repair(media, new, base) if base is not None else new

            self.store.update(self.api, path, "/" + "/".join(_segments(path)[:-1]), change)
        return self._reply(op, request, accept)

    def _list(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
              path: str) -> Reply | None:
        assert role.collection is not None
        self._seed(role.collection, path)
        values = [v for _, v in self.store.members(self.api, path)]
        status, response, media, example = select_response(op.operation, op.responses, Prefer(), request, accept)
        if media is None or not is_json(media.media_type) or example is None:
            return None
        from .engine import Reply

        body = _listing(example.value, values, role.collection.key_field, media)
        if body is None:
            return None
        return Reply(status, encode(body, media.media_type), media.media_type, dict(op._documented_headers(response)))

    def _create(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                path: str) -> Reply | None:
        collection = role.collection
        assert collection is not None
        self._seed(collection, path)
        body = request.json if isinstance(request.json, dict) else {}
        template = collection.fresh_value()
        key: Any = None
        for name in (collection.key_field, collection.key_param):
            if name and isinstance(body.get(name), (str, int)):
                key = body[name]
                break
        if key is None:
            key = _new_key(template.get(collection.key_field) if isinstance(template, dict)
                           and collection.key_field else None)
        value = {**template, **body} if isinstance(template, dict) else dict(body)
        if collection.key_field:
            value[collection.key_field] = key
        value = _repair(collection.read_media(), value, template)
        item = f"{path}/{key}"
        created = []

        def change(current: Any) -> Any:
            if current is not None:
                return current
            created.append(True)
            return value

        self.store.update(self.api, item, path, change)
        if not created:
            raise Problem("invalid-request", f"{collection.key_param} {key!r} already exists in {path} "
                          "(stateful mode)", [Violation("body", f"/{collection.key_field or collection.key_param}",
                                                        f"{key!r} already exists")])
        return self._reply(op, request, accept, value, use_value=True, key=key)

    def _read(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
              path: str) -> Reply | None:
        collection = role.collection
        assert collection is not None
        parent = path.rsplit("/", 1)[0] or "/"
        self._seed(collection, parent)
        value = self.store.get(self.api, path)
        if value is None:
            raise self._not_found(collection, path.rsplit("/", 1)[1], op)
        return self._reply(op, request, accept, value, use_value=True)

    def _replace(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                 path: str) -> Reply | None:
        return self._write(op, role, request, accept, path, merge=False)

    def _update(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                path: str) -> Reply | None:
        return self._write(op, role, request, accept, path, merge=True)

    def _write(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any, path: str,
               merge: bool) -> Reply | None:
        collection = role.collection
        assert collection is not None
        parent, key = path.rsplit("/", 1)
        self._seed(collection, parent or "/")
        body = request.json if isinstance(request.json, dict) else {}
        template = collection.fresh_value()
        media = collection.read_media()
        missing: list[bool] = []

        upsert = not merge or _creates(op)

        def change(current: Any) -> Any:
            if current is None and not upsert:
                missing.append(True)
                return None
            base = current if current is not None else (template if isinstance(template, dict) else {})
            # PATCH merges deeply into what is stored; PUT replaces the fields it sends (many services
            # treat PUT as a partial update, and a full body replaces everything anyway)
            new = _merge(base, body) if merge else {**base, **body}
            if collection.key_field and isinstance(new, dict) and isinstance(base, dict):
                new[collection.key_field] = base.get(collection.key_field, key) if current is not None else key
            return _repair(media, new, base)

        value = self.store.update(self.api, path, parent or "/", change)
        if missing:
            raise self._not_found(collection, key, op)
        return self._reply(op, request, accept, value, use_value=True)

    def _delete(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: Any,
                path: str) -> Reply | None:
        collection = role.collection
        assert collection is not None
        parent, key = path.rsplit("/", 1)
        self._seed(collection, parent or "/")
        if not self.store.delete_tree(self.api, path):
            raise self._not_found(collection, key, op)
        return self._reply(op, request, accept)


def _creates(op: CompiledOperation) -> bool:
    """Whether a PATCH may create what it names: it documents a 201, or says it upserts."""
    label = f"{op.operation.operation_id} {op.operation.raw.get('summary', '')}".lower()
    return "201" in op.operation.responses or "upsert" in label or "create or update" in label


def _fill(segment: str, params: dict[str, str]) -> str:
    name = _param(segment)
    return params.get(name, segment) if name else segment


def _listing(template: Any, values: list[Any], key_field: str | None, media: MediaSpec) -> Any:
    """The list example ``template`` with its items replaced by ``values`` (shaped like its first item)."""
    elements = _elements(template)
    first = elements[0] if elements else None

    def shaped(value: Any, full: bool) -> Any:
        if isinstance(first, (str, int)) and not isinstance(first, bool):
            return value.get(key_field, first) if isinstance(value, dict) and key_field else first
        if full or not isinstance(first, dict) or not isinstance(value, dict):
            return value
        return {k: value.get(k, first[k]) for k in first}

    for full in (True, False):
        items = [shaped(v, full) for v in values]
        if isinstance(template, list):
            candidate: Any = items
        elif isinstance(template, dict):
            candidate = dict(template)
            name = _list_field(template)
            if name is None:
                return None
            candidate[name] = items
            for count in _COUNT_FIELDS:
                if isinstance(candidate.get(count), int) and not isinstance(candidate.get(count), bool):
                    candidate[count] = len(items)
        else:
            return None
        if _valid(media, candidate):
            return candidate
    return None
