"""The line of every value of a JSON text, found by one scan of its tokens (no YAML node per scalar).

``line_of`` finds a pointer's line in the file's composed YAML nodes. For a large JSON spec
(2.5 MB: Stripe's) composing every scalar as a YAML node takes seconds; this scan builds only
a tree of lines. It counts lines as the YAML composer does (``\\r\\n``, ``\\r``, ``\\n``, NEL,
LS and PS each end a line) and, as it does, a key given twice answers its first value.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from typing import Any

__all__ = ["LineTree", "json_line_tree", "tree_line_of"]

#: (line of the value, its members: a dict by key, a list, or None for a scalar)
LineTree = tuple[int, Any]

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def json_line_tree(text: str) -> LineTree | None:
    """The tree of lines of ``text`` (None: ``text`` is not JSON)."""
    try:
        json.loads(text)
    except ValueError:
        return None
    breaks = [m.start() for m in _BREAK.finditer(text)]
    root: LineTree | None = None
    stack: list[Any] = []
    key: str | None = None
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in "}]":
            stack.pop()
            expect_key = False
            continue
        if first == ",":
            expect_key = bool(stack) and isinstance(stack[-1], dict)
            continue
        if first == ":":
            continue
        if expect_key:
            key = json.loads(token) if "\\" in token else token[1:-1]
            expect_key = False
            continue
        members: Any = {} if first == "{" else [] if first == "[" else None
        node = (bisect_left(breaks, match.start()) + 1, members)
        if not stack:
            root = node
        elif isinstance(stack[-1], dict):
            stack[-1].setdefault(key, node)
        else:
            stack[-1].append(node)
        if members is not None:
            stack.append(members)
            expect_key = first == "{"
    return root


def tree_line_of(tree: LineTree, tokens: list[str]) -> int:
    """The line of the value at ``tokens`` (of its deepest existing parent)."""
    node = tree
    for token in tokens:
        members = node[1]
        child: LineTree | None = None
        if isinstance(members, dict):
            child = members.get(token)
        elif isinstance(members, list) and token.isdigit() and int(token) < len(members):
            child = members[int(token)]
        if child is None:
            break
        node = child
    return node[0]
