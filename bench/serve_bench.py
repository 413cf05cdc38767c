"""Throughput and latency of `apitwin serve` against a bare Flask app and Prism, in the same run.

    python bench/serve_bench.py [SPEC...] [--duration 5] [--repeat 5] [--connections 32] [--no-prism] [--paced 0.5]
                                [--no-journal-apart]

By default the API node spec in OpenAPI 3.1 (``specs/dataiku-apinode.yaml``) and the same API in 3.0
(``tests/data/specs/dataiku-apinode-30.yaml``). Each server runs with the same worker count where it
applies (`apitwin serve` on its default server, granian, with and without ``--no-journal``; the bare
Flask route on gunicorn sync workers, the figure users know, and on granian with apitwin's settings;
Prism ``-v error``, one Node process; and a WSGI app that does nothing on granian, the server's own
figures, its p99 the floor under apitwin's; the same app after ``WORK_US`` µs of Python per request,
less than apitwin's own work, the floor under apitwin's p99 for any Python app on granian; and nginx
answering a fixed body, where installed: the machine's floor). Three request mixes are derived from each
spec: a GET with path parameters, a POST with a documented valid body, and the same POST with an invalid
body. Every server is up at once and the runs are interleaved, ``--repeat`` rounds, the order reversed every other round
(a shared machine's load changes weigh on all alike); a server's figure is its median run, the journal's
cost the median of the rounds' on/off ratios (each round runs the two back to back). After each run of an
apitwin with its journal on, a read of the journal has its workers write the entries they hold, so that
they are not written during the next server's run. Load comes from wrk (Debian package `wrk`), bounded in
time and on loopback only.

Prints requests/s, p50 and p99 per server and mix (and the share of the CPU the machine's host took during
each run, ``steal``: a fast server's p99 follows it), then each ratio of issue 14 beside its target with
PASS or FAIL: apitwin/Flask on gunicorn (>= 2), apitwin/Flask on granian (>= 0.8), apitwin/Prism
(>= 4), apitwin's p99 against the Flask route's on gunicorn (no worse), the journal on/off (>= 0.95).
Then (``--paced``) the p99s of the Flask route on gunicorn and of apitwin at the same offered load,
half the Flask route's throughput by default: information beside the verdicts, which are at saturation.
Then the journal's cost apart from the machine's noise (unless ``--no-journal-apart``): `apitwin serve` with one
worker, journal on and off, all its threads on one CPU and wrk on another (``taskset``), twice ``--repeat``
rounds.
Then apitwin's own work per request in process (``bench/inprocess_bench.py``: the app alone, no HTTP,
both specs, journal on and off), and the RSS of each worker of ``apitwin serve`` with the five shipped
specs over a ``--rss-seconds`` run of the three mixes: after warm-up, at the end, the growth in MB.
Prism is looked for in ``bench/node_modules`` (``npm install --prefix bench @stoplight/prism-cli@5.16``),
then in the tests' npm cache (``~/.cache/apitwin-tests/node``, or ``$APITWIN_TEST_CACHE/node``).
bench/servers_bench.py compares the servers themselves.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import json
import os
import re
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from mockserver import load_spec  # noqa: E402
from mockserver.http.gunicorn_server import THREADS, WORKER_CLASS  # noqa: E402
from mockserver.spec import deref, iter_operations  # noqa: E402

AUTH = "Basic " + base64.b64encode(b"bench-key:").decode()
#: the Python work a request of the ``work`` app (bench/servers_bench.py) costs, in µs: less than any mix of
#: apitwin's own in process (bench/inprocess_bench.py), so that app's p99 is a floor under apitwin's on granian
WORK_US = 20


@dataclass
class Mix:
    name: str
    method: str
    path: str
    body: str | None = None
    prefix: str = ""

    def path_for(self, kind: str) -> str:
        """Prism ignores the servers' path prefix; apitwin and the bare app take the full path."""
        return self.path[len(self.prefix):] if kind == "prism" and self.prefix else self.path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def example_value(document: dict[str, Any], param: dict[str, Any]) -> str:
    if "example" in param:
        return str(param["example"])
    schema = deref(document, param.get("schema") or {})
    for key in ("example", "default"):
        if key in schema:
            return str(schema[key])
    if schema.get("examples"):
        return str(schema["examples"][0])
    if schema.get("enum"):
        return str(schema["enum"][0])
    return "1" if schema.get("type") in ("integer", "number") else "abc"


