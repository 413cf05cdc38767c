"""The journal's cost on the request path, counted rather than timed: instructions, D1 and L2 misses per request.

    python bench/journal_cost.py [--requests 4000] [--mix 0]

On a shared 2-core machine the journal's throughput cost (target: at most 5%) is smaller than the
spread of bench/serve_bench.py's runs. This script counts it instead, with valgrind's cachegrind
(Debian package ``valgrind``): the WSGI app of the API node spec (OpenAPI 3.1), frozen as ``apitwin serve``
freezes it (``gc.freeze``: else one full collection walking the loaded spec adds thousands of instructions
a request to whichever run it falls in), answers a mix of
bench/serve_bench.py (0: GET with path parameters, 1: POST valid, 2: POST invalid) in process, with
fresh header strings per request as a server makes them, first 6,000 times with the journal (its
buffer full, as under load, its writer stopped), then ``--requests`` more times either as
``apitwin serve`` runs (journal on) or with the capture made a no-op. Each configuration runs twice,
with 0 and with ``--requests`` requests after the warm-up, and the difference over ``--requests`` is
the count per request: start-up cancels out, and with ``PYTHONHASHSEED=0`` the count is the same on
every run. The last level cachegrind simulates is set to one core's L2 of this machine (sysfs; 1 MB,
16-way where unreadable): a miss there is one the real L3 or memory answers, and the buffer of 5,000
entries a worker holds under load costs such misses that instructions do not show (each request frees
the oldest entry, long out of the L2). Four cachegrind runs, two at a time: a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARM_UP = 6000
FILL = 5000  # the journal buffer's size: these requests replace every warm-up entry


def child(mix_index: int, capture: bool, count: int) -> None:
    """Inside cachegrind: warm up, then ``count`` requests (``capture`` False: the journal's capture a no-op)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from inprocess_bench import SPEC31, Call, serve_config
    from request_cost import fresh_caller
    from serve_bench import derive_mixes

    import mockserver.http.dispatch as dispatch
    from mockserver import create_app
    from mockserver.modes.journal_rows import keep_environs_in_place

    keep_environs_in_place()  # as on `apitwin serve`'s default server, granian (each environ is fresh here too)
    app = create_app([SPEC31], serve_config(journal=True))
    gc.freeze()  # as `apitwin serve` freezes the app it built: a full collection walks only what came after
    call = Call(app, derive_mixes(SPEC31)[mix_index])
    fresh = fresh_caller(call)
    for _ in range(WARM_UP):
        fresh()
    call.journal._stop_flusher()  # nothing written while counting: under load nothing is
    if not capture:
        def skip(*args: Any, **kwargs: Any) -> None:
            return None
        dispatch._record = skip
    for _ in range(FILL + count):
        fresh()


def l2_geometry() -> str:
    """cachegrind's ``--LL`` for one core's L2 of this machine (size,associativity,line size in bytes)."""
    index = Path("/sys/devices/system/cpu/cpu0/cache/index2")
    try:
        size = index.joinpath("size").read_text().strip()
        ways = int(index.joinpath("ways_of_associativity").read_text())
        line = int(index.joinpath("coherency_line_size").read_text())
        level = index.joinpath("level").read_text().strip()
        total = int(size[:-1]) * 1024 if size.endswith("K") else int(size)
    except (OSError, ValueError):
        return "1048576,16,64"
    sets = total // (ways * line) if ways and line else 0
    if level != "2" or sets <= 0 or sets & (sets - 1):  # cachegrind needs a power of two of sets
        return "1048576,16,64"
    return f"{total},{ways},{line}"


def counted(mix_index: int, capture: bool, count: int) -> tuple[int, int, int]:
    """(instructions, D1 misses, L2 misses) of a whole child run under cachegrind."""
    with tempfile.TemporaryDirectory(prefix="apitwin-cachegrind-") as folder:
        out = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--LL={l2_geometry()}",
             f"--cachegrind-out-file={folder}/cg.out",
             sys.executable, __file__, "--child", str(mix_index), str(int(capture)), str(count)],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"}).stderr
    refs = re.search(r"I\s+refs:\s+([\d,]+)", out)
    misses = re.search(r"D1\s+misses:\s+([\d,]+)", out)
    l2 = re.search(r"LLd\s+misses:\s+([\d,]+)", out)
    if refs is None or misses is None or l2 is None:
        raise RuntimeError(f"cachegrind printed no counts:\n{out[-2000:]}")
    def number(found: re.Match[str]) -> int:
        return int(found.group(1).replace(",", ""))

    return number(refs), number(misses), number(l2)


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--mix", type=int, choices=(0, 1, 2), default=0)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench: valgrind is needed (Debian: apt-get install valgrind)")
    runs = [(capture, count) for capture in (True, False) for count in (0, args.requests)]
    # the spec's load record written first, outside cachegrind: a child that found none would load it cold
    subprocess.run([sys.executable, __file__, "--child", str(args.mix), "1", "0"], check=True, capture_output=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(runs, pool.map(lambda run: counted(args.mix, *run), runs), strict=True))
    per = {capture: tuple((results[(capture, args.requests)][i] - results[(capture, 0)][i]) / args.requests
                          for i in (0, 1, 2)) for capture in (True, False)}
    (on_ir, on_d1, on_l2), (off_ir, off_d1, off_l2) = per[True], per[False]
    print(f"mix {args.mix}, {args.requests} requests counted (cachegrind, PYTHONHASHSEED=0; L2 as simulated: "
          f"{l2_geometry()})")
    print(f"{'':24} {'instructions':>13} {'D1 misses':>10} {'L2 misses':>10}")
    print(f"{'journal on':24} {on_ir:13.0f} {on_d1:10.0f} {on_l2:10.1f}")
    print(f"{'capture a no-op':24} {off_ir:13.0f} {off_d1:10.0f} {off_l2:10.1f}")
    print(f"{'the journal':24} {on_ir - off_ir:13.0f} {on_d1 - off_d1:10.0f} {on_l2 - off_l2:10.1f}   "
          f"{100 * (on_ir - off_ir) / off_ir:.1f}% of the request's instructions (target <= 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
