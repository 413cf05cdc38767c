"""Time `apitwin lint` against Spectral's OpenAPI ruleset on the same specs, in the same run.

    python bench/lint_bench.py [SPEC ...] [--runs 5]

Spectral installs from npm (`npm install --prefix bench @stoplight/spectral-cli`).
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
    print(f"lint of {len(specs)} specs ({', '.join(Path(s).name for s in specs)}); median of {args.runs} runs\n")
    for name, times in rows:
        print(f"{name:32} {statistics.median(times):6.2f} s   (min {min(times):.2f}, max {max(times):.2f})")
    if len(rows) == 3:
        ratio = statistics.median(rows[2][1]) / statistics.median(rows[1][1])
        print(f"\nSpectral / apitwin (commands): {ratio:.2f}x  (target: apitwin faster, > 1.00x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
