"""What a worker does with one design point: compile the workload for its
architecture, simulate the mapping, return the report's stable metrics.

The compile step is injected (``CompileAndSimulate(compile_fn)``) so that
pimsim's library never imports the compiler; ``pimsim/cli/sweep.py`` passes
``compiler.api.compile_onnx``.  Everything here must pickle: tasks travel to
worker processes and Dask workers.  A failing point is caught here and comes
back as an error row, so one bad point never stops a sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pimsim.spec.arch import ArchSpec


@dataclass(frozen=True)
class PointTask:
    """The picklable part of a design point that a worker needs."""

    point_hash: str
    onnx_path: str
    arch: ArchSpec
    strategy: str
    precision_policy: str | None
    batch: int


class CompileAndSimulate:
    """``task -> metrics``: compile with the injected function, then ``pimsim.api.simulate``.

    Parameters
    ----------
    compile_fn : callable
        ``compile_fn(onnx_path, arch, strategy=, precision_policy=) -> Mapping``;
        must be importable by reference (a module-level function) to pickle.
    simulate_fn : callable, optional
        ``simulate_fn(mapping, batch=) -> Report``; default ``pimsim.api.simulate``.
    """

    def __init__(self, compile_fn: Callable[..., Any], simulate_fn: Callable[..., Any] | None = None):
        self.compile_fn = compile_fn
        self.simulate_fn = simulate_fn

    def __call__(self, task: PointTask) -> dict[str, Any]:
        simulate = self.simulate_fn
        if simulate is None:
            from pimsim.api import simulate as default_simulate  # deferred: the engine (numba) only when run

            simulate = default_simulate
        t0 = time.perf_counter()
        # The mapping is per query (as `pimcompile` writes it); `batch` is how many queries
        # the simulator streams through it, not a compile-time shape.
        mapping = self.compile_fn(task.onnx_path, task.arch, strategy=task.strategy,
                                  precision_policy=task.precision_policy)
        t1 = time.perf_counter()
        report = simulate(mapping, batch=task.batch)
        t2 = time.perf_counter()
        metrics = dict(report.to_json_dict())
        metrics["compile_wall_s"] = t1 - t0
        metrics["simulate_wall_s"] = t2 - t1
        return metrics


def run_point(evaluate: Callable[[PointTask], dict[str, Any]], task: PointTask) -> dict[str, Any]:
    """Evaluate one point in a worker; never raises (failures become an error result)."""
    t0 = time.perf_counter()
    try:
        metrics = evaluate(task)
    except Exception as exc:  # noqa: BLE001 - a failing point is data, the sweep goes on
        detail = " ".join(str(exc).split()) or "(no message)"
        return {"point_hash": task.point_hash, "status": "error", "error": f"{type(exc).__name__}: {detail}",
                "point_wall_s": time.perf_counter() - t0}
    if not isinstance(metrics, dict):
        return {"point_hash": task.point_hash, "status": "error",
                "error": f"evaluation returned {type(metrics).__name__}, not a dict of metrics"}
    return {"point_hash": task.point_hash, "status": "ok", "error": "", **metrics,
            "point_wall_s": time.perf_counter() - t0}
