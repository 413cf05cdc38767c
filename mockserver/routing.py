"""OpenAPI path templates as werkzeug rules; collisions found at load.

``/projects/{projectKey}`` under prefix ``/public/api`` becomes the rule
``/public/api/projects/<p0>``; a parameter marked ``x-apitwin-greedy`` uses
the ``greedy`` converter (registered by the app) so it may contain ``/``, a
leading one included (``/contents//src/data.csv``: clients quote a path that
starts with ``/`` and keep its slashes). Werkzeug orders static
rules before templated ones, so ``/projects/list`` beats ``/projects/{key}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import RouteCollisionError

__all__ = ["MethodOwners", "Route", "build_routes"]

_VARIABLE = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    """One werkzeug rule string for one operation under one prefix.

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
        for route in routes:
            extra = {"HEAD"} if route.method == "GET" else set()
            by_shape.setdefault(route.shape or "/", set()).update({route.method} | extra)
        self.concrete = {shape: methods for shape, methods in by_shape.items() if "{}" not in shape}
        split = {shape: shape.split("/") for shape in by_shape}
        by_length: dict[int, list[str]] = {}  # only shapes of as many segments can shadow each other
        for shape, segments in split.items():
            by_length.setdefault(len(segments), []).append(shape)
        shadowing = [shape for shape in by_shape if "{}" in shape
                     and any(_more_general(split[other], split[shape])
                             for other in by_length[len(split[shape])] if other != shape)]
        shadowing.sort(key=lambda shape: split[shape].count("{}"))
        self.templated = [(re.compile("/".join("[^/]+" if s == "{}" else re.escape(s) for s in split[shape]) + "$"),
                           by_shape[shape]) for shape in shadowing]

    def lookup(self, path: str) -> set[str] | None:
        """The methods documented at the most specific shadowing shape matching ``path``."""
        methods = self.concrete.get(path)
        if methods is not None or not self.templated:
            return methods
        for pattern, owned in self.templated:
            if pattern.match(path):
                return owned
        return None


def _more_general(general: list[str], specific: list[str]) -> bool:
    """True when ``general`` matches every path ``specific`` does, and is not the same shape."""
    if len(general) != len(specific):
        return False
    wider = False
    for g, s in zip(general, specific, strict=True):
        if g == s:
            continue
        if g != "{}":
            return False
        wider = True
    return wider


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
