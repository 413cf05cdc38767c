"""``verify --against-mock`` over several processes: the operations dealt out, one report.

Against the mock everything runs in one process (schemathesis generates, the mock's WSGI app
answers, no socket): the run is CPU-bound, and schemathesis' threads would only take turns on
the GIL. So ``--workers N`` deals the selected operations out to N forked processes, round robin
in document order, each running the examples, coverage and fuzzing phases on its share with the
same seed (chosen here when none is given, and reported); the stateful phase, whose sequences
cross operations, runs whole in one more process. Their reports are merged into one: per
operation, the tallies added and each distinct failure kept once; the requests of each phase
added; the run cut when any process was. Fewer than :data:`MIN_SHARE` operations a process: fewer
processes (a three-operation spec runs in one).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from .verify_events import one_line
from .verify_options import NothingSelected, VerifyOptions
from .verify_report import CheckTally, OperationScore, VerifyReport

__all__ = ["MIN_SHARE", "in_processes", "merge_reports", "process_count"]

#: the fewest operations worth a process of their own (a fork, the mock and the suite built again)
MIN_SHARE = 8

Run = Callable[[str | Path, VerifyOptions, Callable[[str, int, int], None] | None], VerifyReport]


class SplitRunFailed(RuntimeError):
    """A process of a split run ended without a report (its one-line reason)."""


def process_count(workers: int, operations: int) -> int:
    """How many processes share ``operations`` operations, at most ``workers`` (one where processes cannot
    be forked: Windows)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(workers, operations // MIN_SHARE))


def in_processes(spec_path: str | Path, options: VerifyOptions, labels: list[str], processes: int,
                 progress: Callable[[str, int, int], None] | None, run: Run) -> VerifyReport:
    """Run ``run`` (the single-process suite) on ``processes`` shares of ``labels`` and, for the stateful
    phase, on all of them, each in a forked process; their reports merged (see the module's doc)."""
    seed = options.seed if options.seed is not None else random.randrange(1, 2**31)
    own = tuple(p for p in options.phases if p != "stateful")
    jobs = [dataclasses.replace(options, workers=1, seed=seed, phases=own, operations=tuple(labels[k::processes]))
            for k in range(processes)] if own else []
    if "stateful" in options.phases:
        jobs.append(dataclasses.replace(options, workers=1, seed=seed, phases=("stateful",),
                                        operations=tuple(labels)))
    context = multiprocessing.get_context("fork")
    readers: dict[Connection, BaseProcess] = {}
    for job in jobs:
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(writer, spec_path, job, run), daemon=True)
        process.start()
        writer.close()
        readers[reader] = process
    reports: list[VerifyReport] = []
    done: set[str] = set()
    try:
        while readers:
            for ready in wait(list(readers)):
                if not isinstance(ready, Connection):
                    continue
                try:
                    kind, value = ready.recv()
                except EOFError:  # the process ended without a word (killed)
                    ended = readers.pop(ready)
                    ended.join()
                    raise SplitRunFailed(
                        f"a verify process ended without its report (exit {ended.exitcode})") from None
                if kind == "progress":
                    if value not in done:
                        done.add(value)
                        if progress is not None:
                            progress(value, len(done), len(labels))
                    continue
                readers.pop(ready).join()
                if kind == "error":
                    raise SplitRunFailed(value)
                reports.append(value)
    finally:
        for left in readers.values():
            left.kill()
            left.join()
    merged = merge_reports(reports, str(spec_path), seed, labels)
    if options.started is not None:
        merged.duration = time.monotonic() - options.started
    return merged


def _child(writer: Connection, spec_path: str | Path, options: VerifyOptions, run: Run) -> None:
    """In a forked process: run the share, send its progress and its report, leave without the teardown."""
    try:
        report = run(spec_path, options, lambda label, done, total: writer.send(("progress", label)))
        writer.send(("report", report))
    except NothingSelected:  # a share schemathesis could not parse at all: nothing to report
        writer.send(("report", VerifyReport(str(spec_path), options.base_url, options.seed)))
    except BaseException as exc:  # every other ending is told to the parent, in one line
        writer.send(("error", one_line(f"{type(exc).__name__}: {exc}")))
    finally:
        writer.close()
        os._exit(0)


def merge_reports(reports: list[VerifyReport], spec: str, seed: int | None, order: list[str]) -> VerifyReport:
    """One report of the shares' ``reports``, operations in ``order`` (then any other)."""
    merged = VerifyReport(spec, reports[0].base_url if reports else "", seed)
    scores: dict[str, OperationScore] = {}
    for report in reports:
        for label, score in report.operations.items():
            into = scores.get(label)
            if into is None:
                scores[label] = into = OperationScore(label)
            _add(into, score)
        merged.errors.extend(e for e in report.errors if e not in merged.errors)
        merged.spec_findings.extend(f for f in report.spec_findings if f not in merged.spec_findings)
        for phase, count in report.requests.items():
            merged.requests[phase] = merged.requests.get(phase, 0) + count
        merged.cut = merged.cut or report.cut
        merged.duration = max(merged.duration, report.duration)
    rank = {label: index for index, label in enumerate(order)}
    merged.operations = dict(sorted(scores.items(), key=lambda item: rank.get(item[0], len(rank))))
    return merged


def _add(into: OperationScore, score: OperationScore) -> None:
    into.cases += score.cases
    into.passed += score.passed
    into.failed += score.failed
    seen = {(f.check, f.reason) for f in into.failures}
    into.failures.extend(f for f in score.failures if (f.check, f.reason) not in seen)
    into.skipped = into.skipped or score.skipped  # as one process keeps it: the first phase's reason
    for check, tally in score.checks.items():
        mine = into.checks.setdefault(check, CheckTally())
        mine.passed += tally.passed
        mine.failed += tally.failed
