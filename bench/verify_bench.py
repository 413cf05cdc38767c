"""Time ``apitwin verify --against-mock`` as a user waits for it: the DSS spec with defaults, the classic petstore.

    python bench/verify_bench.py [--runs 1] [--skip-dss]

Each run is the whole command (process start to exit, wall clock, and the CPU seconds it used), so
that imports, spec loading and every phase count. Targets (issue 14): the DSS spec
(``specs/dataiku-dss.yaml``, defaults: 25 examples a phase, one process per core) under 60 s, beside the same run
in one process (``--workers 1``); the classic petstore
(``tests/data/oai-petstore/petstore.yaml``, three operations) with ``--max-examples 5`` in seconds.
Prints the load average before and after: on a shared machine the wall clock is CPU time over the
share of the cores the run got, so compare the CPU column too. The last lines give each case's verdict:
PASS or FAIL against its wall-clock target, and whether its CPU time alone fits in the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DSS = ROOT / "specs" / "dataiku-dss.yaml"
PETSTORE = ROOT / "tests" / "data" / "oai-petstore" / "petstore.yaml"
DSS_TARGET = 60.0
PETSTORE_TARGET = 10.0


def timed(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its last two lines of output) of ``apitwin ARGS``."""
    apitwin = Path(sys.executable).parent / "apitwin"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(apitwin), *args], capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, " | ".join(done.stdout.strip().splitlines()[-2:])


def verdict(wall: float, cpu: float, target: float) -> str:
    """PASS or FAIL against the wall-clock ``target``, and whether the CPU alone, shared by the cores, fits in it
    (on a loaded machine the wall clock can miss a target the CPU time meets: the run got less than its cores)."""
    state = "PASS" if wall < target else "FAIL"
    cores = len(os.sched_getaffinity(0))
    fits = "fits" if cpu / cores < target else "does not fit"
    return f"{state} (target < {target:.0f} s wall; its {cpu:.1f} s CPU over {cores} cores {fits} in {target:.0f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-dss", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    cases: list[tuple[str, list[str], float | None]] = [
        ("petstore --max-examples 5", [str(PETSTORE), "--against-mock", "--max-examples", "5"], PETSTORE_TARGET)]
    if not args.skip_dss:
        cases.append(("DSS, defaults", [str(DSS), "--against-mock"], DSS_TARGET))
        # the baseline of the same run: one process (--workers 1), as before the operations were dealt out
        cases.append(("DSS, --workers 1", [str(DSS), "--against-mock", "--workers", "1"], None))
    lines = []
    medians: dict[str, float] = {}
    for name, cli, target in cases:
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu, tail = timed(["verify", *cli])
            walls.append(wall)
            cpus.append(cpu)
            print(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU  ({tail})")
        wall = statistics.median(walls)
        cpu = statistics.median(cpus)
        medians[name] = wall
        lines.append(f"{name}: {wall:.1f} s wall (median of {args.runs}), {cpu:.1f} s CPU: "
                     + (verdict(wall, cpu, target) if target is not None else "the baseline"))
    if "DSS, defaults" in medians:
        lines.append(f"DSS, one process / defaults: {medians['DSS, --workers 1'] / medians['DSS, defaults']:.2f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
