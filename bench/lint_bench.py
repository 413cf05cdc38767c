"""Time `apitwin lint` against Spectral's OpenAPI ruleset and Redocly's recommended one on the same specs.

    python bench/lint_bench.py [SPEC ...] [--runs 5]

Spectral and Redocly install from npm (`npm install --prefix bench`, see bench/package.json); each
one missing is skipped. Redocly runs its recommended rules with `no-path-trailing-slash` off (DSS
really uses trailing slashes).
Both are timed as commands (process start to exit, what a user waits for); apitwin
is also timed in process. Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from contracts.lint import lint  # noqa: E402


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    specs = [str(Path(s).resolve()) for s in args.specs] or [
        str(p) for p in sorted((ROOT / "specs").glob("*.yaml"))]
    spectral = HERE / "node_modules" / ".bin" / "spectral"
    apitwin = Path(sys.executable).parent / "apitwin"
    rows: list[tuple[str, list[float]]] = []
    inproc = []
    for _ in range(args.runs):
        started = time.perf_counter()
        lint(specs)
        inproc.append(time.perf_counter() - started)
    rows.append(("apitwin lint, in process", inproc))
    rows.append(("apitwin lint, command", [timed([str(apitwin), "lint", *specs]) for _ in range(args.runs)]))
    if spectral.exists():
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as ruleset:
            ruleset.write('extends: ["spectral:oas"]\n')
        rows.append(("spectral lint (spectral:oas)", [timed([str(spectral), "lint", "-r", ruleset.name, *specs])
                                                      for _ in range(args.runs)]))
    else:
        print("bench: Spectral not installed (npm install --prefix bench @stoplight/spectral-cli); skipped")
    redocly = HERE / "node_modules" / ".bin" / "redocly"
    if redocly.exists():
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "redocly.yaml"
            config.write_text("extends: [recommended]\nrules:\n  no-path-trailing-slash: off\n")
            rows.append(("redocly lint (recommended)", [timed([str(redocly), "lint", "--config", str(config), *specs])
                                                        for _ in range(args.runs)]))
    else:
        print("bench: Redocly not installed (npm install --prefix bench @redocly/cli); skipped")
    print(f"lint of {len(specs)} specs ({', '.join(Path(s).name for s in specs)}); median of {args.runs} runs\n")
    for name, times in rows:
        print(f"{name:32} {statistics.median(times):6.2f} s   (min {min(times):.2f}, max {max(times):.2f})")
    command = statistics.median(rows[1][1])
    for name, times in rows[2:]:
        print(f"\n{name.split()[0]} / apitwin (commands): {statistics.median(times) / command:.2f}x"
              "  (target: apitwin faster, > 1.00x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
