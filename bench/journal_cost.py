"""The journal's cost on the request path, counted rather than timed: instructions and D1 misses per request.

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
every run. Four cachegrind runs, two at a time: about 10 minutes on 2 cores.
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


def counted(mix_index: int, capture: bool, count: int) -> tuple[int, int]:
    """(instructions, D1 misses) of a whole child run under cachegrind."""
    with tempfile.TemporaryDirectory(prefix="apitwin-cachegrind-") as folder:
        out = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--cachegrind-out-file={folder}/cg.out",
             sys.executable, __file__, "--child", str(mix_index), str(int(capture)), str(count)],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"}).stderr
    refs = re.search(r"I\s+refs:\s+([\d,]+)", out)
    misses = re.search(r"D1\s+misses:\s+([\d,]+)", out)
    if refs is None or misses is None:
        raise RuntimeError(f"cachegrind printed no counts:\n{out[-2000:]}")
    return int(refs.group(1).replace(",", "")), int(misses.group(1).replace(",", ""))


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
                          for i in (0, 1)) for capture in (True, False)}
    (on_ir, on_d1), (off_ir, off_d1) = per[True], per[False]
    print(f"mix {args.mix}, {args.requests} requests counted (cachegrind, PYTHONHASHSEED=0)")
    print(f"{'':24} {'instructions':>13} {'D1 misses':>10}")
    print(f"{'journal on':24} {on_ir:13.0f} {on_d1:10.0f}")
    print(f"{'capture a no-op':24} {off_ir:13.0f} {off_d1:10.0f}")
    print(f"{'the journal':24} {on_ir - off_ir:13.0f} {on_d1 - off_d1:10.0f}   "
          f"{100 * (on_ir - off_ir) / off_ir:.1f}% of the request's instructions (target <= 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
