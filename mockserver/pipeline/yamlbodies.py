"""YAML request bodies (``application/yaml``, ``application/apply-patch+yaml``...): read as the JSON data they write.

Kubernetes documents its ``PATCH`` bodies as ``application/apply-patch+yaml`` beside three ``+json`` types; a
body of that type was passed through unread, so any YAML (``[null, null]`` for a ``type: object`` schema) was
accepted. The body is read with the safe loader, and what JSON cannot carry is refused: aliases (a small text
that expands exponentially), keys that are not text, timestamps, binary, sets, non-finite numbers, and nesting
deeper than the JSON limit.
"""

from __future__ import annotations

import datetime
import math
from functools import lru_cache
from typing import Any

from .request import InvalidJSON, media_base

__all__ = ["is_yaml", "read_yaml"]


def is_yaml(media_type: str) -> bool:
    """Whether a media type carries YAML (``application/yaml``, ``text/yaml``, ``application/x-yaml``, ``*+yaml``)."""
    base = media_base(media_type)
    return base in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml") or base.endswith("+yaml")


@lru_cache(maxsize=1)
def _loader() -> type[Any]:
    """The safe loader without aliases and without the implicit timestamp type (a date stays text, as in JSON).

    yaml is imported on the first YAML body: most specs have none, and importing it costs about 30 ms of a start.
    """
    import yaml

    class _Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise InvalidJSON("a YAML alias (JSON data has none)")
            return super().compose_node(parent, index)

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return _Loader


def read_yaml(body: bytes, max_depth: int) -> Any:
    """``body`` (one YAML document) as JSON data; :class:`InvalidJSON` names what is not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"not UTF-8 text (byte {exc.start})") from None
    import yaml

    try:
        value = yaml.load(text, Loader=_loader())  # the safe loader, narrowed further
    except yaml.YAMLError as exc:
        raise InvalidJSON(str(exc).replace("\n", " ")[:200]) from None
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {max_depth} levels") from None
    _check(value, max_depth)
    return value


def _check(value: Any, max_depth: int) -> None:
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise InvalidJSON(f"nested deeper than {max_depth} levels")
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, str):
                    raise InvalidJSON(f"the key {str(key)[:40]!r} is not text (JSON object keys are)")
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise InvalidJSON(f"the number {node} has no JSON form")
        elif isinstance(node, (bytes, set, datetime.date)) or not (node is None or isinstance(node, (
                str, int, float, bool))):
            raise InvalidJSON(f"a {type(node).__name__} value (JSON data has none)")
