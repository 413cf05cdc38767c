"""Schema ``$ref`` that point into the middle of the document, made to survive the validators' rewrites.

A spec may point a ``$ref`` anywhere: DigitalOcean's bundle has no components at all, its schemas refer to
``#/paths/~1v2~1databases/get/responses/200/content/application~1json/schema/properties/databases/items``.
The documents the validators read are rewrites of the spec that replace or wrap schema nodes in place (the
request and response variants of :mod:`.access` turn a ``readOnly`` property into ``{not: {}}``; ``nullable``
and ``discriminator`` rewrites wrap a schema in ``anyOf``/``allOf``): a pointer through such a node then
leads nowhere, or to the rewrite of the node in its own context rather than to the schema the reference
names. :func:`with_stable_targets` copies the target of every such reference into a table of its own,
:data:`TARGETS` at the document's root, and points the reference (and a discriminator ``mapping`` value
naming the same place) there: a schema whose place no rewrite moves. A reference to a component
(``#/components/schemas/Name``) is left as it is; so is a document without other ones (it is returned
itself). Every pointer of the document still leads where it did.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from .pointers import escape_token, resolve_pointer, split_pointer

__all__ = ["TARGETS", "with_stable_targets"]

#: the root key of the table of referenced schemas (each named by its original pointer)
TARGETS = "x-apitwin-ref-targets"

#: schema keywords whose values are data, never schemas nor references
_DATA = frozenset({"example", "examples", "enum", "default", "const"})
#: schema keywords whose values map names to schemas
_NAMED = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})


def with_stable_targets(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each schema reference that does not name a component pointed at a copy of its
    target in :data:`TARGETS` (module doc); ``document`` itself when there is none."""
    return _Hoist(document).run() if _refers_inside(document) else document


def _refers_inside(document: Any) -> bool:
    """Whether any ``$ref`` of ``document`` is internal and names something but a component schema: a quick
    look first (Kubernetes' 4 MB has none; the copying walk costs three times as much)."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and not _component(ref) \
                    and not _stable(split_pointer(unquote(ref[1:]))):
                return True
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return False


def _component(ref: str) -> bool:
    """Whether ``ref`` plainly names a component schema (no escapes: the common case, told at once)."""
    return ref.startswith("#/components/schemas/") and "/" not in ref[21:] and "%" not in ref and "~" not in ref


def _stable(tokens: list[str]) -> bool:
    return (len(tokens) == 3 and tokens[:2] == ["components", "schemas"]) or (len(tokens) == 2 and tokens[0] == TARGETS)


class _Hoist:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.done: dict[tuple[int, bool, str], Any] = {}
        self.table: dict[str, Any] = {}  # original pointer -> the target, its references moved too
        self.pending: list[str] = []

    def run(self) -> dict[str, Any]:
        out = self.node(self.document, schema=False, key="")
        while self.pending:
            pointer = self.pending.pop()
            self.table[pointer] = self.node(resolve_pointer(self.document, pointer), schema=True)
        if not self.table:
            return self.document
        assert isinstance(out, dict)
        return {**out, TARGETS: {**out.get(TARGETS, {}), **self.table}}

    def moved(self, ref: Any) -> str | None:
        """The new reference for ``ref`` (queueing its target), or None where it stays."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        pointer = unquote(ref[1:])
        if _stable(split_pointer(pointer)):
            return None
        try:
            target = resolve_pointer(self.document, pointer)
        except KeyError:
            return None
        if not isinstance(target, dict | bool):
            return None
        if pointer not in self.table:
            self.table[pointer] = None  # claimed: filled in by run()
            self.pending.append(pointer)
        return f"#/{TARGETS}/{quote(escape_token(pointer), safe='~')}"

    def node(self, node: Any, schema: bool, key: str = "") -> Any:
        if not isinstance(node, dict | list):
            return node
        memo = (id(node), schema, "" if schema else key)
        if memo in self.done:
            return self.done[memo]
        self.done[memo] = node  # a cycle (shared YAML anchors) meets the node itself
        if isinstance(node, list):
            items = [self.node(v, schema) for v in node]
            out: Any = items if any(a is not b for a, b in zip(items, node, strict=True)) else node
        elif schema:
            out = self.schema(node)
        else:
            out = self.container(node, key)
        self.done[memo] = out
        return out

    def container(self, node: dict[str, Any], key: str) -> dict[str, Any]:
        """A part of the document outside schemas: ``schema`` values and components' schemas are schemas."""
        items: dict[str, Any] = {}
        for name, value in node.items():
            if name in ("example", "examples", "value") or str(name).startswith("x-"):
                items[name] = value
            elif name == "schema":
                items[name] = self.node(value, schema=True)
            elif name == "schemas" and key == "components" and isinstance(value, dict):
                items[name] = {k: self.node(v, schema=True) for k, v in value.items()}
                if all(items[name][k] is v for k, v in value.items()):
                    items[name] = value
            else:
                items[name] = self.node(value, schema=False, key=str(name))
        return items if any(items[k] is not node[k] for k in node) else node

    def schema(self, node: dict[str, Any]) -> dict[str, Any]:
        if isinstance(node.get("$id"), str) or isinstance(node.get("id"), str):
            return node  # references under it resolve against its own base, not the document's
        items: dict[str, Any] = {}
        for k, v in node.items():
            if k in _NAMED and isinstance(v, dict):  # names, not keywords: a property may be called ``default``
                named = {n: self.node(sub, schema=True) for n, sub in v.items()}
                items[k] = named if any(named[n] is not sub for n, sub in v.items()) else v
            else:
                items[k] = v if k in _DATA or str(k).startswith("x-") else self.node(v, schema=True)
        moved = self.moved(node.get("$ref"))
        if moved is not None:
            items["$ref"] = moved
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(discriminator, dict) and isinstance(mapping, dict):
            names = {k: self.moved(v) or v for k, v in mapping.items()}
            if any(names[k] is not v for k, v in mapping.items()):
                items["discriminator"] = {**discriminator, "mapping": names}
        return items if any(items[k] is not node[k] for k in node) else node
