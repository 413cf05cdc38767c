"""Route: which operation answers a method and a path, with which arguments, or which routing problem.

One :class:`Router` answers that question for every caller: the dispatch of
requests, the record proxy, and the check of recordings at start. The rules, in
the order :meth:`Router.match` applies them:

1. OpenAPI matches a concrete segment before a templated sibling, whatever the
   method (:class:`MethodOwners`): with ``GET /datasets/managed`` and ``PUT
   /datasets/{name}``, ``PUT /datasets/managed`` is a 405, not ``{name}``.
2. Path templates become rules under every server prefix (``/projects/{projectKey}``
   -> ``/public/api/projects/<p0>``, werkzeug's syntax), matched by :mod:`.url_matcher`
   as werkzeug would; static segments win over templated ones; a parameter marked
   ``x-apitwin-greedy`` may hold ``/``, a leading one included (``/contents//src/data.csv``).
3. A trailing slash must match the spec: ``/x`` when only ``/x/`` is documented is a
   404 (or a 405 when another method owns ``/x``), never a redirect.
4. A CORS preflight (``OPTIONS`` with ``Access-Control-Request-Method``) to a path
   whose methods are known is answered from those methods, unless the spec documents
   ``OPTIONS`` there.
5. Otherwise 404, or 405 with ``Allow``. Under the prefix of one API the problem is
   answered in that API's error model (an operation of it that documents a JSON 404).

Two specs whose routes collide are refused at load (:class:`RouteCollisionError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import RouteCollisionError
from ..pipeline.operation import CompiledOperation, MockAPI
from ..pipeline.problems import Problem, Violation
from ..pipeline.request import is_json
from .url_matcher import Matched, SlashRequired, UrlMatcher, rule_parameters

__all__ = ["MethodOwners", "Preflight", "Route", "RouteMatch", "RouteMiss", "Router", "build_routes"]

_VARIABLE = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    """One rule string (werkzeug's syntax, for :mod:`.url_matcher`) for one operation under one prefix.

    ``names`` maps the rule's safe variable names (``p0``...) to the spec's names.
    """

    rule: str
    method: str
    endpoint: str
    names: dict[str, str]
    shape: str


def _to_rule(prefix: str, template: str, greedy: set[str]) -> tuple[str, dict[str, str], str]:
    names: dict[str, str] = {}

    def variable(match: re.Match[str]) -> str:
        safe = f"p{len(names)}"
        names[safe] = match.group(1)
        converter = "greedy:" if match.group(1) in greedy else ""
        return f"<{converter}{safe}>"

    path = template if template.startswith("/") else "/" + template
    rule = prefix + _VARIABLE.sub(variable, path)
    shape = prefix + _VARIABLE.sub("{}", path)
    return rule or "/", names, shape


class MethodOwners:
    """Which methods a request path may use, when a more specific path template owns it.

    OpenAPI matches concrete segments before templated ones whatever the method:
    with ``GET /datasets/managed`` and ``PUT /datasets/{name}``, a ``PUT
    /datasets/managed`` is a 405, not a match of ``{name}`` (werkzeug would fall
    through to the templated rule). ``lookup(path)`` gives the methods of the most
    specific shape that shadows another one, or None when no such shape matches.
    Fully concrete paths are a dict lookup; partly templated shadowing shapes (few)
    are tried by regex, most specific first.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        by_shape: dict[str, set[str]] = {}
        split: dict[str, list[str]] = {}  # segments; a greedy parameter (x-apitwin-greedy) is "{+}"
        for route in routes:
            extra = {"HEAD"} if route.method == "GET" else set()
            by_shape.setdefault(route.shape or "/", set()).update({route.method} | extra)
            split.setdefault(route.shape or "/", _segments(route.rule))
        self.concrete = {shape: methods for shape, methods in by_shape.items() if "{}" not in shape}
        # greedy shapes (one segment or more), each with its segments up to its first parameter: only a shape
        # that starts with them can be covered (the others were 3,700 comparisons for the five shipped specs)
        greedy = [(shape, segments[:min(i for i, s in enumerate(segments) if s in ("{}", _GREEDY))])
                  for shape, segments in split.items() if _GREEDY in segments]
        plain = _ShapeTrie(segments for segments in split.values() if _GREEDY not in segments)
        shadowing = [shape for shape in by_shape if "{}" in shape
                     and (plain.generalizes(split[shape])
                          or any(_more_general(split[other], split[shape]) for other, head in greedy
                                 if other != shape and len(split[other]) <= len(split[shape])
                                 and split[shape][:len(head)] == head))]
        shadowing.sort(key=lambda shape: (split[shape].count(_GREEDY), split[shape].count("{}")))
        #: (regex text, methods): compiled on the first lookup that needs them (34 regexes, 10 ms of a start)
        self.templated = [("/".join({"{}": "[^/]+", _GREEDY: ".+"}.get(s) or re.escape(s) for s in split[shape])
                           + r"\Z", by_shape[shape]) for shape in shadowing]
        self._compiled: list[tuple[re.Pattern[str], set[str]]] = []

    def lookup(self, path: str) -> set[str] | None:
        """The methods documented at the most specific shadowing shape matching ``path``."""
        methods = self.concrete.get(path)
        if methods is not None or not self.templated:
            return methods
        if not self._compiled:
            self._compiled = [(re.compile(text), owned) for text, owned in self.templated]
        for pattern, owned in self._compiled:
            if pattern.match(path):
                return owned
        return None


_GREEDY = "{+}"


class _ShapeTrie:
    """Shapes without greedy parameters, segment by segment: which shape another one generalizes.

    One walk per shape instead of a comparison with every other shape of its length (61,000
    comparisons for the five shipped specs): at each segment, follow the same segment, or
    ``{}`` (which covers any one segment).
    """

    def __init__(self, shapes: Iterable[list[str]]) -> None:
        self.root: dict[str | None, Any] = {}
        for segments in shapes:
            node = self.root
            for segment in segments:
                node = node.setdefault(segment, {})
            node[None] = True  # a shape ends here

    def generalizes(self, specific: list[str]) -> bool:
        """Whether a shape here other than ``specific`` matches every path ``specific`` does (:func:`_more_general`)."""
        stack: list[tuple[dict[str | None, Any], int, bool]] = [(self.root, 0, False)]
        while stack:
            node, index, differs = stack.pop()
            if index == len(specific):
                if differs and None in node:
                    return True
                continue
            segment = specific[index]
            if segment in node:
                stack.append((node[segment], index + 1, differs))
            if segment != "{}" and "{}" in node:
                stack.append((node["{}"], index + 1, True))
        return False


def _segments(rule: str) -> list[str]:
    """The segments of a rule (werkzeug's syntax): ``{}`` for a parameter, ``{+}`` for a greedy one."""
    return [_GREEDY if s.startswith("<greedy:") else "{}" if s.startswith("<") else s for s in rule.split("/")]


def _more_general(general: list[str], specific: list[str]) -> bool:
    """True when ``general`` matches every path ``specific`` does, and is not the same shape.

    ``{}`` takes one segment, a greedy ``{+}`` one or more (``/contents/{+}`` covers ``/contents/a/b``).
    """
    if general == specific:
        return False
    if _GREEDY not in general:
        return len(general) == len(specific) and all(g in (s, "{}") for g, s in zip(general, specific, strict=True))
    return _covers(general, specific)


def _covers(general: list[str], specific: list[str]) -> bool:
    if not general:
        return not specific
    head, rest = general[0], general[1:]
    if head == _GREEDY:  # one segment or more of any kind
        return any(_covers(rest, specific[n:]) for n in range(1, len(specific) + 1))
    if not specific or (head != "{}" and head != specific[0]) or specific[0] == _GREEDY:
        return False
    return _covers(rest, specific[1:])


def build_routes(entries: Iterable[tuple[str, str, str, list[str], set[str], str]]) -> list[Route]:
    """Routes for (endpoint, method, path template, prefixes, greedy parameter names, label) entries.

    Raises :class:`RouteCollisionError` naming both operations when two entries
    answer the same method and URL shape.
    """
    seen: dict[tuple[str, str], str] = {}
    routes: list[Route] = []
    for endpoint, method, template, prefixes, greedy, label in entries:
        for prefix in prefixes:
            rule, names, shape = _to_rule(prefix, template, greedy)
            key = (method.upper(), shape)
            if key in seen and seen[key] != label:
                raise RouteCollisionError(method.upper(), shape, seen[key], label)
            if key in seen:
                continue  # the same operation listed twice under one prefix
            seen[key] = label
            routes.append(Route(rule, method.upper(), endpoint, names, shape))
    return routes


@dataclass(frozen=True)
class RouteMatch:
    """The operation that answers, and its path parameters under the spec's names."""

    operation: CompiledOperation
    params: dict[str, str]


@dataclass(frozen=True)
class RouteMiss:
    """No operation answers: the problem (404, 405 with ``Allow``), and whose error model tells it."""

    problem: Problem
    owner: CompiledOperation | None


@dataclass(frozen=True)
class Preflight:
    """A CORS preflight to a known path: the methods documented there; ``otherwise`` if it is refused."""

    methods: list[str]
    otherwise: RouteMiss


_MATCHED_LIMIT = 4096


class Router:
    """The routes of every operation of ``apis`` (see the module's rules)."""

    def __init__(self, apis: list[MockAPI]) -> None:
        self.apis = apis
        entries = []
        self.operations: dict[str, CompiledOperation] = {}
        for api in apis:
            for index, op in enumerate(api.operations):
                endpoint = f"{api.name}:{index}"
                self.operations[endpoint] = op
                greedy = {str(p.get("name")) for p, _ in op.operation.parameters
                          if p.get("in") == "path" and p.get("x-apitwin-greedy")}
                entries.append((endpoint, op.operation.method, op.operation.path, op.operation.prefixes, greedy,
                                op.operation.label))
        routes = build_routes(entries)
        self.owners = MethodOwners(routes)
        #: rule -> method -> (operation's endpoint, rule variable -> spec name): one rule per rule string, with
        #: every method documented there (the shipped specs' 936 routes are 643 rules)
        self.methods: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
        for route in routes:
            self.methods.setdefault(route.rule, {})[route.method] = (route.endpoint, route.names)
        self.matcher = UrlMatcher()
        self._variables: dict[str, list[str]] = {}  # rule -> its variables, in order
        for rule, methods in self.methods.items():
            self.matcher.add(rule, methods)
            self._variables[rule] = rule_parameters(rule)
        self._error_models = _error_models(apis)
        #: (method, path) -> (operation, arguments) of the paths matched lately: routing is a pure function of
        #: the two, and matching costs a tenth of a request
        self._matched: dict[tuple[str, str], tuple[CompiledOperation, dict[str, str]]] = {}

    def match(self, method: str, path: str, *, preflight: bool = False) -> RouteMatch | RouteMiss | Preflight:
        """Which operation answers ``method path``, or why none does (``preflight``: a CORS preflight)."""
        known = self._matched.get((method, path))
        if known is not None:
            return RouteMatch(known[0], dict(known[1]))
        concrete = self.owners.lookup(path)
        if concrete is not None and method not in concrete:
            miss = self.method_not_allowed(method, path, concrete - {"HEAD"})
        else:
            try:
                found = self.matcher.match(path, method)
            except SlashRequired:
                return self._slash_missing(method, path)
            if isinstance(found, Matched):
                documented = self.methods[found.rule]
                chosen, names = documented.get(method) or documented["GET"]  # HEAD: GET's
                operation = self.operations[chosen]
                params = {names.get(k, k): v for k, v in zip(self._variables[found.rule], found.values, strict=True)}
                if len(self._matched) >= _MATCHED_LIMIT:
                    self._matched.clear()
                self._matched[(method, path)] = (operation, params)
                return RouteMatch(operation, dict(params))
            miss = self.method_not_allowed(method, path, found.allowed) if found.allowed \
                else self.not_found(method, path)
        if preflight:
            allowed = [m for m in self.matcher.allowed_methods(path) if concrete is None or m in concrete]
            if allowed:
                return Preflight(allowed, miss)
        return miss

    def miss(self, error: HTTPException, method: str, path: str) -> RouteMiss:
        """The routing problem for ``error`` (Flask's 404 or 405, at an admin endpoint) at ``method path``."""
        if isinstance(error, MethodNotAllowed):
            return self.method_not_allowed(method, path, error.valid_methods or [])
        return self.not_found(method, path)

    def not_found(self, method: str, path: str) -> RouteMiss:
        """404 for ``method path``: no operation's path matches it."""
        apis = ", ".join(f"{a.name} ({', '.join(p or '/' for p in a.prefixes)})" for a in self.apis) or "none"
        return RouteMiss(Problem("not-found", f"no operation of the served APIs matches {method} {path}",
                                 [Violation("path", path, f"unknown path; served APIs: {apis}")]), self.owner(path))

    def method_not_allowed(self, method: str, path: str, methods: Iterable[str]) -> RouteMiss:
        """405 for ``method path``, whose documented methods are ``methods``."""
        allowed = sorted(set(methods))
        problem = Problem("method-not-allowed", f"{method} is not documented for {path}; "
                          f"allowed: {', '.join(allowed)}",
                          [Violation("method", method, f"allowed: {', '.join(allowed)}")],
                          headers={"Allow": ", ".join(allowed)})
        return RouteMiss(problem, self.owner(path))

    def _slash_missing(self, method: str, path: str) -> RouteMiss:
        # only /x/ is documented where /x was asked for: werkzeug would redirect, the real services do not,
        # and clients would silently follow it. Answer 405 (another method owns /x) or 404.
        methods = [m for m in self.matcher.allowed_methods(path) if m != "OPTIONS"]
        if methods:
            return self.method_not_allowed(method, path, methods)
        target = quote("/" + path.lstrip("/") + "/", safe="!$&'()*+,/:;=@")
        problem = Problem("not-found", f"no operation at {path}; the spec has {target}",
                          [Violation("path", path, "unknown path (trailing slash differs)")])
        return RouteMiss(problem, self.owner(path))

    def owner(self, path: str) -> CompiledOperation | None:
        """For a path no operation matches: an operation of the API whose prefix holds it (longest
        prefix, one API only) that documents a JSON 404, to answer in that API's error model."""
        best: list[MockAPI] = []
        length = -1
        for api in self.apis:
            for prefix in api.prefixes:
                if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                    if len(prefix) > length:
                        best, length = [api], len(prefix)
                    elif len(prefix) == length and api not in best:
                        best.append(api)
        return self._error_models.get(best[0].name) if len(best) == 1 else None


def _error_models(apis: list[MockAPI]) -> dict[str, CompiledOperation]:
    """API name -> its first operation documenting a JSON 404 (the shape of that API's routing errors).

    Read from the spec's responses (as ``pipeline.selection.find_status`` picks them): no operation is
    compiled for it.
    """
    representative: dict[str, CompiledOperation] = {}
    for api in apis:
        for op in api.operations:
            if _documents_json_404(op.operation.responses):
                representative[api.name] = op
                break
    return representative


def _documents_json_404(responses: dict[str, tuple[dict[str, Any], str]]) -> bool:
    """Whether the response a 404 gets (exact, then ``4XX``, then ``default``) has a JSON media type."""
    statuses = list(responses)
    status = next((s for s in statuses if s == "404"), None) or next(
        (s for s in statuses if s.upper() == "4XX"), None) or next((s for s in statuses if s == "default"), None)
    response = responses[status][0] if status is not None else None
    content = response.get("content") if isinstance(response, dict) else None
    return isinstance(content, dict) and any(is_json(m) for m in content)
