"""Run a sweep: skip finished points, fan the rest out, append each row as it lands.

Order of business, so that bad input never costs work: the results journal
is opened (and a torn last line dropped) and the executor is connected before
any point is evaluated; points are expanded and validated earlier still, in
:func:`pimsim.sweep.space.load_sweep`.  When workers share this machine, the
first pending point runs in this process first, so numba compiles the
simulator once and writes its on-disk cache before the workers start
(docs/reference onnx_and_ecosystem.md section 5).  At most ``4 x workers``
points are in flight: enough to hide a Dask round trip, few enough that an
interrupt cancels little and memory stays flat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pimsim
from pimsim.sweep.evaluate import PointTask, run_point
from pimsim.sweep.executor import Backend, open_backend
from pimsim.sweep.results import (
    RESULTS_SCHEMA_VERSION,
    ResultsTable,
    exclusive,
    flatten,
    is_parquet,
    journal_path,
    require_parquet_support,
    write_parquet,
)
from pimsim.sweep.space import Sweep, SweepPoint

Evaluate = Callable[[PointTask], dict[str, Any]]
TIMING_COLUMNS = ("stats.wall_s", "compile_wall_s", "simulate_wall_s", "point_wall_s")
"""Wall-clock seconds, the only columns that differ between two runs of one sweep; kept last (docs/sweeps.md)."""


@dataclass(frozen=True)
class SweepOutcome:
    """What one invocation did (the table itself is on disk)."""

    total: int
    skipped: int
    ran: int
    failed: int
    wall_s: float
    backend: str
    table: ResultsTable
    dropped_torn_line: bool


def task_of(sweep: Sweep, point: SweepPoint) -> PointTask:
    c, s = sweep.spec.compile, sweep.spec.simulate
    return PointTask(point.point_hash, point.workload.onnx_path, point.arch, c.strategy, sweep.precision_policy_path,
                     s.batch)


def row_of(point: SweepPoint, result: dict[str, Any]) -> dict[str, Any]:
    """One tidy row: identity, axis values, provenance, then the flattened metrics."""
    row: dict[str, Any] = {"point_hash": point.point_hash, "point_index": point.index,
                           "workload": point.workload.name}
    row.update(point.axis_values)
    row.update({"status": result["status"], "error": result.get("error", ""), "arch_sha256": point.arch_sha256,
                "schema_version": RESULTS_SCHEMA_VERSION, "pimsim_version": pimsim.__version__})
    metrics = {k: v for k, v in result.items() if k not in ("point_hash", "status", "error")}
    row.update(flatten(metrics))
    return row


PROGRESS_LINE_EVERY_S = 30.0
"""Without a terminal (nohup, Slurm, CI logs), the bar's status is printed as a plain line at most this often,
from the first interval on."""


class _Lines:
    """tqdm's status as whole lines: on a file or pipe its carriage-return redraws would pile into one line."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.strip("\r\n")
        if text.strip():
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def _progress(total: int, enabled: bool):
    import sys

    from tqdm import tqdm

    if not enabled:
        return tqdm(total=total, disable=True)
    if sys.stderr.isatty():
        return tqdm(total=total, unit="point", desc="sweep", smoothing=0.1)
    # delay: a sweep shorter than one interval prints nothing (stderr stays for its result or error line)
    return tqdm(total=total, unit="point", desc="sweep", file=_Lines(sys.stderr), mininterval=PROGRESS_LINE_EVERY_S,
                delay=PROGRESS_LINE_EVERY_S, ascii=True, ncols=100, disable=False)


def run_sweep(sweep: Sweep, out: str | Path, evaluate: Evaluate, *, workers: int | None = None,
              scheduler: str | None = None, retry_failed: bool = False, progress: bool = True,
              connect_timeout_s: float = 5.0) -> SweepOutcome:
    """Evaluate every point of ``sweep`` not already in ``out``; return counts.

    Parameters
    ----------
    sweep : Sweep
        From :func:`pimsim.sweep.space.load_sweep`.
    out : str or Path
        Results file: ``.csv`` (appended as points finish) or ``.parquet``
        (written at the end from ``<out>.journal.csv``).
    evaluate : callable
        ``PointTask -> dict`` of metrics, picklable (e.g.
        :class:`pimsim.sweep.evaluate.CompileAndSimulate`).
    workers, scheduler
        See :func:`pimsim.sweep.executor.open_backend`.
    retry_failed : bool
        Re-run points whose recorded row is an error (the new row supersedes it).
    """
    require_parquet_support(out)
    with exclusive(journal_path(out)):
        table = ResultsTable(journal_path(out))
        done = table.finished(include_errors=not retry_failed)
        pending = [p for p in sweep.points if p.point_hash not in done]
        t0 = time.perf_counter()
        failed = 0
        with open_backend(workers, scheduler, connect_timeout_s) as backend, \
                _progress(len(pending), progress) as bar:
            for point, result in _results(sweep, pending, evaluate, backend):
                table.append(row_of(point, result))
                failed += result["status"] != "ok"
                bar.update(1)
            description = backend.description
        table.compact(last_columns=TIMING_COLUMNS)
        if is_parquet(out):
            write_parquet(table, out)
    return SweepOutcome(len(sweep.points), len(sweep.points) - len(pending), len(pending), failed,
                        time.perf_counter() - t0, description, table, table.dropped_torn_line)


def _results(sweep: Sweep, pending: list[SweepPoint], evaluate: Evaluate, backend: Backend):
    """Yield ``(point, result)`` as points finish, keeping a bounded window in flight."""
    queue = list(reversed(pending))
    if queue and backend.local and backend.workers > 1:
        point = queue.pop()
        yield point, run_point(evaluate, task_of(sweep, point))  # warms the numba cache for the workers
    in_flight: dict[Future, SweepPoint] = {}
    window = 4 * backend.workers if backend.workers > 1 else 1  # serial: record each point before the next
    try:
        while queue or in_flight:
            while queue and len(in_flight) < window:
                point = queue.pop()
                in_flight[backend.executor.submit(run_point, evaluate, task_of(sweep, point))] = point
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: in_flight[f].index):
                point = in_flight.pop(future)
                yield point, _result_of(future, point)
    finally:
        for future in in_flight:
            future.cancel()


def _result_of(future: Future, point: SweepPoint) -> dict[str, Any]:
    """The worker's result; a crashed worker process is recorded against its point."""
    exc = future.exception()
    if exc is None:
        return future.result()
    if isinstance(exc, BrokenProcessPool):
        raise RuntimeError(f"a worker process died while running point {point.index} (out of memory?); "
                           "finished points are saved, rerun the same command to resume") from exc
    detail = " ".join(str(exc).split()) or "(no message)"
    return {"point_hash": point.point_hash, "status": "error",
            "error": f"worker failed: {type(exc).__name__}: {detail}"}
