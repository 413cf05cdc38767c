"""The OpenAPI 3.0 twin of a 3.1 document: the same API in 3.0 words (used by tests and ``bench/twin30.py``).

Only the 3.1 constructs of the shipped specs are rewritten: ``type: [x, "null"]`` ->
``type: x`` + ``nullable: true``, other type lists -> ``anyOf``, schema ``examples`` ->
``example``, ``const`` -> a one-value ``enum``, ``info.license.identifier`` dropped.
"""

from __future__ import annotations

from typing import Any

__all__ = ["twin30"]


def _schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, list):
            kinds = [k for k in value if k != "null"]
            if len(kinds) < len(value):
                out["nullable"] = True
            if len(kinds) == 1:
                out["type"] = kinds[0]
            else:
                out["anyOf"] = [{"type": k} for k in kinds]
        elif key == "examples" and isinstance(value, list):
            if value:
                out["example"] = value[0]
        elif key == "const":
            out["enum"] = [value]
        elif key in ("properties", "patternProperties"):
            out[key] = {name: _schema(sub) for name, sub in value.items()}
        elif key in ("example", "enum", "default", "required", "discriminator", "xml", "externalDocs"):
            out[key] = value
        else:
            out[key] = _schema(value)
    return out


def _walk(node: Any) -> Any:
    """Every ``schema`` (and component schema) rewritten; everything else kept."""
    if isinstance(node, list):
        return [_walk(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "schema":
            out[key] = _schema(value)
        elif key == "schemas" and isinstance(value, dict):
            out[key] = {name: _schema(sub) for name, sub in value.items()}
        else:
            out[key] = _walk(value)
    return out


def twin30(document: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _walk(document)
    out["openapi"] = "3.0.3"
    license_ = out.get("info", {}).get("license")
    if isinstance(license_, dict):
        license_.pop("identifier", None)
    return out
