"""``readOnly`` and ``writeOnly``: what a schema means in a request and what it means in a response.

OpenAPI 3.0 (and common 3.1 practice): a ``readOnly`` property is sent by the server only, a
``writeOnly`` one by the client only; listed in ``required``, each is required only in the direction
it may be sent. :func:`for_direction` writes that meaning into a copy of the document, as schemathesis
reads it (``specs/openapi/converter.py``): in the request variant every ``readOnly`` property schema
becomes ``{"not": {}}`` (present: refused; the spec says a request SHOULD NOT carry it, and a mock
that refuses it shows the client its mistake) and leaves ``required``; in the response variant the
same for ``writeOnly`` (and ``x-writeOnly``): never generated, refused by the self-check.

A keyword applies to a property when it sits on its schema, behind its ``$ref``, in an ``allOf``
branch of it or on the one non-null branch of a nullable ``anyOf``/``oneOf``. A ``required`` name is
dropped where the property is forbidden in the same schema or in one of its ``allOf`` branches.
The copy shares every subtree the rewrite leaves alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

from .pointers import deref

__all__ = ["FORBIDDEN", "Direction", "for_direction", "mentions_access"]

#: which way a value travels: what the client sends, or what the server answers
Direction = Literal["request", "response"]

#: a property schema nothing satisfies (the rewrite of a property the direction forbids)
FORBIDDEN: dict[str, Any] = {"not": {}}

_KEYWORDS: dict[str, tuple[str, ...]] = {"request": ("readOnly",), "response": ("writeOnly", "x-writeOnly")}


def mentions_access(document: Any) -> bool:
    """Whether any schema of ``document`` is ``readOnly`` or ``writeOnly`` (a truthy value)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("readOnly") is True or node.get("writeOnly") is True or node.get("x-writeOnly") is True:
                return True
            stack.extend(v for k, v in node.items() if isinstance(v, (dict, list)) and k not in ("example", "examples"))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return False


def _merged(document: Any, schema: Any, nullable_pairs: bool = False, own_ref: bool = True) -> Iterator[dict[str, Any]]:
    """Each schema ``schema`` is made of, once: itself, what its ``$ref`` names and its ``allOf`` branches
    (with ``nullable_pairs``, the one branch of an ``anyOf``/``oneOf`` beside ``{type: null}`` too)."""
    pending = [schema]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node.get("$ref"), str) and (own_ref or node is not schema):
            with contextlib.suppress(KeyError, ValueError, TypeError):
                pending.append(deref(document, {"$ref": node["$ref"]}))
        if isinstance(node.get("allOf"), list):
            pending.extend(node["allOf"])
        for key in ("anyOf", "oneOf") if nullable_pairs else ():
            branches = node.get(key)
            if isinstance(branches, list):
                others = [b for b in branches if b != {"type": "null"}]
                if len(others) == 1 and len(branches) == 2:
                    pending.append(others[0])


def applies(document: Any, schema: Any, direction: Direction) -> bool:
    """Whether the keyword ``direction`` forbids applies to ``schema`` (module doc)."""
    keywords = _KEYWORDS[direction]
    return any(any(node.get(k) is True for k in keywords) for node in _merged(document, schema, nullable_pairs=True))


def for_direction(document: dict[str, Any], direction: Direction) -> dict[str, Any]:
    """A copy of ``document`` whose schemas mean what they mean in a ``direction`` (module doc)."""
    out = _Rewrite(document, direction).node(document)
    assert isinstance(out, dict)
    return out


class _Rewrite:
    def __init__(self, document: dict[str, Any], direction: Direction) -> None:
        self.document = document
        self.direction: Direction = direction
        self.done: dict[int, Any] = {}

    def node(self, node: Any) -> Any:
        if not isinstance(node, (dict, list)):
            return node
        cached = self.done.get(id(node))
        if cached is not None:
            return cached
        self.done[id(node)] = node  # a cycle (shared YAML anchors) meets the node itself
        if isinstance(node, list):
            items = [self.node(v) for v in node]
            out: Any = items if any(a is not b for a, b in zip(items, node, strict=True)) else node
        else:
            out = self.schema(node)
        self.done[id(node)] = out
        return out

    def forbidden_names(self, schema: dict[str, Any]) -> set[str]:
        """The properties ``schema`` and its ``allOf`` branches (through references) forbid."""
        names: set[str] = set()
        for node in _merged(self.document, schema, own_ref=False):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(n for n, sub in props.items() if applies(self.document, sub, self.direction))
        return names

    def schema(self, node: dict[str, Any]) -> dict[str, Any]:
        items = {k: (v if k in ("example", "examples", "enum", "const", "default") else self.node(v))
                 for k, v in node.items()}
        changed = any(items[k] is not node[k] for k in node)
        props = node.get("properties")
        if isinstance(props, dict) or isinstance(node.get("allOf"), list):
            forbidden = self.forbidden_names(node)
            if forbidden:
                if isinstance(props, dict):
                    own = {n: (FORBIDDEN if n in forbidden and applies(self.document, props[n], self.direction)
                               else items["properties"][n]) for n in props}
                    items["properties"] = own
                required = items.get("required")
                if isinstance(required, list) and any(n in forbidden for n in required):
                    kept = [n for n in required if n not in forbidden]
                    if kept:
                        items["required"] = kept
                    else:
                        del items["required"]
                branches = items.get("allOf")
                if isinstance(branches, list):
                    items["allOf"] = [self.without_required(b, forbidden) for b in branches]
                changed = True
        return items if changed else node

    @staticmethod
    def without_required(branch: Any, forbidden: set[str]) -> Any:
        if not isinstance(branch, dict) or not isinstance(branch.get("required"), list):
            return branch
        kept = [n for n in branch["required"] if n not in forbidden]
        if len(kept) == len(branch["required"]):
            return branch
        out = dict(branch)
        if kept:
            out["required"] = kept
        else:
            del out["required"]
        return out
