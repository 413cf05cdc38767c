"""Stateful mode: what a client creates it can read back, changes and deletes (see :mod:`.resources` for the model).

A collection is seeded, the first time it is touched, from the list operation's
example and the read operation's examples, so the world starts as the spec
documents it. Every stored value is repaired against the read operation's schema,
and every answer still goes through the spine's self-check.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..pipeline.operation import CompiledOperation
from ..pipeline.problems import Problem, Violation
from ..pipeline.request import AcceptHeader, IncomingRequest, Prefer, is_json
from ..pipeline.selection import Example, MediaSpec
from ..pipeline.selfcheck import Answer, conforms
from .item_values import deep_merge, key_of, new_key, repair, set_key
from .resources import (
    Collection,
    ResourceModel,
    Role,
    RoleKind,
    elements,
    is_map,
    list_field,
    norm,
    param,
    segments,
    success_media,
)
from .store import StateStore

__all__ = ["StatefulEngine"]

_COUNT_FIELDS = ("total", "count", "totalCount", "total_count", "size", "totalItems", "total_results",
                 "totalResults", "itemsPerPage")

#: a role's handler: (operation, role, request, Accept, canonical path) -> the answer, or None to answer as usual
_Handler = Callable[[CompiledOperation, Role, IncomingRequest, "AcceptHeader | None", str], "Answer | None"]


def _belongs(parents: dict[str, str], example: Any, value: Any) -> bool:
    """Whether an example (its request matcher) and a value (its fields) fit the parent ids ``parents``."""
    given = (getattr(example, "matcher", None) or {}).get("path") or {}
    for name, wanted in parents.items():
        if name in given and str(given[name]) != wanted:
            return False
        if isinstance(value, dict) and isinstance(value.get(name), (str, int)) and str(value[name]) != wanted:
            return False
    return True


class StatefulEngine:
    """Answers the operations that have a role from the shared store; the rest stay stateless."""

    def __init__(self, api_name: str, operations: list[CompiledOperation], store: StateStore) -> None:
        self.api = api_name
        self.store = store
        self.operations = operations
        self.model = ResourceModel(operations)
        self._handlers: dict[RoleKind, _Handler] = {
            "create": self._create, "create-at": self._create_at, "list": self._list, "read": self._read,
            "replace": self._replace,
            "update": self._update, "delete": self._delete, "doc-read": self._doc_read, "doc-write": self._doc_write,
            "scoped": self._scoped,
        }

    def roles(self) -> dict[str, str]:
        """operationId -> role kind, for the operations that have one (shown by the admin API)."""
        return {op.operation.operation_id: self.model.roles[id(op)].kind for op in self.operations
                if id(op) in self.model.roles}

    def snapshot(self, limit: int = 200) -> list[dict[str, Any]]:
        """The state, one entry per collection (the ``limit`` oldest items of each), as the admin API shows it.

        The collections without parameters in their path are seeded first: the view shows the world
        as a client would find it, not an empty store waiting for its first request.
        """
        for collection in self.model.collections.values():
            if all(param(s) is None for s in segments(collection.template)):
                self._seed(collection, collection.template)
        resources, seeded = self.store.snapshot(self.api)
        grouped: dict[str, list[tuple[str, Any]]] = {c: [] for c in seeded}
        for collection_path, path, value in resources:
            grouped.setdefault(collection_path, []).append((path, value))
        return [{"collection": name, "template": self._template_of(name), "count": len(items),
                 "items": [{"path": path, "value": value} for path, value in items[:limit]]}
                for name, items in sorted(grouped.items())]

    def _template_of(self, concrete: str) -> str | None:
        """The collection template a concrete collection path fills in (None for the parent of a document)."""
        parts = segments(concrete)
        for template in self.model.collections:
            pattern = segments(template)
            if len(pattern) == len(parts) and all(param(t) is not None or t == c
                                                  for t, c in zip(pattern, parts, strict=True)):
                return template
        return None

    def reset_collection(self, collection: str) -> None:
        """Forget ``collection`` (a concrete path, ``/`` for everything) and all under it: seeded again on next use."""
        self.store.reset_collection(self.api, norm(collection))

    # -- helpers -------------------------------------------------------------------------------------------

    def _seed(self, collection: Collection, concrete: str) -> None:
        template = collection.template_value()
        items: dict[str, Any] = {}
        # a collection under a parent (the datasets of one project) is seeded with the examples of that
        # parent only: a project created in stateful mode starts empty, not with the example project's items
        parents = {name: value for segment, value in zip(segments(collection.template), segments(concrete),
                                                         strict=False)
                   if (name := param(segment)) is not None}
        if collection.listing is not None:
            media = success_media(collection.listing)
            if media is not None and media.examples and _belongs(parents, media.examples[0], None):
                for element in elements(media.examples[0].value):
                    key = key_of(collection, element) if isinstance(element, dict) \
                        else element if isinstance(element, (str, int)) else None
                    if key is None or not _belongs(parents, None, element):
                        continue
                    base = template if isinstance(template, dict) else {}
                    value = deep_merge(base, element) if isinstance(element, dict) else base
                    set_key(collection, value, key)
                    items[str(key)] = repair(collection.read_media(), value, template) if template else value
        media = collection.read_media()
        if media is not None:
            for example in media.examples:
                key = (example.matcher.get("path") or {}).get(collection.key_param)
                if key is None and isinstance(example.value, dict):
                    key = key_of(collection, example.value)
                if key is not None and not example.violations and _belongs(parents, example, example.value):
                    if collection.key_param in (example.matcher.get("path") or {}):
                        # an example recorded for this very item beats one completed from the list
                        items[str(key)] = copy.deepcopy(example.value)
                    else:
                        items.setdefault(str(key), copy.deepcopy(example.value))
        self.store.seed_once(self.api, concrete, [(f"{concrete.rstrip('/')}/{k}", v) for k, v in items.items()])

    def _check_owners(self, role: Role, filled: list[str], op: CompiledOperation) -> None:
        for owner in role.owners:
            depth = len(segments(owner))
            path = "/" + "/".join(filled[:depth])
            collection = self.model.items[owner]
            self._seed(collection, "/" + "/".join(filled[:depth - 1]))
            if self.store.get(self.api, path) is None:
                raise self._not_found(collection, filled[depth - 1], op)

    def _not_found(self, collection: Collection, key: str, op: CompiledOperation) -> Problem:
        return Problem("not-found", f"{collection.key_param} {key!r} does not exist (stateful mode: "
                       f"it was deleted or never created) ({op.operation.label})",
                       [Violation("path", collection.key_param, f"no {key!r} in {collection.template}")])

    def _reply(self, op: CompiledOperation, request: IncomingRequest, accept: AcceptHeader | None,
               value: Any = None, key: Any = None) -> Answer:
        """The operation's documented answer, showing the stored ``value`` where it fits the response."""

        def stored(media: MediaSpec, example: Example | None) -> Any:
            if value is None:
                return None
            if is_json(media.media_type) and conforms(media, value):
                return value
            if example is not None and isinstance(value, dict) and isinstance(example.value, dict):
                # the fields the example shows, taken from the stored value
                candidate = deep_merge(example.value, {k: value[k] for k in example.value if k in value})
                if conforms(media, candidate):
                    return candidate
            return None

        return op.answer(request, Prefer(), accept, stored=stored, location=None if key is None else str(key))

    # -- the answer ----------------------------------------------------------------------------------------

    def handle(self, op: CompiledOperation, request: IncomingRequest, accept: AcceptHeader | None) -> Answer | None:
        """The stateful answer to ``request`` (already validated), or None to answer as usual."""
        role = self.model.roles.get(id(op))
        if role is None:
            return None
        filled = [_fill(s, request.path_params) for s in segments(op.operation.path)]
        self._check_owners(role, filled, op)
        return self._handlers[role.kind](op, role, request, accept, "/" + "/".join(filled))

    def _scoped(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                path: str) -> Answer | None:
        return None

    def _doc_read(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                  path: str) -> Answer | None:
        value = self.store.get(self.api, path)
        if value is None:
            return None
        return self._reply(op, request, accept, value)

    def _doc_write(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                   path: str) -> Answer | None:
        body = request.json
        if isinstance(body, (dict, list)):
            merge = op.operation.method == "patch"
            reader = next((o for o in op.api.operations if o.operation.method == "get"
                           and norm(o.operation.path) == role.template), None)
            media = success_media(reader) if reader is not None else None
            fallback = media.examples[0].value if media is not None and media.examples else None

            def change(current: Any) -> Any:
                base = current if current is not None else copy.deepcopy(fallback)
                new = deep_merge(base, body) if merge else body
                return repair(media, new, base) if base is not None else new

            self.store.update(self.api, path, "/" + "/".join(segments(path)[:-1]), change)
        return self._reply(op, request, accept)

    def _list(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
              path: str) -> Answer | None:
        assert role.collection is not None
        self._seed(role.collection, path)
        values = [v for _, v in self.store.members(self.api, path)]
        key_field = role.collection.key_field

        def listing(media: MediaSpec, example: Example | None) -> Any:
            if not is_json(media.media_type) or example is None:
                return None
            return _listing(example.value, values, key_field, media)

        return op.answer(request, Prefer(), accept, stored=listing)

    def _create(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                path: str) -> Answer | None:
        collection = role.collection
        assert collection is not None
        self._seed(collection, path)
        body = request.json if isinstance(request.json, dict) else {}
        key: Any = None
        names = [collection.key_field, collection.key_param, collection.key_path[1] if collection.key_path else None]
        # then a qualified name of the key parameter (DSS sends publishedServiceId for serviceId)
        names += [n for n in body if n.lower().endswith(collection.key_param.lower())]
        for name in names:
            if name and isinstance(body.get(name), (str, int)):
                key = body[name]
                break
        if key is None:
            template = collection.fresh_value()
            key = new_key(key_of(collection, template) if isinstance(template, dict) else None)
        return self._insert(op, request, accept, collection, path, key, body)

    def _create_at(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                   path: str) -> Answer | None:
        """POST on an item path: create the item at the key the path names."""
        collection = role.collection
        assert collection is not None
        parent, key = path.rsplit("/", 1)
        self._seed(collection, parent or "/")
        body = request.json if isinstance(request.json, dict) else {}
        return self._insert(op, request, accept, collection, parent or "/", key, body)

    def _insert(self, op: CompiledOperation, request: IncomingRequest, accept: AcceptHeader | None,
                collection: Collection, parent: str, key: Any, body: dict[str, Any]) -> Answer:
        """Store a new item under ``parent`` at ``key`` (400 if it exists) and answer the create operation."""
        template = collection.fresh_value()
        value = {**template, **body} if isinstance(template, dict) else dict(body)
        set_key(collection, value, key, body)
        value = repair(collection.read_media(), value, template)
        item = f"{parent.rstrip('/')}/{key}"

        def change(current: Any) -> Any:
            return value if current is None else current

        # ``change`` may run several times (a store retries on a conflicting write): whether this
        # request created the item is read from the value finally stored, never from a flag set
        # by an attempt that may have been retried
        if self.store.update(self.api, item, parent, change) is not value:
            raise Problem("invalid-request", f"{collection.key_param} {key!r} already exists in {parent} "
                          "(stateful mode)", [Violation("body", f"/{collection.key_field or collection.key_param}",
                                                        f"{key!r} already exists")])
        return self._reply(op, request, accept, value, key=key)

    def _read(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
              path: str) -> Answer | None:
        collection = role.collection
        assert collection is not None
        parent = path.rsplit("/", 1)[0] or "/"
        self._seed(collection, parent)
        value = self.store.get(self.api, path)
        if value is None:
            raise self._not_found(collection, path.rsplit("/", 1)[1], op)
        return self._reply(op, request, accept, value)

    def _replace(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                 path: str) -> Answer | None:
        return self._write(op, role, request, accept, path, merge=False)

    def _update(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                path: str) -> Answer | None:
        return self._write(op, role, request, accept, path, merge=True)

    def _write(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
               path: str, merge: bool) -> Answer | None:
        collection = role.collection
        assert collection is not None
        parent, key = path.rsplit("/", 1)
        self._seed(collection, parent or "/")
        body = request.json if isinstance(request.json, dict) else {}
        template = collection.fresh_value()
        media = collection.read_media()
        upsert = not merge or _creates(op)

        def change(current: Any) -> Any:
            if current is None and not upsert:
                return None
            base = current if current is not None else (template if isinstance(template, dict) else {})
            # PATCH merges deeply into what is stored; PUT replaces the fields it sends (many services
            # treat PUT as a partial update, and a full body replaces everything anyway)
            new = deep_merge(base, body) if merge else {**base, **body}
            if isinstance(new, dict) and isinstance(base, dict):
                kept = key_of(collection, base) if current is not None else None
                set_key(collection, new, key if kept is None else kept)
            return repair(media, new, base)

        value = self.store.update(self.api, path, parent or "/", change)
        if value is None:  # (an upsert always stores a value; only a missing item gives None)
            raise self._not_found(collection, key, op)
        return self._reply(op, request, accept, value)

    def _delete(self, op: CompiledOperation, role: Role, request: IncomingRequest, accept: AcceptHeader | None,
                path: str) -> Answer | None:
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
    name = param(segment)
    return params.get(name, segment) if name else segment


def _listing(template: Any, values: list[Any], key_field: str | None, media: MediaSpec) -> Any:
    """The list example ``template`` with its items replaced by ``values`` (shaped like its first item)."""
    listed = elements(template)
    first = listed[0] if listed else None

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
        elif is_map(template):
            if key_field is None:
                return None
            candidate = {str(v.get(key_field)): item for v, item in zip(values, items, strict=True)
                         if isinstance(v, dict)}
        elif isinstance(template, dict):
            candidate = dict(template)
            name = list_field(template)
            if name is None:
                return None
            candidate[name] = items
            for count in _COUNT_FIELDS:
                if isinstance(candidate.get(count), int) and not isinstance(candidate.get(count), bool):
                    candidate[count] = len(items)
        else:
            return None
        if conforms(media, candidate):
            return candidate
    return None
