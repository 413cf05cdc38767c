"""The HTTP servers `apitwin serve` could run on, side by side in one run: which is the fastest, by how much.

    python bench/servers_bench.py [SPEC] [--duration 5] [--repeat 3] [--connections 32] [--workers N]

Three apps on each candidate server: a bare WSGI app that does nothing (the server's own
ceiling), a bare Flask route, and apitwin's app as `apitwin serve --server X` serves it (its
defaults: validation of requests and responses, the journal). Candidates: granian (the
default), gunicorn sync workers (the previous default), waitress (the Windows fallback), and
pyruvate (a Rust WSGI server, one process; measured if installed: `pip install pyruvate`).
Each server runs with the worker count `apitwin serve` gives it (`--workers` to force one).

Then the mix "with 5 stalled connections alongside the load": five idle connections that send
nothing and five `Prefer: delay=12000` requests kept in flight while wrk loads the GET mix; the
p99 of the others and their timeouts (wrk's timeout is raised to 30 s so that a stalled answer
counts in the p99 instead of vanishing).

Load comes from wrk (Debian package `wrk`) on loopback, 2 threads; on a 2-core machine wrk, this
script and the server share the cores, so compare the ratios printed, within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from serve_bench import AUTH, WORK_US, Mix, derive_mixes, free_port, stop, wait_ready  # noqa: E402

from mockserver.config import default_workers  # noqa: E402

SERVERS = ("granian", "gunicorn", "waitress", "pyruvate")
BARE_BODY = b'{"result":{"prediction":"1","probaPercentile":72,"probas":{"0":0.19,"1":0.81}},"timing":{"wait":4}}'


def bare(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A WSGI app that does nothing: what the server alone costs."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BARE_BODY)))])
    return [BARE_BODY]


def work(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The do-nothing app after :data:`WORK_US` µs of Python (a busy loop holding the GIL, as an app's work does)."""
    end = time.perf_counter() + WORK_US / 1e6
    while time.perf_counter() < end:
        pass
    return bare(environ, start_response)


def child(server: str, target: str, port: int, workers: int) -> None:
    """Serve ``target`` (bare, work or flask) on ``server`` as `apitwin serve` runs it (this process is the server)."""
    app: Any = work if target == "work" else bare
    if target == "flask":
        from bare_app import app
    if server == "pyruvate":
        import pyruvate

        pyruvate.serve(app, f"127.0.0.1:{port}", workers * 4)
        return
    from mockserver.http.server import serve

    serve(app, port=port, workers=workers, server=server)


def start(server: str, target: str, spec: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if target == "apitwin":
        cmd = [str(Path(sys.executable).parent / "apitwin"), "serve", str(spec), "--port", str(port),
               "--workers", str(workers), "--server", server, "--log-level", "error", "--no-reload"]
    else:
        cmd = [sys.executable, __file__, "--child", server, target, str(port), str(workers)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, mix: Mix, duration: int, connections: int, timeout_s: int = 2) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{mix.method}"\nwrk.headers["Authorization"] = "{AUTH}"\n')
        if mix.body is not None:
            script.write(f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(mix.body)}\n')
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout_s}s",
                              "--latency", "-s", script.name, url + mix.path], capture_output=True, text=True,
                             timeout=duration + timeout_s + 30).stdout
    finally:
        os.unlink(script.name)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"\s99%\s+(\S+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p99": _ms(p99.group(1)) if p99 else float("nan"),
            "timeouts": float(timeouts.group(1)) if timeouts else 0.0}


class Stalls:
    """Five idle connections (nothing sent) and five `Prefer: delay=12000` requests kept in flight."""

    def __init__(self, url: str, port: int, path: str) -> None:
        self.url, self.port, self.path = url, port, path
        self.running = threading.Event()
        self.sockets: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._delayed, daemon=True) for _ in range(5)]

    def _delayed(self) -> None:
        request = urllib.request.Request(self.url + self.path, headers={"Authorization": AUTH,
                                                                        "Prefer": "delay=12000"})
        while self.running.is_set():
            try:
                urllib.request.urlopen(request, timeout=60).read()
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)

    def __enter__(self) -> Stalls:
        self.running.set()
        self.sockets = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(5)]
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)  # let the delayed requests reach the server before the load starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.running.clear()
        for sock in self.sockets:
            sock.close()


