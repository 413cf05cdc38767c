"""apitwin's own work per request, counted rather than timed: instructions per request of each mix.

    python bench/request_cost.py [--requests 4000] [--against REV]

The WSGI app of the API node spec in OpenAPI 3.1 and of its 3.0 twin answers each mix of
bench/serve_bench.py (GET with path parameters, POST valid, POST invalid) in process, under
valgrind's cachegrind (Debian package ``valgrind``), with the settings of ``apitwin serve``:
request and response validation on, refused requests logged (to a null stream) as ``serve``
logs them, the journal off (its cost is bench/journal_cost.py's). Each mix runs twice, with 0
and with ``--requests`` requests after a warm-up of 3,000 (the objects alive then frozen, as
they would have aged in a worker: no collection pass walks them while counting), fresh header
strings per request as a server makes them; the difference over ``--requests`` is the count per
request, the same on every run (``PYTHONHASHSEED=0``). A timed run on a shared 2-core machine
spreads by more than most changes gain or lose; a count does not.

``--against REV``: the same counts for a git revision of this repository (checked out in a
temporary worktree), and each mix's ratio now / then. Two cachegrind runs at a time: about
five minutes, ten with ``--against``.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARM_UP = 3000
SPECS = ("3.1", "3.0")
MIXES = ("GET with path parameters", "POST valid body", "POST invalid body")


def fresh_caller(call: Any) -> Callable[[], None]:
    """What answers ``call``'s request (an ``inprocess_bench.Call``) once, its header strings made anew each time
    as a server makes them (a string the app has seen carries its hash: a server's do not)."""
    body = call.body

    def fresh() -> None:
        environ = {k: (v.encode().decode() if isinstance(v, str) and k.startswith(("HTTP_", "PATH", "REQUEST"))
                       else v) for k, v in call.environ.items()}
        environ["wsgi.input"] = io.BytesIO(body)
        for _ in call.app(environ, call._start):
            pass

    return fresh


def child(tree: Path, version: str, mix_index: int, count: int) -> None:
    """Inside cachegrind, with ``tree``'s code: warm up, freeze what is alive, then ``count`` requests."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import gc

    from inprocess_bench import SPEC30, SPEC31, Call, serve_config
    from serve_bench import derive_mixes

    from mockserver import create_app

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - open until the child's exit
    logger = logging.getLogger("apitwin")  # as `apitwin serve` sets it up: refused requests logged at INFO
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    spec = SPEC31 if version == "3.1" else SPEC30
    fresh = fresh_caller(Call(create_app([spec], serve_config(journal=False)), derive_mixes(spec)[mix_index]))
    for _ in range(WARM_UP):
        fresh()
    gc.collect()
    gc.freeze()
    for _ in range(count):
        fresh()
    os._exit(0)  # no teardown counted


def counted(tree: Path, version: str, mix_index: int, count: int) -> int:
    """The instructions of a whole child run under cachegrind."""
    with tempfile.TemporaryDirectory(prefix="apitwin-cachegrind-") as folder:
        out = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={folder}/cg.out",
             sys.executable, __file__, "--child", str(tree), version, str(mix_index), str(count)],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"}).stderr
    refs = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if refs is None:
        raise RuntimeError(f"cachegrind printed no count:\n{out[-2000:]}")
    return int(refs.group(1).replace(",", ""))


def per_request(tree: Path, requests: int) -> dict[tuple[str, int], float]:
    """(spec version, mix) -> instructions per request, for the code of ``tree``."""
    runs = [(version, mix, count) for version in SPECS for mix in range(len(MIXES)) for count in (0, requests)]
    # each spec's load record written first, outside cachegrind: a child that found none would load the spec cold
    # (compiling every operation), and which of two children racing on a fresh tree did so changed the difference
    for version in SPECS:
        subprocess.run([sys.executable, __file__, "--child", str(tree), version, "0", "0"], check=True,
                       capture_output=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = dict(zip(runs, pool.map(lambda run: counted(tree, *run), runs), strict=True))
    return {(version, mix): (totals[(version, mix, requests)] - totals[(version, mix, 0)]) / requests
            for version in SPECS for mix in range(len(MIXES))}


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--against", metavar="REV", help="a git revision to count too, and compare with")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench: valgrind is needed (Debian: apt-get install valgrind)")
    now = per_request(ROOT, args.requests)
    then: dict[tuple[str, int], float] = {}
    if args.against:
        with tempfile.TemporaryDirectory(prefix="apitwin-against-") as folder:
            tree = Path(folder) / "tree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.against],
                           check=True, capture_output=True)
            try:
                then = per_request(tree, args.requests)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                               check=False, capture_output=True)
    print(f"instructions per request, in process ({args.requests} requests counted with cachegrind, "
          f"PYTHONHASHSEED=0; journal off, refused requests logged)")
    header = f"{'mix':28} {'spec':>4} {'now':>10}"
    print(header + (f" {args.against[:12]:>12} {'now/then':>9}" if then else ""))
    for version in SPECS:
        for mix, name in enumerate(MIXES):
            line = f"{name:28} {version:>4} {now[(version, mix)]:10,.0f}"
            if then:
                line += f" {then[(version, mix)]:12,.0f} {now[(version, mix)] / then[(version, mix)]:9.3f}"
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