def derive_mixes(spec_path: Path) -> list[Mix]:
    spec = load_spec(spec_path)
    document = spec.document
    get_mix = post_valid = post_invalid = None
    for op in iter_operations(spec):
        prefix = op.prefixes[0]
        path = prefix + op.path
        for param, _ in op.parameters:
            if param.get("in") == "path":
                path = path.replace("{" + str(param["name"]) + "}", example_value(document, param))
        if any(p.get("in") == "query" and p.get("required") for p, _ in op.parameters):
            continue
        if op.method == "get" and "{" in op.path and get_mix is None:
            get_mix = Mix("GET with path parameters", "GET", path, prefix=prefix)
        if op.method == "post" and op.request_body and post_valid is None:
            media = (op.request_body.get("content") or {}).get("application/json") or {}
            examples = media.get("examples") or {}
            first = next(iter(examples.values()), None)
            value = deref(document, first).get("value") if first else media.get("example")
            if value is None:
                continue
            post_valid = Mix("POST valid body", "POST", path, json.dumps(value), prefix)
            schema = deref(document, media.get("schema") or {})
            invalid: Any = [1, 2] if schema.get("type") == "object" or "properties" in schema else {"not": "valid"}
            post_invalid = Mix("POST invalid body", "POST", path, json.dumps(invalid), prefix)
    mixes = [m for m in (get_mix, post_valid, post_invalid) if m is not None]
    if len(mixes) < 3:
        sys.exit(f"bench: {spec_path} needs a GET with path parameters and a POST with a JSON example")
    return mixes


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server not ready at {url}")


def find_prism() -> Path | None:
    """Prism installed for the bench, else the one the tests installed into their npm cache."""
    cache = Path(os.environ.get("APITWIN_TEST_CACHE", Path.home() / ".cache" / "apitwin-tests"))
    for prism in (HERE / "node_modules" / ".bin" / "prism", cache / "node" / "node_modules" / ".bin" / "prism"):
        if prism.exists():
            return prism
    return None


def on_cpu(cpu: int | None) -> list[str]:
    """The prefix that runs a command (its threads and children too) on CPU ``cpu`` only (None: nothing)."""
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


