"""JSON pointers (RFC 6901) and internal ``$ref``: building, splitting, resolving, following."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

__all__ = ["component_of", "deref", "deref_at", "escape_token", "join_pointer", "referenced_components",
           "resolve_pointer", "split_pointer", "unescape_token"]

#: the longest chain of ``$ref`` to ``$ref`` followed before giving up
_MAX_CHAIN = 32


def escape_token(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """The raw text of one escaped JSON pointer token."""
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(*tokens: object) -> str:
    """Build a JSON pointer from raw tokens: ``join_pointer("paths", "/a")`` -> ``/paths/~1a``."""
    return "".join("/" + escape_token(str(t)) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a JSON pointer."""
    if not pointer or pointer == "/":
        return []
    return [unescape_token(t) for t in pointer.lstrip("/").split("/")]


@lru_cache(maxsize=8192)
def _tokens(pointer: str) -> tuple[str, ...]:
    """:func:`split_pointer`, remembered: a spec's operations resolve the same few hundred pointers again and
    again (shared responses, parameters and schemas), at every load."""
    return tuple(split_pointer(pointer))


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; ``KeyError`` naming the token that is missing."""
    node = document
    for token in _tokens(pointer):
        if isinstance(node, list):
            try:
                node = node[int(token)]
            except (ValueError, IndexError):
                raise KeyError(token) from None
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(token)
    return node


def deref(document: dict[str, Any], node: Any) -> Any:
    """Follow internal ``$ref`` until a non-reference node (path items, parameters, responses...)."""
    return deref_at(document, node, "")[0]


def deref_at(document: dict[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """Like :func:`deref`, also returning the JSON pointer of the node finally reached."""
    depth = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        if depth > _MAX_CHAIN:
            raise ValueError(f"reference chain too deep at {node['$ref']}")
        pointer = _unquoted(node["$ref"])
        node = resolve_pointer(document, pointer)
        depth += 1
    return node, pointer


@lru_cache(maxsize=8192)
def _unquoted(ref: str) -> str:
    """The JSON pointer of an internal ``$ref`` (``#/a%20b`` -> ``/a b``)."""
    return unquote(ref[1:])


def component_of(ref: str) -> tuple[str, str] | None:
    """(kind, name) of the component an internal ``$ref`` points into, escapes undone
    (``#/components/schemas/Caf%C3%A9/properties/id``: ``("schemas", "Café")``); None for any other."""
    if not ref.startswith("#/components/"):
        return None
    tokens = unquote(ref[1:]).split("/")
    return (unescape_token(tokens[2]), unescape_token(tokens[3])) if len(tokens) > 3 else None


_REF_TEXT = re.compile(r'"\$ref": ("#/components/(?:[^"\\]|\\.)*")')
_MAPPING_TEXT = re.compile(r'"mapping": (\{[^{}]*\})')


def referenced_components(document: Any) -> set[tuple[str, str]]:
    """(kind, name) of every component a ``$ref`` of ``document`` points into, or a discriminator's mapping
    names (by reference or by schema name). Read from the document's JSON text (a regex is ten times
    quicker than a walk of a 4 MB spec)."""
    text = json.dumps(document, ensure_ascii=False)
    refs = [json.loads(found) for found in _REF_TEXT.findall(text)]
    for mapping in _MAPPING_TEXT.findall(text):
        values = json.loads(mapping).values()
        refs.extend(v if v.startswith("#") else f"#/components/schemas/{v}" for v in values if isinstance(v, str))
    return {found for ref in refs if (found := component_of(ref)) is not None}
