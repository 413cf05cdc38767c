"""Which URL rule a path matches: a segment trie, static segments before templated ones, with backtracking.

The router's rules are werkzeug-style strings (``/projects/<p0>/refs/<greedy:p1>``) and this
matcher answers what werkzeug's would (``StateMachineMatcher`` with ``strict_slashes`` and no
slash merging), so routing is unchanged; what it saves is the start: werkzeug tokenises every
rule it is given into part objects and regex text (about 0.1 ms a rule, 40 to 60 ms for the 643
rules of the five shipped specs), where a rule here is split on ``/`` and its templated
segments compiled when first tried. ``tests/mockserver/http/test_url_matcher.py`` compares the two
on every rule and path of the shipped and test specs.

The rules, as werkzeug applies them:

* a path is split on ``/`` (leading slashes count as one); each segment follows the same static
  segment first, then the templated transitions of its node in the order of their weight (more
  static text first, then more parameters, then ordinary before greedy ones), backtracking when a
  branch leads to no rule;
* a parameter takes one segment (``[^/]+``); a greedy one (``<greedy:name>``) one character or
  more of the rest of the path, slashes included, and from it on the rest of the rule is one
  regular expression matched against the rest of the path;
* a rule matches when the path ends at its node and the method is one of its methods (HEAD with
  GET); otherwise the methods of every rule the path reaches are the ``Allow`` of a 405;
* a path that only a rule with one more ``/`` would take, for this method, is :class:`SlashRequired`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

__all__ = ["Matched", "Missed", "SlashRequired", "UrlMatcher", "rule_parameters"]

#: a rule's parameter: ``<p0>`` or ``<greedy:p0>``
_PARAMETER = re.compile(r"<(greedy:)?([A-Za-z_][A-Za-z0-9_]*)>")
#: what one parameter matches: werkzeug's default converter, and a greedy one (``x-apitwin-greedy``) as the router
#: gave werkzeug
_ONE_SEGMENT, _GREEDY = "[^/]{1,}", ".+?"
#: the order of parameters among themselves (werkzeug's converter weights)
_WEIGHT = {_ONE_SEGMENT: 100, _GREEDY: 200}


class _Weight(NamedTuple):
    """The order of the templated transitions of one node (werkzeug's ``Weighting``): lowest first."""

    statics: int  # minus the number of static pieces
    static_lengths: list[tuple[int, int]]  # (index, minus its length) of each static piece
    parameters: int  # minus the number of parameters
    parameter_weights: list[int]


class _Node:
    __slots__ = ("rules", "static", "templated")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        #: (weight, regex text, whether it takes the rest of the path, whether it may end in an optional "/", node)
        self.templated: list[tuple[_Weight, str, bool, bool, _Node]] = []
        self.rules: list[tuple[str, frozenset[str]]] = []


class _Part(NamedTuple):
    text: str  # a static segment as it is, or the regex of a templated one (or of the rest of the rule)
    static: bool
    final: bool
    suffixed: bool
    weight: _Weight


class Matched(NamedTuple):  # NamedTuple: a frozen dataclass costs three times as much to define at import
    """The rule a path matched, and the values of its parameters in the rule's order."""

    rule: str
    values: tuple[str, ...]


class Missed(NamedTuple):
    """No rule takes this method here: the methods of the rules the path reaches (empty: a 404)."""

    allowed: frozenset[str]


class SlashRequired(Exception):
    """Only a rule with a trailing ``/`` takes this path (and method): werkzeug would redirect to it."""


def rule_parameters(rule: str) -> list[str]:
    """The names of a rule's parameters, in the order :attr:`Matched.values` gives their values."""
    return [found.group(2) for found in _PARAMETER.finditer(rule)]


def _parts(rule: str) -> list[_Part]:
    """A rule's parts after its leading ``/``: one per segment, or one for everything from a greedy parameter on."""
    segments = rule.split("/")[1:]
    parts: list[_Part] = []
    for index, segment in enumerate(segments):
        if "<greedy:" not in segment:
            parts.append(_segment(segment))
            continue
        regex, statics, weights = _regex("/".join(segments[index:]))
        suffixed = regex.endswith("/")
        if suffixed:  # werkzeug: the trailing "/" becomes optional and is matched as a static "" after
            regex = regex[:-1] + "(?<!/)(/?)"
        weight = _Weight(-len(statics), statics, -len(weights), weights)
        parts.append(_Part(regex + r"\Z", False, True, suffixed, weight))
        if suffixed:
            parts.append(_Part("", True, False, False, weight))
        break
    return parts


_STATIC = _Weight(0, [], 0, [])


@lru_cache(maxsize=4096)
def _segment(segment: str) -> _Part:
    """The part of one segment without a greedy parameter (segments repeat: made once each)."""
    if "<" not in segment:
        return _Part(segment, True, False, False, _STATIC)
    regex, statics, weights = _regex(segment)
    return _Part(regex + r"\Z", False, False, False, _Weight(-len(statics), statics, -len(weights), weights))


def _regex(text: str) -> tuple[str, list[tuple[int, int]], list[int]]:
    """The regex of templated rule text, its static pieces' weights and its parameters' weights (werkzeug's)."""
    regex, position = "", 0
    statics: list[tuple[int, int]] = []
    weights: list[int] = []
    pieces = [*_PARAMETER.finditer(text), None]
    for found in pieces:
        static = text[position:found.start() if found else len(text)]
        for index, piece in enumerate(static.split("/")):
            if index:
                regex += "/"
            if piece:
                statics.append((len(statics), -len(piece)))
                regex += re.escape(piece)
        if found is None:
            break
        converter = _GREEDY if found.group(1) else _ONE_SEGMENT
        regex += f"({converter})"
        weights.append(_WEIGHT[converter])
        position = found.end()
    return regex, statics, weights


class UrlMatcher:
    """Rules added with their methods; :meth:`match` finds the one a method and path take."""

    def __init__(self) -> None:
        self.root = _Node()
        self._compiled: dict[str, re.Pattern[str]] = {}  # a templated part's regex text -> compiled, when first tried

    def add(self, rule: str, methods: Iterable[str]) -> None:
        """Add ``rule`` (starting with ``/``) for ``methods``; HEAD comes with GET."""
        allowed = {m.upper() for m in methods}
        if "GET" in allowed:
            allowed.add("HEAD")
        node = self.root
        for part in _parts(rule):
            if part.static:
                child = node.static.get(part.text)
                if child is None:
                    child = node.static[part.text] = _Node()
                node = child
                continue
            for weight, text, final, suffixed, child in node.templated:
                if text == part.text and final == part.final and suffixed == part.suffixed and weight == part.weight:
                    node = child
                    break
            else:
                child = _Node()
                node.templated.append((part.weight, part.text, part.final, part.suffixed, child))
                node.templated.sort(key=lambda entry: entry[0])  # stable: equal weights keep their order
                node = child
        node.rules.append((rule, frozenset(allowed)))

    def match(self, path: str, method: str) -> Matched | Missed:
        """The rule ``method path`` takes, or the methods the path has (raises :class:`SlashRequired`)."""
        reached: set[str] = set()
        found = self._walk(self.root, ("/" + path.lstrip("/")).split("/")[1:], 0, (), method, reached)
        return found if found is not None else Missed(frozenset(reached))

    def allowed_methods(self, path: str) -> frozenset[str]:
        """Every method of every rule ``path`` reaches."""
        found = self.match(path, "--")  # no rule has it: every branch is walked
        return found.allowed if isinstance(found, Missed) else frozenset()

    def _walk(self, node: _Node, parts: list[str], at: int, values: tuple[str, ...], method: str,
              reached: set[str]) -> Matched | None:
        if at == len(parts):
            for rule, methods in node.rules:
                if method in methods:
                    return Matched(rule, values)
                reached.update(methods)
            slashed = node.static.get("")
            if slashed is not None and any(method in methods for _, methods in slashed.rules):
                raise SlashRequired
            return None
        segment = parts[at]
        child = node.static.get(segment)
        if child is not None:
            found = self._walk(child, parts, at + 1, values, method, reached)
            if found is not None:
                return found
        for _, text, final, suffixed, child in node.templated:
            pattern = self._compiled.get(text)
            if pattern is None:
                pattern = self._compiled[text] = re.compile(text)
            taken = pattern.match("/".join(parts[at:]) if final else segment)
            if taken is None:
                continue
            groups = taken.groups()
            rest: list[str] = parts
            next_at = len(parts) if final else at + 1
            if suffixed:
                if groups[-1] == "/":  # the optional trailing "/" was there: the static "" part takes it
                    rest, next_at = [""], 0
                groups = groups[:-1]
            found = self._walk(child, rest, next_at, values + groups, method, reached)
            if found is not None:
                return found
        return None