def start(kind: str, spec: Path | None, port: int, workers: int, cpu: int | None = None) -> subprocess.Popen[bytes]:
    """``spec`` None: apitwin with the five shipped specs; ``cpu`` (apitwin): every process of it on that CPU."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}
    if kind in ("apitwin", "apitwin-nj"):
        cmd = [*on_cpu(cpu), str(Path(sys.executable).parent / "apitwin"), "serve", *([str(spec)] if spec else []),
               "--port", str(port), "--workers", str(workers),  # its defaults: the log of refused requests too
               *(["--no-journal"] if kind == "apitwin-nj" else []),
               *(["--no-pin-workers"] if cpu is not None else [])]
    elif kind in ("flask-granian", "bare-granian", "work-granian"):  # on apitwin's granian settings (servers_bench)
        target = {"flask-granian": "flask", "bare-granian": "bare", "work-granian": "work"}[kind]
        cmd = [sys.executable, str(HERE / "servers_bench.py"), "--child", "granian", target, str(port), str(workers)]
    elif kind == "flask":
        # the same gunicorn settings as `apitwin serve` (mockserver.http.server.gunicorn_settings)
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-k", WORKER_CLASS,
               "--threads", str(THREADS), "-b", f"127.0.0.1:{port}", "--log-level", "error",
               "-c", "python:gunicorn_conf", "--chdir", str(HERE), "bare_app:app"]
    elif kind == "nginx":
        conf = nginx_conf(port, workers)
        cmd = [str(shutil.which("nginx")), "-c", conf, "-e", str(Path(conf).parent / "error.log"), "-g", "daemon off;"]
    else:
        cmd = [str(find_prism()), "mock", str(spec), "-p", str(port), "-h", "127.0.0.1", "-v", "error"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)


def nginx_conf(port: int, workers: int) -> str:
    """An nginx answering every request with a fixed JSON body (the machine's floor: a C server that does
    nothing), its files in a temporary folder removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="apitwin-bench-nginx-"))
    atexit.register(shutil.rmtree, folder, True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"worker_processes {workers};\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; client_body_temp_path {folder};\n"
        f"  server {{ listen 127.0.0.1:{port}; location / {{ default_type application/json;"
        f" return 200 '{{\"result\":{{\"prediction\":\"1\"}}}}'; }} }} }}\n")
    return str(conf)


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_steal() -> tuple[int, int]:
    """(steal, total) jiffies of the machine so far (/proc/stat): the CPU time a virtual machine's host took
    from it. A fast server's p99 here follows it (ARCHITECTURE.md, Decisions); (0, 0) where not Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def run_wrk(url: str, mix: Mix, kind: str, duration: int, connections: int,
            pause_ms: float | None = None, cpu: int | None = None) -> dict[str, float]:
    """One wrk run of ``mix``: as fast as the server answers, or (``pause_ms``) each connection waiting that long
    after each answer before its next request (an offered load below the server's limit); ``cpu``: wrk on that
    CPU only."""
    script = _script(mix, pause_ms)
    steal_before, total_before = cpu_steal()
    try:
        out = subprocess.run([*on_cpu(cpu), "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
                              script, url + mix.path_for(kind)], capture_output=True, text=True,
                             timeout=duration + 30).stdout
    finally:
        os.unlink(script)
    if kind == "apitwin":
        settle_journal(url)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    steal_after, total_after = cpu_steal()
    steal = 100 * (steal_after - steal_before) / (total_after - total_before) if total_after > total_before else 0.0
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": float(errors.group(1)) if errors else 0.0, "steal": steal}


def settle_journal(url: str) -> None:
    """Have an apitwin's workers write the journal entries they hold now, before the next run: a read makes
    every worker write what it holds and waits for them. Left alone, a worker writes them once it is quiet,
    on its CPU, during the next server's run (about 75 ms of CPU a worker for 5,000 entries)."""
    with urllib.request.urlopen(f"{url}/__apitwin/requests?limit=1", timeout=60) as answer:
        answer.read()


def check_answers(url: str, mixes: list[Mix], kind: str) -> dict[str, int]:
    statuses = {}
    for mix in mixes:
        request = urllib.request.Request(url + mix.path_for(kind), method=mix.method,
                                         data=mix.body.encode() if mix.body else None,
                                         headers={"Authorization": AUTH, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                statuses[mix.name] = response.status
        except urllib.error.HTTPError as exc:
            statuses[mix.name] = exc.code
    return statuses


SPECS = [ROOT / "specs" / "dataiku-apinode.yaml", ROOT / "tests" / "data" / "specs" / "dataiku-apinode-30.yaml"]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", nargs="*", help="default: the API node spec in OpenAPI 3.1 and its 3.0 twin")
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds; the median is kept")
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--paced", type=float, default=0.5, metavar="SHARE",
                        help="then the p99s at the same offered load: this share of the Flask route's throughput on"
                             " gunicorn, for it and apitwin (0: skip)")
    parser.add_argument("--no-journal-apart", action="store_true",
                        help="skip the journal's cost measured with the server and wrk on CPUs of their own")
    parser.add_argument("--rss-seconds", type=int, default=60, help="the RSS run's length (0: skip it)")
    parser.add_argument("--inprocess-seconds", type=float, default=0.5,
                        help="seconds per in-process measurement (0: skip bench/inprocess_bench.py)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is needed (Debian: apt-get install wrk)")
    specs = [Path(p).resolve() for p in args.spec] or SPECS
    labels = [f"{load_spec(p).document.get('openapi', '?')} {p.name}" for p in specs]
    mixes = {label: derive_mixes(spec) for label, spec in zip(labels, specs, strict=True)}
    prism = None if args.no_prism else find_prism()
    if prism is None and not args.no_prism:
        print("bench: Prism not installed (npm install --prefix bench @stoplight/prism-cli@5.16); skipped")
    # servers: name -> (kind, spec); the bare Flask route ignores the spec (its baseline is measured with the
    # first spec's mixes: the twin's requests are the same)
    servers: dict[str, tuple[str, Path | None]] = {"flask": ("flask", None), "flask-granian": ("flask-granian", None),
                                                   "bare-granian": ("bare-granian", None),
                                                   "work-granian": ("work-granian", None)}
    if shutil.which("nginx"):
        servers["nginx"] = ("nginx", None)
    else:
        print("bench: nginx not installed (Debian: apt-get install nginx-light); its floor row skipped")
    for label, spec in zip(labels, specs, strict=True):
        servers[f"apitwin {label}"] = ("apitwin", spec)
        servers[f"apitwin-nj {label}"] = ("apitwin-nj", spec)
        if prism is not None:
            servers[f"prism {label}"] = ("prism", spec)
    first = labels[0]

    def mix_of(server: str, index: int) -> Mix:
        label = next((lab for lab in labels if server.endswith(" " + lab)), first)
        return mixes[label][index]

    runs: dict[str, dict[str, list[dict[str, float]]]] = {name: {} for name in servers}
    procs: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for name, (kind, served) in servers.items():  # every server up at once (idle ones cost nothing)
            port = free_port()
            proc = start(kind, served or specs[0], port, args.workers)
            url = f"http://127.0.0.1:{port}"
            procs[name] = (proc, url)
            server_mixes = [mix_of(name, i) for i in range(3)]
            wait_ready(url + server_mixes[0].path_for(kind), proc)
            statuses = check_answers(url, server_mixes, kind)
            print(f"{name:40} answers: " + ", ".join(f"{k}: {v}" for k, v in statuses.items()))
            run_wrk(url, server_mixes[0], kind, 2, args.connections)  # warm-up
        for index in range(3):
            for round_ in range(args.repeat):
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                for name in order:
                    kind = servers[name][0]
                    mix = mix_of(name, index)
                    runs[name].setdefault(mix.name, []).append(
                        run_wrk(procs[name][1], mix, kind, args.duration, args.connections))
        paced = paced_runs(servers, procs, runs, mix_of, args) if args.paced else {}
    finally:
        for proc, _ in procs.values():
            stop(proc)
    results = {name: {mix: sorted(rs, key=lambda r: r["rps"])[len(rs) // 2] for mix, rs in by_mix.items()}
               for name, by_mix in runs.items()}
    print(f"\ngunicorn {args.workers} workers ({WORKER_CLASS}, {THREADS} threads); apitwin and the Flask route on "
          f"granian {args.workers} workers; wrk 2 threads, {args.connections} connections; median of {args.repeat} "
          f"interleaved runs of {args.duration} s; {os.cpu_count()} cores (shared with other jobs: compare "
          f"ratios within this run)\n")
    print(f"{'mix':26} {'server':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  {'req/s of the runs (steal %)'}")
    mix_names = [m.name for m in mixes[first]]
    for mix_name in mix_names:
        for name in servers:
            r = results[name][mix_name]
            every = " ".join(f"{x['rps']:.0f} ({x['steal']:.0f})" for x in runs[name][mix_name])
            print(f"{mix_name:26} {name:40} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f}  {every}")
    failed = 0
    print("\nratios (target, verdict)")
    for label in labels:
        print(f"  {label}")
        for mix_name in mix_names:
            a = results[f"apitwin {label}"][mix_name]
            checks: list[tuple[str, float, str, bool]] = []
            ratio = a["rps"] / results["flask"][mix_name]["rps"]
            checks.append(("apitwin/flask-gunicorn", ratio, ">= 2", ratio >= 2))
            ratio = a["rps"] / results["flask-granian"][mix_name]["rps"]
            checks.append(("apitwin/flask-granian", ratio, ">= 0.8", ratio >= 0.8))
            if f"prism {label}" in results:
                ratio = a["rps"] / results[f"prism {label}"][mix_name]["rps"]
                checks.append(("apitwin/prism", ratio, ">= 4", ratio >= 4))
            on, off = runs[f"apitwin {label}"][mix_name], runs[f"apitwin-nj {label}"][mix_name]
            pairs = sorted(x["rps"] / y["rps"] for x, y in zip(on, off, strict=True))
            journal = statistics.median(pairs)
            checks.append((f"journal on/off (rounds {pairs[0]:.2f}..{pairs[-1]:.2f})", journal, ">= 0.95",
                           journal >= 0.95))
            flask_p99 = results["flask"][mix_name]["p99"]
            line = f"    {mix_name:26} " + "  ".join(f"{what} {value:.2f} ({target}, {verdict(ok)})"
                                                   for what, value, target, ok in checks)
            p99_ok = a["p99"] <= flask_p99
            line += (f"  p99 {a['p99']:.2f} ms (<= flask-gunicorn's {flask_p99:.2f}, {verdict(p99_ok)}; the server"
                     f" alone: bare-granian's {results['bare-granian'][mix_name]['p99']:.2f}, the same app after"
                     f" {WORK_US} µs of Python (work-granian) {results['work-granian'][mix_name]['p99']:.2f},"
                     f" flask-granian's "
                     f"{results['flask-granian'][mix_name]['p99']:.2f}"
                     + (f", nginx's {results['nginx'][mix_name]['p99']:.2f}" if "nginx" in results else "") + ")")
            line += "; " + _quiet_p99(runs[f"apitwin {label}"][mix_name], runs["flask"][mix_name])
            failed += sum(not ok for *_, ok in checks) + (not p99_ok)
            print(line)
    print(f"(apitwin-nj: apitwin serve --no-journal; load average at the end {os.getloadavg()[0]:.1f})")
    if paced:
        print_paced(paced, mix_names, args)
    if not args.no_journal_apart and len(os.sched_getaffinity(0)) >= 2 and shutil.which("taskset"):
        print_journal_apart(journal_apart(specs, labels, mixes, args), args)
    if args.inprocess_seconds > 0:
        print("\napitwin's own work per request, in process (bench/inprocess_bench.py, no HTTP):", flush=True)
        out = subprocess.run([sys.executable, str(HERE / "inprocess_bench.py"), "--seconds",
                              str(args.inprocess_seconds), "--rss-seconds", "0", "--rounds", "5"],
                             capture_output=True, text=True, check=False).stdout
        print(out[out.find("CPU µs per request"):].rstrip() if "CPU µs per request" in out else out)
    if args.rss_seconds > 0:
        failed += not rss_run(mixes[first], args.workers, args.rss_seconds, args.connections)
    print("\nall targets met" if not failed else f"\n{failed} targets missed")
    return 0


def paced_runs(servers: dict[str, tuple[str, Path | None]], procs: dict[str, tuple[subprocess.Popen[bytes], str]],
               runs: dict[str, dict[str, list[dict[str, float]]]], mix_of: Callable[[str, int], Mix],
               args: argparse.Namespace) -> dict[str, dict[str, list[dict[str, float]]]]:
    """The Flask route on gunicorn and apitwin (journal on) at the same offered load, ``args.paced`` of the Flask
    route's median throughput per mix: each connection pauses between answer and request so that together they
    ask that many requests a second. Below both servers' limits, a p99 is the server's answer time, not the
    length of its queue (at saturation, the slower server's p99 is mostly its queue)."""
    names = ["flask", *(name for name in servers if name.startswith("apitwin "))]
    paced: dict[str, dict[str, list[dict[str, float]]]] = {name: {} for name in names}
    for index in range(3):
        flask_mix = mix_of("flask", index)
        rate = args.paced * statistics.median(r["rps"] for r in runs["flask"][flask_mix.name])
        pause_ms = 1000 * args.connections / rate
        for round_ in range(args.repeat):
            for name in names if round_ % 2 == 0 else reversed(names):
                mix = mix_of(name, index)
                paced[name].setdefault(mix.name, []).append(
                    run_wrk(procs[name][1], mix, servers[name][0], args.duration, args.connections, pause_ms))
    return paced


def journal_apart(specs: list[Path], labels: list[str], mixes: dict[str, list[Mix]],
                  args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    """The journal's cost apart from the machine's noise: `apitwin serve` with one worker, journal on and off,
    each with all its threads on one CPU, and wrk on another, ``2 * args.repeat`` interleaved rounds per mix; label ->
    mix -> the rounds' on/off throughput ratios. Neither then shares a CPU with the other or with wrk, whose
    moves from CPU to CPU make the saturated runs above differ by a quarter from run to run."""
    ratios: dict[str, dict[str, list[float]]] = {}
    server_cpu, wrk_cpu = sorted(os.sched_getaffinity(0))[:2]  # the first two this process may use
    for label, spec in zip(labels, specs, strict=True):
        procs: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        try:
            for kind in ("apitwin", "apitwin-nj"):
                port = free_port()
                proc = start(kind, spec, port, 1, cpu=server_cpu)
                url = f"http://127.0.0.1:{port}"
                procs[kind] = (proc, url)
                wait_ready(url + mixes[label][0].path_for(kind), proc)
                run_wrk(url, mixes[label][0], kind, 2, args.connections, cpu=wrk_cpu)  # warm-up
            for mix in mixes[label]:
                for round_ in range(2 * args.repeat):
                    rps = {}
                    for kind in ("apitwin", "apitwin-nj") if round_ % 2 == 0 else ("apitwin-nj", "apitwin"):
                        rps[kind] = run_wrk(procs[kind][1], mix, kind, args.duration, args.connections,
                                            cpu=wrk_cpu)["rps"]
                    ratios.setdefault(label, {}).setdefault(mix.name, []).append(rps["apitwin"] / rps["apitwin-nj"])
        finally:
            for proc, _ in procs.values():
                stop(proc)
    return ratios


def print_journal_apart(ratios: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    """The journal's on/off ratios measured apart (information beside the verdicts, which are the defaults')."""
    print(f"\njournal on/off apart from the machine's noise (one worker with all its threads on one CPU, wrk on "
          f"another; median of {2 * args.repeat} interleaved rounds; information beside the verdicts above):")
    for label, by_mix in ratios.items():
        cells = []
        for mix_name, values in by_mix.items():
            values = sorted(values)
            cells.append(f"{mix_name} {statistics.median(values):.3f} (rounds {values[0]:.2f}..{values[-1]:.2f})")
        print(f"  {label:30} " + "; ".join(cells) + " (target >= 0.95)")


def print_paced(paced: dict[str, dict[str, list[dict[str, float]]]], mix_names: list[str],
                args: argparse.Namespace) -> None:
    """The p99s at the same offered load (information beside the verdicts: issue 14's p99 target is at saturation)."""
    print(f"\np99 at the same offered load, {args.paced:g} of the Flask route's throughput on gunicorn (each of "
          f"{args.connections} connections pausing between answer and request; median of {args.repeat} runs; "
          f"information, not one of the targets):")
    for mix_name in mix_names:
        cells = []
        for name, by_mix in paced.items():
            rs = by_mix[mix_name]
            cells.append(f"{name} {statistics.median(r['rps'] for r in rs):.0f} req/s, p99 "
                         f"{statistics.median(r['p99'] for r in rs):.2f} ms")
        print(f"  {mix_name:26} " + "; ".join(cells))


#: a run in which the host took less than this share of the CPU (steal, %) counts as one without stalls
QUIET_STEAL = 0.5


def _quiet_p99(apitwin: list[dict[str, float]], flask: list[dict[str, float]]) -> str:
    """The p99s of the runs the host took nothing from (for reading the verdict, not part of it)."""
    def median_p99(rs: list[dict[str, float]]) -> str:
        quiet = [r["p99"] for r in rs if r["steal"] < QUIET_STEAL]
        return f"{statistics.median(quiet):.2f} ms ({len(quiet)} of {len(rs)})" if quiet else f"none of {len(rs)}"
    return f"in runs with no steal: apitwin {median_p99(apitwin)}, flask-gunicorn {median_p99(flask)}"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_of(pid: int) -> list[int]:
    """The worker processes of a server (its children that run the app)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return sorted(children)


def rss_run(mixes: list[Mix], workers: int, seconds: int, connections: int) -> bool:
    """RSS of each worker of `apitwin serve` with the five shipped specs while the three mixes load it in
    turn, sampled every 5 s; flat: the end within 10% (and 10 MB) of the sample after warm-up."""
    port = free_port()
    proc = start("apitwin", None, port, workers)
    ok = True
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url + mixes[0].path, proc)
        check_answers(url, mixes, "apitwin")
        deadline = time.monotonic() + 60
        while len(pids := workers_of(proc.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        samples: dict[int, list[float]] = {pid: [rss_mb(pid)] for pid in pids}
        started = time.monotonic()
        print(f"\nRSS per worker, apitwin serve with the five shipped specs, {workers} workers, {seconds} s of load "
              f"(the three mixes in turn), sampled every 5 s:")
        for mix in mixes * max(1, seconds // (10 * len(mixes))):
            script = _script(mix)
            load = subprocess.Popen(["wrk", "-t2", f"-c{connections}", "-d10s", url + mix.path, "-s", script],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(2):
                time.sleep(5)
                for pid in pids:
                    samples[pid].append(rss_mb(pid))
            load.wait(30)
            os.unlink(script)
            if time.monotonic() - started >= seconds:
                break
        for pid, values in samples.items():
            start_mb, end_mb, top = values[0], values[-1], max(values)
            warm = values[min(2, len(values) - 1)]  # after the first 10 s of load (caches filled, journal buffer full)
            middle = values[len(values) // 2]
            flat = end_mb <= max(warm * 1.10, warm + 10)
            ok &= flat
            print(f"  worker {pid}: idle {start_mb:.0f} MB, after 10 s of load (warm-up) {warm:.0f} MB, end "
                  f"{end_mb:.0f} MB, max {top:.0f} MB; growth after warm-up {end_mb - warm:+.1f} MB, over the second "
                  f"half {end_mb - middle:+.1f} MB (target: within 10% or 10 MB of the warm-up figure, "
                  f"{verdict(flat)}); samples " + " ".join(f"{v:.0f}" for v in values))
    finally:
        stop(proc)
    return ok


def _script(mix: Mix, pause_ms: float | None = None) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{mix.method}"\n')
        script.write(f'wrk.headers["Authorization"] = "{AUTH}"\n')
        if mix.body is not None:
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
            script.write(f"wrk.body = {json.dumps(mix.body)}\n")
        if pause_ms is not None:  # wrk calls delay() before each request of a connection
            script.write(f"function delay() return {pause_ms:.3f} end\n")
    return script.name


if __name__ == "__main__":
    raise SystemExit(main())
