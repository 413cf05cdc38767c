"""The line of every value of a JSON text, found by scanning only the members a lookup goes through.

``line_of`` finds a pointer's line in the file's composed YAML nodes. For a large JSON spec
(2.5 MB: Stripe's; 4.3 MB: Kubernetes') composing every scalar as a YAML node takes seconds, and
even a scan of every token took 1.8 s on Kubernetes'. Here a container's members are found when a
lookup first goes through it: each member's value is skipped by the C JSON scanner, and only its
offset is kept. Lines are counted as the YAML composer counts them (``\\r\\n``, ``\\r``, ``\\n``,
NEL, LS and PS each end a line) and, as it does, a key given twice answers its first value.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

__all__ = ["LineTree", "json_line_tree", "tree_line_of"]

#: (line of the value, its members: a dict by key, a list, None for a scalar, or :class:`_Members` not yet scanned)
LineTree = tuple[int, Any]

_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_SPACE = re.compile(r"[ \t\n\r]*")
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class _Text:
    """A JSON text with the offsets of its line breaks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in _BREAK.finditer(text)]

    def node(self, offset: int) -> LineTree:
        """The line tree node of the value starting at ``offset``."""
        first = self.text[offset]
        return bisect_left(self.breaks, offset) + 1, _Members(self, offset) if first in "{[" else None


class _Members:
    """The members of the container at ``offset``, scanned on first need."""

    __slots__ = ("found", "offset", "source")

    def __init__(self, source: _Text, offset: int) -> None:
        self.source = source
        self.offset = offset
        self.found: dict[str, LineTree] | list[LineTree] | None = None

    def scan(self) -> dict[str, LineTree] | list[LineTree]:
        if self.found is None:
            self.found = self._scan()
        return self.found

    def _scan(self) -> dict[str, LineTree] | list[LineTree]:
        source, text = self.source, self.source.text
        is_object = text[self.offset] == "{"
        by_key: dict[str, LineTree] = {}
        items: list[LineTree] = []
        index = _SPACE.match(text, self.offset + 1).end()  # type: ignore[union-attr]
        if text[index] in "}]":
            return by_key if is_object else items
        while True:
            if is_object:
                key, index = scanstring(text, index + 1)
                index = _SPACE.match(text, index).end() + 1  # type: ignore[union-attr]  # past the ':'
                index = _SPACE.match(text, index).end()  # type: ignore[union-attr]
                if key not in by_key:
                    by_key[key] = source.node(index)
            else:
                items.append(source.node(index))
            _, index = _SCAN(text, index)
            index = _SPACE.match(text, index).end()  # type: ignore[union-attr]
            if text[index] != ",":
                return by_key if is_object else items
            index = _SPACE.match(text, index + 1).end()  # type: ignore[union-attr]


def json_line_tree(text: str) -> LineTree | None:
    """The tree of lines of ``text`` (None: ``text`` is not JSON); its members are scanned as lookups need them."""
    try:
        json.loads(text)
    except ValueError:
        return None
    return _Text(text).node(_SPACE.match(text).end())  # type: ignore[union-attr]


def tree_line_of(tree: LineTree, tokens: list[str]) -> int:
    """The line of the value at ``tokens`` (of its deepest existing parent)."""
    node = tree
    for token in tokens:
        members = node[1]
        if isinstance(members, _Members):
            members = members.scan()
        child: LineTree | None = None
        if isinstance(members, dict):
            child = members.get(token)
        elif isinstance(members, list) and token.isdigit() and int(token) < len(members):
            child = members[int(token)]
        if child is None:
            break
        node = child
    return node[0]
