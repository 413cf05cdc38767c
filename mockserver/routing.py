"""OpenAPI path templates as werkzeug rules; collisions found at load.

``/projects/{projectKey}`` under prefix ``/public/api`` becomes the rule
``/public/api/projects/<p0>``; a parameter marked ``x-apitwin-greedy`` uses
werkzeug's ``path`` converter so it may contain ``/``. Werkzeug orders static
rules before templated ones, so ``/projects/list`` beats ``/projects/{key}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import RouteCollisionError

__all__ = ["Route", "build_routes"]

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
        converter = "path:" if match.group(1) in greedy else ""
        return f"<{converter}{safe}>"

    path = template if template.startswith("/") else "/" + template
    rule = prefix + _VARIABLE.sub(variable, path)
    shape = prefix + _VARIABLE.sub("{}", path)
    return rule or "/", names, shape


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
