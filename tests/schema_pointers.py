"""The schemas of a spec worth generating from: every named schema and every media-type schema.

Shared by the public-schema property test and bench/public_specs.py's ``gen`` column.
"""

from __future__ import annotations

from typing import Any

from mockserver.spec.pointers import join_pointer

__all__ = ["schema_pointers"]


def schema_pointers(document: dict[str, Any]) -> list[str]:
    """The pointers of every named schema and every media-type schema of ``document``."""
    pointers = [join_pointer("components", "schemas", name)
                for name in ((document.get("components") or {}).get("schemas") or {})]

    def walk(node: Any, tokens: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            content = node.get("content")
            if isinstance(content, dict):
                for media, spec in content.items():
                    if isinstance(spec, dict) and isinstance(spec.get("schema"), dict):
                        pointers.append(join_pointer(*tokens, "content", media, "schema"))
            for key, value in node.items():
                if key not in ("content", "schema", "example", "examples"):
                    walk(value, (*tokens, str(key)))

    walk(document.get("paths") or {}, ("paths",))
    walk((document.get("components") or {}).get("responses") or {}, ("components", "responses"))
    walk((document.get("components") or {}).get("requestBodies") or {}, ("components", "requestBodies"))
    return pointers