def measure(server: str, target: str, spec: Path, mixes: list[Mix], args: argparse.Namespace,
            workers: int) -> dict[str, dict[str, float]]:
    port = free_port()
    proc = start(server, target, spec, port, workers)
    url = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    try:
        wait_ready(url + mixes[0].path, proc)
        run_wrk(url, mixes[0], 2, args.connections)  # warm-up
        for mix in mixes:
            runs = sorted((run_wrk(url, mix, args.duration, args.connections) for _ in range(args.repeat)),
                          key=lambda r: r["rps"])
            results[mix.name] = runs[len(runs) // 2]
        if target == "apitwin":
            with Stalls(url, port, mixes[0].path):
                results["stalled"] = run_wrk(url, mixes[0], args.duration, args.connections, timeout_s=30)
    finally:
        stop(proc)
    return results


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", nargs="?", default=str(ROOT / "specs" / "dataiku-apinode.yaml"))
    parser.add_argument("--duration", type=int, default=5, help="seconds per server, app and mix")
    parser.add_argument("--repeat", type=int, default=3, help="runs per server, app and mix; the median is kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None, help="[default: what apitwin serve gives each server]")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset of " + ", ".join(SERVERS))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is needed (Debian: apt-get install wrk)")
    spec = Path(args.spec).resolve()
    mixes = derive_mixes(spec)
    servers = [s for s in args.servers.split(",") if s]
    if "pyruvate" in servers:
        try:
            import pyruvate  # noqa: F401
        except ImportError:
            print("bench: pyruvate not installed (pip install pyruvate); skipped")
            servers.remove("pyruvate")
    root = Mix("GET /", "GET", "/")
    table: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    workers_of = {s: args.workers or (1 if s == "pyruvate" else default_workers(s)) for s in servers}
    for target, target_mixes in (("bare", [root]), ("flask", [root]), ("apitwin", mixes)):
        for server in servers:
            if target == "apitwin" and server == "pyruvate":
                continue  # apitwin serve does not run on it
            table[(target, server)] = measure(server, target, spec, target_mixes, args, workers_of[server])
    print(f"\nspec {spec.name}; wrk 2 threads, {args.connections} connections, median of {args.repeat} runs of "
          f"{args.duration}s; {os.cpu_count()} cores (shared with wrk and this script); workers: "
          + ", ".join(f"{s} {w}" + (" (threads)" if s == "pyruvate" else "") for s, w in workers_of.items()) + "\n")
    print(f"{'app':8} {'mix':30} {'server':9} {'req/s':>9} {'p99 ms':>9} {'x gunicorn':>10}")
    for (target, server), results in table.items():
        for mix_name, r in results.items():
            base = table.get((target, "gunicorn"), {}).get(mix_name)
            ratio = f"{r['rps'] / base['rps']:10.2f}" if base and base["rps"] else f"{'-':>10}"
            name = "GET, 5 stalled alongside" if mix_name == "stalled" else mix_name
            extra = f"  ({r['timeouts']:.0f} timeouts)" if mix_name == "stalled" else ""
            if not r["rps"]:
                extra = "  (no request answered during the run: every worker stalled)"
            print(f"{target:8} {name:30} {server:9} {r['rps']:9.0f} {r['p99']:9.2f} {ratio}{extra}")
    print()
    for target in ("bare", "flask", "apitwin"):
        ranked = sorted(((s, table[(target, s)]) for s in servers if (target, s) in table),
                        key=lambda item: -min(r["rps"] for k, r in item[1].items() if k != "stalled"))
        if ranked:
            print(f"{target}: fastest {ranked[0][0]} (by its slowest mix)")
    if ("apitwin", "granian") in table:
        g = table[("apitwin", "granian")]
        print(f"apitwin on granian, GET p99 {g[mixes[0].name]['p99']:.2f} ms alone, "
              f"{g['stalled']['p99']:.2f} ms with 5 stalled connections and 5 delayed requests alongside")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
