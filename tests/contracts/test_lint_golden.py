"""``apitwin lint`` finds exactly what it found before it was made faster: a committed snapshot per spec.

The snapshot (``tests/data/lint/golden.json``) holds every finding (rule, severity, file, line,
pointer, message) of the shipped specs, the test specs, an Airflow spec and the deliberately flawed
documents in ``tests/data/lint``, also as JSON (each openapi-spec-validator check and each named rule fires there).
It was taken with the linter as it was before the single walk and the screened structural check.
A change that means to change findings regenerates it: ``python -m tests.contracts.test_lint_golden``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from contracts.lint import lint

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "lint" / "golden.json"
SPECS = [
    *sorted((ROOT / "specs").glob("*.yaml")),
    *sorted((ROOT / "tests" / "data" / "specs").glob("*.yaml")),
    ROOT / "tests" / "data" / "airflow" / "v1-2.8.0.yaml",
    *sorted((ROOT / "tests" / "data" / "lint").glob("*.yaml")),
    *sorted(p for p in (ROOT / "tests" / "data" / "lint").glob("*.json") if p.name != "golden.json"),  # JSON lines
]
#: the flawed documents again with the structural check off: every rule then runs on them
UNCHECKED = sorted((ROOT / "tests" / "data" / "lint").glob("structure-*.yaml"))
CASES = [(p, False) for p in SPECS] + [(p, True) for p in UNCHECKED]


def _key(path: Path, unchecked: bool = False) -> str:
    return path.relative_to(ROOT).as_posix() + (" --disable openapi-structure" if unchecked else "")


def snapshot(path: Path, unchecked: bool = False) -> list[list[object]]:
    """Every finding of ``path``, in the linter's order, as plain JSON values (file relative to the repo)."""
    rows: list[list[object]] = []
    for f in lint([path], disabled={"openapi-structure"} if unchecked else ()):
        file = Path(f.file)
        shown = _key(file.resolve()) if file.is_absolute() or file.exists() else f.file
        rows.append([f.rule, f.severity, shown, f.line, f.pointer, f.message])
    return rows


def test_the_snapshot_covers_every_rule_and_every_spec() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(golden) == sorted(_key(*case) for case in CASES)
    from contracts.lint import RULES

    fired = {row[0] for rows in golden.values() for row in rows}
    assert set(RULES) | {"openapi-structure"} <= fired


@pytest.mark.parametrize(("path", "unchecked"), CASES, ids=[_key(*case) for case in CASES])
def test_findings_match_the_snapshot(path: Path, unchecked: bool) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert snapshot(path, unchecked) == golden[_key(path, unchecked)]


if __name__ == "__main__":  # regenerate the snapshot after a change meant to change findings
    from mockserver.files import write_atomically

    write_atomically(GOLDEN, json.dumps({_key(*case): snapshot(*case) for case in CASES}, indent=1) + "\n")
    sys.exit(0)
