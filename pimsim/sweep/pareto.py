"""Pareto fronts and the end-of-sweep summary.

A point is on the front when no other point is at least as good in every
objective and strictly better in one (non-domination, as in NSGA-II's
non-dominated sorting).  Objectives are minimised, except the metrics where
more is better (throughput, utilisation).  The filter is the direct O(k n^2)
comparison, vectorised per point: a 10,000-point sweep takes well under a
second, and sweeps are far smaller than that in practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SUMMARY_METRICS = ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2")
PARETO_OBJECTIVES = ("latency_ns", "energy_per_inference_pj", "area_mm2")


def higher_is_better(metric: str) -> bool:
    return metric.startswith(("throughput", "utilization"))


def pareto_mask(values: np.ndarray, maximize: Sequence[bool] | None = None) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n points x k objectives).

    Parameters
    ----------
    values : ndarray, shape (n, k)
        Objective values; rows with a NaN are never on the front.
    maximize : sequence of bool, optional
        Per objective, True when larger is better (default: minimise all).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise ValueError(f"expected an (n, k) array, got shape {v.shape}")
    if maximize is not None:
        v = np.where(np.asarray(maximize, dtype=bool)[None, :], -v, v)
    valid = ~np.isnan(v).any(axis=1)
    mask = np.zeros(len(v), dtype=bool)
    candidates = v[valid]
    for i, row in zip(np.flatnonzero(valid), candidates):
        no_worse = (candidates <= row).all(axis=1)
        better = (candidates < row).any(axis=1)
        mask[i] = not (no_worse & better).any()
    return mask


def metric_array(rows: list[dict[str, Any]], columns: Sequence[str]) -> np.ndarray:
    """Rows x columns as floats; missing or non-numeric cells become NaN."""
    def num(x: Any) -> float:
        return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else float("nan")

    return np.array([[num(r.get(c)) for c in columns] for r in rows], dtype=float).reshape(len(rows), len(columns))


def summarize(rows: list[dict[str, Any]], axis_names: Sequence[str]) -> list[str]:
    """Lines of the end-of-sweep summary: counts, then per workload the best point per
    metric and the Pareto set size (designs are only compared within a workload)."""
    ok = [r for r in rows if r.get("status") == "ok"]
    lines = [f"{len(rows)} points in the table: {len(ok)} ok, {len(rows) - len(ok)} failed"]
    workloads = sorted({str(r.get("workload")) for r in ok})
    for workload in workloads:
        sub = [r for r in ok if str(r.get("workload")) == workload]
        prefix = f"[{workload}] " if len(workloads) > 1 else ""
        lines += [prefix + line for line in _workload_summary(sub, axis_names, workload)]
    return lines


def _workload_summary(ok: list[dict[str, Any]], axis_names: Sequence[str], workload: str) -> list[str]:
    lines = []
    for metric in SUMMARY_METRICS:
        col = metric_array(ok, [metric])[:, 0]
        if np.isnan(col).all():
            continue
        best = int(np.nanargmax(col) if higher_is_better(metric) else np.nanargmin(col))
        where = ", ".join(f"{a}={ok[best].get(a)}" for a in axis_names)
        lines.append(f"best {metric}: {ok[best][metric]:.6g} at point {ok[best].get('point_index')} ({where})")
    objectives = [m for m in PARETO_OBJECTIVES if not np.isnan(metric_array(ok, [m])).all()]
    if objectives:
        front = pareto_mask(metric_array(ok, objectives), [higher_is_better(m) for m in objectives])
        lines.append(f"Pareto set ({', '.join(objectives)}) for {workload}: {int(front.sum())} of {len(ok)} points")
    return lines
