"""Start-up time of `apitwin serve`: process start to first answer, cold and warm cache, with baselines.

    python bench/startup_bench.py [SPEC ...] [--runs 5] [--no-prism]

With no SPEC, every spec in specs/ is served together (the target: under 1.5 s).
"Cold" starts with an empty cache folder (every spec and example validated);
"warm" reuses the cache a previous start wrote. Baselines measured in the same run:
a bare Flask app under gunicorn (the floor for any Python server here) and Prism
serving the same (first) spec.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_start(cmd: list[str], url: str, env: dict[str, str], timeout: float = 120) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{cmd[0]} did not answer in {timeout}s")
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-prism", action="store_true")
    args = parser.parse_args()
    specs = [str(Path(s).resolve()) for s in args.specs]
    label = ", ".join(Path(s).name for s in specs) or "every spec in specs/"
    cache = tempfile.mkdtemp(prefix="apitwin-cache-")
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    rows: list[tuple[str, list[float]]] = []

    def apitwin_cmd(port: int) -> list[str]:
        return [str(BIN / "apitwin"), "serve", *specs, "--port", str(port), "--workers", "2", "--log-level", "error"]

    cold = []
    for _ in range(args.runs):
        shutil.rmtree(cache, ignore_errors=True)
        port = free_port()
        cold.append(time_start(apitwin_cmd(port), f"http://127.0.0.1:{port}/__apitwin/health", env))
    rows.append(("apitwin, cold cache", cold))
    warm = []
    for _ in range(args.runs):
        port = free_port()
        warm.append(time_start(apitwin_cmd(port), f"http://127.0.0.1:{port}/__apitwin/health", env))
    rows.append(("apitwin, warm cache", warm))
    bare = []
    for _ in range(args.runs):
        port = free_port()
        bare.append(time_start([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(HERE),
                                "bare_app:app"], f"http://127.0.0.1:{port}/x", env))
    rows.append(("bare Flask (gunicorn)", bare))
    prism = HERE / "node_modules" / ".bin" / "prism"
    if not args.no_prism and prism.exists() and specs:
        times = []
        try:
            for _ in range(args.runs):
                port = free_port()
                times.append(time_start([str(prism), "mock", specs[0], "-p", str(port), "-h", "127.0.0.1", "-v",
                                         "error"], f"http://127.0.0.1:{port}/", env))
            rows.append((f"Prism ({Path(specs[0]).name})", times))
        except RuntimeError as exc:
            print(f"Prism could not serve {Path(specs[0]).name}: {exc}")
    shutil.rmtree(cache, ignore_errors=True)
    print(f"start-up to first answer, {label}; median of {args.runs} runs\n")
    for name, times in rows:
        print(f"{name:32} {statistics.median(times):6.2f} s   (min {min(times):.2f}, max {max(times):.2f})")
    base = statistics.median(bare)
    print(f"\napitwin warm / bare Flask: {statistics.median(warm) / base:.2f}x; "
          f"cold / bare Flask: {statistics.median(cold) / base:.2f}x")
    if not specs:
        verdict = "met" if statistics.median(cold) < 1.5 else "missed"
        print(f"target: all specs under 1.5 s (cold): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
