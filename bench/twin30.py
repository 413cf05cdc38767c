"""Write the OpenAPI 3.0 twin of a 3.1 spec (the same API in 3.0 words), for the in-process benchmark.

    python bench/twin30.py [SPEC31] [OUT]     (default: specs/dataiku-apinode.yaml -> tests/data/specs/dataiku-apinode-30.yaml)

Only the 3.1 constructs the shipped API node spec uses are rewritten: ``type: [x, "null"]`` ->
``type: x`` + ``nullable: true``, other type lists -> ``anyOf``, schema ``examples`` -> ``example``,
``const`` -> one-value ``enum``, ``info.license.identifier`` dropped. The result is checked by the
mock itself when loaded (strict).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.files import write_atomically  # noqa: E402


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
    out = _walk(document)
    out["openapi"] = "3.0.3"
    license_ = out.get("info", {}).get("license")
    if isinstance(license_, dict):
        license_.pop("identifier", None)
    return out


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "specs" / "dataiku-apinode.yaml"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests" / "data" / "specs" / "dataiku-apinode-30.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    header = (f"# The OpenAPI 3.0 twin of {source.name} (same API, 3.0 words), written by bench/twin30.py.\n"
              f"# Licence: as {source.name} (see specs/README.md).\n")
    write_atomically(target, header + yaml.safe_dump(twin30(document), sort_keys=False, allow_unicode=True,
                                                     width=110))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
