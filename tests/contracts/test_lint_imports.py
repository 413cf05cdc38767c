"""``apitwin lint`` starts fast: it imports neither the mock's HTTP layer nor the conformance suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("flask", "werkzeug", "gunicorn", "schemathesis", "hypothesis", "mockserver.http", "mockserver.pipeline",
         "contracts.verify", "contracts.diff")

PROGRAM = """
import json, sys
from contracts.cli import main
sys.argv = ["apitwin", "lint", sys.argv[1]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_lint_imports_nothing_it_does_not_use() -> None:
    spec = ROOT / "tests" / "data" / "specs" / "petstore.yaml"
    result = subprocess.run([sys.executable, "-c", PROGRAM, str(spec)], capture_output=True, text=True,
                            cwd=ROOT, check=True, timeout=120)
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["code"] == 0  # petstore has warnings only
    loaded = [m for m in outcome["modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []
