"""apitwin's own work per request, in process: the WSGI app called directly (no HTTP, no server, one thread).

    python bench/inprocess_bench.py [--seconds 1.0] [--rounds 5] [--rss-seconds 60] [--profile MIX]

For the API node spec in OpenAPI 3.1 (``specs/dataiku-apinode.yaml``) and the same API in
OpenAPI 3.0 (``tests/data/specs/dataiku-apinode-30.yaml``, written by ``bench/twin30.py``), three
mixes (GET with path parameters, POST with a valid body, POST with an invalid body; the mixes of
``bench/serve_bench.py``), with the settings of ``apitwin serve`` (request and response validation
on, journal on) and with ``--no-journal``; and a bare Flask route (``bench/bare_app.py``) as the
baseline. Each figure is the least, over ``--rounds`` interleaved rounds, of the CPU µs per request. Prints
the ratios: 3.0 / 3.1, apitwin / Flask, journal on / off (target: at most 1.05).

Then the RSS of one process serving the five shipped specs, sampled every 10 s while it answers
requests for ``--rss-seconds`` (it should stay flat). ``--profile MIX`` prints a cProfile of one
configuration instead (e.g. ``--profile "3.0 POST invalid body journal on"``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from serve_bench import AUTH, Mix, derive_mixes  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from mockserver import MockConfig, create_app  # noqa: E402
from mockserver.files import private_file  # noqa: E402
from mockserver.modes.journal_rows import keep_environs_in_place  # noqa: E402

SPEC31 = ROOT / "specs" / "dataiku-apinode.yaml"
SPEC30 = ROOT / "tests" / "data" / "specs" / "dataiku-apinode-30.yaml"

WSGI = Callable[[dict[str, Any], Any], Iterable[bytes]]


def serve_config(journal: bool) -> MockConfig:
    """The settings `apitwin serve` uses by default (``journal=False``: with ``--no-journal``)."""
    return MockConfig(validate_responses=True, journal=journal,
                      journal_path=private_file("journal.sqlite", prefix="apitwin-bench-") if journal else None)


class Call:
    """One request, replayed against a WSGI app: the environ built once, copied per call."""

    def __init__(self, app: WSGI, mix: Mix) -> None:
        headers = [("Authorization", AUTH)]
        if mix.body is not None:
            headers.append(("Content-Type", "application/json"))
        builder = EnvironBuilder(path=mix.path, method=mix.method, headers=headers,
                                 data=mix.body.encode() if mix.body is not None else None)
        self.environ = builder.get_environ()
        self.body = mix.body.encode() if mix.body is not None else b""
        self.app = app
        self.status = ""
        flask_app = getattr(app, "extensions", None)
        self.journal: Any = flask_app.get("apitwin_journal") if isinstance(flask_app, dict) else None

    def _start(self, status: str, headers: Any, exc_info: Any = None) -> None:
        self.status = status

    def __call__(self) -> None:
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO(self.body)
        result = self.app(environ, self._start)
        for _ in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()


def per_request_us(call: Call, seconds: float) -> float:
    """CPU µs per request over about ``seconds`` of back-to-back calls.

    CPU time of the whole process (every thread: the journal's writer too), so that other processes on a
    shared machine weigh little on the figure. The journal writes its entries when the process is quiet
    (or read): the backlog of a busy run is written after the clock stops, and priced apart
    (:func:`write_us`).
    """
    n = 0
    batch = 50
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(batch):
            call()
        n += batch
    spent = time.process_time() - cpu_started
    if call.journal is not None:
        call.journal.flush()
    return spent / n * 1e6


def write_us(call: Call, count: int = 2000) -> float:
    """CPU µs to write one journal entry of ``call`` (redact, serialise, insert), off the request path."""
    journal = call.journal
    journal.flush()
    for _ in range(count):
        call()
    cpu_started = time.process_time()
    journal.flush()
    return (time.process_time() - cpu_started) / count * 1e6


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_calls() -> tuple[dict[str, Call], list[str]]:
    """name -> call, for every (spec, mix, journal) and the bare Flask route; and the mix names."""
    from bare_app import app as bare

    keep_environs_in_place()  # as on `apitwin serve`'s default server, granian (Call makes each environ anew)
    calls: dict[str, Call] = {}
    mix_names: list[str] = []
    for version, spec in (("3.1", SPEC31), ("3.0", SPEC30)):
        mixes = derive_mixes(spec)
        mix_names = [m.name for m in mixes]
        for journal in (True, False):
            app = create_app([spec], serve_config(journal))
            for mix in mixes:
                calls[f"{version} {mix.name} journal {'on' if journal else 'off'}"] = Call(app, mix)
        for mix in mixes:
            calls[f"flask {mix.name}"] = Call(bare, mix)
    return calls, mix_names


def check(calls: dict[str, Call]) -> None:
    for name, call in calls.items():
        call()
        print(f"  {name:48} -> {call.status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is kept")
    parser.add_argument("--rss-seconds", type=float, default=60.0, help="0: skip the RSS run")
    parser.add_argument("--profile", metavar="NAME", help="profile one configuration (a name as printed)")
    args = parser.parse_args()
    calls, mix_names = build_calls()
    print("answers:")
    check(calls)
    if args.profile:
        call = calls.get(args.profile)
        if call is None:
            print(f"bench: no configuration named {args.profile!r}; one of: {', '.join(map(repr, calls))}")
            return 2
        profiler = cProfile.Profile()
        profiler.enable()
        per_request_us(call, args.seconds * 3)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.rounds):
        for name, call in calls.items():
            samples[name].append(per_request_us(call, args.seconds))
    us = {name: min(values) for name, values in samples.items()}
    spread = statistics.median(max(v) / min(v) for v in samples.values())
    print(f"\nCPU µs per request, in process, one thread (best of {args.rounds} interleaved rounds of "
          f"{args.seconds:g} s; median spread max/min {spread:.2f}; {os.cpu_count()} cores, shared machine: "
          f"compare ratios within this run)\n")
    print(f"{'mix':26} {'3.1':>8} {'3.0':>8} {'3.1 -j':>8} {'3.0 -j':>8} {'flask':>8}")
    for mix in mix_names:
        row = [us[f"{v} {mix} journal {j}"] for j in ("on", "off") for v in ("3.1", "3.0")]
        print(f"{mix:26} {row[0]:8.1f} {row[1]:8.1f} {row[2]:8.1f} {row[3]:8.1f} {us[f'flask {mix}']:8.1f}")
    print("(-j: --no-journal)\n\nratios")
    for mix in mix_names:
        flask = us[f"flask {mix}"]
        on31, on30 = us[f"3.1 {mix} journal on"], us[f"3.0 {mix} journal on"]
        off31, off30 = us[f"3.1 {mix} journal off"], us[f"3.0 {mix} journal off"]
        print(f"{mix:26} 3.0/3.1 {on30 / on31:5.2f}   apitwin/flask 3.1 {on31 / flask:5.2f} 3.0 {on30 / flask:5.2f}"
              f"   journal on/off 3.1 {on31 / off31:5.2f} 3.0 {on30 / off30:5.2f} (target <= 1.05)")
    print("\njournal writing, off the request path (when the process is quiet or read; under sustained load only"
          " the newest 5000 entries per worker are written), CPU µs per entry:")
    for mix in mix_names:
        print(f"{mix:26} 3.1 {write_us(calls[f'3.1 {mix} journal on']):6.1f}"
              f"   3.0 {write_us(calls[f'3.0 {mix} journal on']):6.1f}")
    if args.rss_seconds > 0:
        rss_run(args.rss_seconds)
    return 0


def rss_run(seconds: float) -> None:
    """RSS of one process serving the five shipped specs, while it answers requests in a loop."""
    before = rss_mib()
    app = create_app(None, serve_config(journal=True))
    loaded = rss_mib()
    calls = [Call(app, m) for m in derive_mixes(SPEC31)]
    print(f"\nRSS with the five shipped specs: {before:.0f} MiB before, {loaded:.0f} MiB loaded")
    started = time.monotonic()
    next_sample = started + 10
    count = 0
    while (now := time.monotonic()) < started + seconds:
        for call in calls:
            call()
        count += len(calls)
        if now >= next_sample:
            print(f"  {now - started:5.0f} s  {count:8d} requests  RSS {rss_mib():.0f} MiB")
            next_sample += 10
    print(f"  {time.monotonic() - started:5.0f} s  {count:8d} requests  RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    raise SystemExit(main())
