"""Write the OpenAPI 3.0 twin of a 3.1 spec (the same API in 3.0 words), for the in-process benchmark.

    python bench/twin30.py [SPEC31] [OUT]

(default: specs/dataiku-apinode.yaml -> tests/data/specs/dataiku-apinode-30.yaml)

Only the 3.1 constructs the shipped API node spec uses are rewritten: ``type: [x, "null"]`` ->
``type: x`` + ``nullable: true``, other type lists -> ``anyOf``, schema ``examples`` -> ``example``,
``const`` -> one-value ``enum``, ``info.license.identifier`` dropped. The result is checked by the
mock itself when loaded (strict).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.files import write_atomically  # noqa: E402
from tests.twin30 import twin30  # noqa: E402


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
