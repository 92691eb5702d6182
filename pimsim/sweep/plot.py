"""Scatter of two sweep metrics with the Pareto front highlighted.

Every successful point is drawn, optionally coloured by a third column (a
metric or an axis such as ``pe.adc.bits``); the front (non-dominated points
in the two plotted metrics, per workload) is circled and joined by a step
line, which is the trade-off curve a designer reads off.  Axes switch to log
scale when the values span more than ``LOG_SPAN`` (a factor), as is usual for
energy-latency plots.  Rendering uses matplotlib's Agg backend (no display).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from pimsim.spec.errors import SpecError
from pimsim.spec.io import atomic_write_bytes
from pimsim.spec.units import axis_label
from pimsim.sweep.pareto import higher_is_better, metric_array, pareto_mask

LOG_SPAN = 30.0
MARKERS = "osD^v<>ph*"
MAX_LEVELS = 8
"""A colour column with at most this many distinct values gets a legend, not a colour bar."""


def _check_columns(rows: list[dict[str, Any]], source: str, columns: Sequence[str]) -> None:
    known = list(rows[0])
    for col in columns:
        if col not in known:
            numeric = [c for c in known if isinstance(rows[0][c], (int, float))]
            more = ", ..." if len(numeric) > 20 else ""
            raise SpecError(source, f"no column {col!r} (numeric columns: {', '.join(numeric[:20])}{more})")


def _log_wanted(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return bool(v.size) and v.min() > 0 and v.max() / v.min() > LOG_SPAN


def front_of(rows: list[dict[str, Any]], x: str, y: str) -> np.ndarray:
    """Mask of rows on the (x, y) Pareto front of their own workload."""
    mask = np.zeros(len(rows), dtype=bool)
    for workload in {r.get("workload") for r in rows}:
        idx = [i for i, r in enumerate(rows) if r.get("workload") == workload]
        sub = metric_array([rows[i] for i in idx], [x, y])
        mask[idx] = pareto_mask(sub, [higher_is_better(x), higher_is_better(y)])
    return mask


def plot_results(rows: list[dict[str, Any]], source: str, out: str | Path, x: str, y: str,
                 color: str | None = None, title: str | None = None) -> list[dict[str, Any]]:
    """Draw the scatter and write it to ``out`` (format from the suffix); return the front's rows."""
    import matplotlib.pyplot as plt

    fig, front = results_figure(rows, source, x, y, color, title)
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(out).suffix.lstrip(".") or "png", bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(out, buf.getvalue())
    return front


def results_figure(rows: list[dict[str, Any]], source: str, x: str, y: str, color: str | None = None,
                   title: str | None = None):
    """The scatter as a matplotlib figure, and the front's rows sorted by workload and ``x``."""
    ok = [r for r in rows if r.get("status") == "ok"]
    if not ok:
        raise SpecError(source, "no successful point to plot")
    _check_columns(ok, source, [c for c in (x, y, color) if c])
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xy = metric_array(ok, [x, y])
    for col, values in ((x, xy[:, 0]), (y, xy[:, 1])):
        if np.isnan(values).all():
            raise SpecError(source, f"column {col!r} has no numeric value to plot")
    front = front_of(ok, x, y)
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    for k, workload in enumerate(sorted({str(r.get("workload")) for r in ok})):
        sel = np.array([str(r.get("workload")) == workload for r in ok])
        _scatter(ax, fig, ok, xy, sel, color, MARKERS[k % len(MARKERS)], workload)
        _front_line(ax, xy[sel & front], higher_is_better(x), higher_is_better(y))
    ax.scatter(xy[front, 0], xy[front, 1], s=90, facecolors="none", edgecolors="crimson", linewidths=1.4,
               label=f"Pareto front ({int(front.sum())})", zorder=4)
    ax.set_xscale("log" if _log_wanted(xy[:, 0]) else "linear")
    ax.set_yscale("log" if _log_wanted(xy[:, 1]) else "linear")
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.set_title(title or f"{axis_label(y)} vs {axis_label(x)}: {len(ok)} design points", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig, sorted((r for r, f in zip(ok, front) if f), key=lambda r: (str(r.get("workload")), r[x]))


def axis_columns(row: dict[str, Any]) -> list[str]:
    """The sweep's axes: the columns between ``workload`` and ``status`` (the table's layout)."""
    names = list(row)
    if "workload" not in names or "status" not in names:
        return []
    return names[names.index("workload") + 1: names.index("status")]


def _scatter(ax, fig, rows, xy, sel, color, marker, label) -> None:
    if color is None:
        ax.scatter(xy[sel, 0], xy[sel, 1], s=22, marker=marker, alpha=0.75, label=label, zorder=3)
        return
    picked = [r for r, s in zip(rows, sel) if s]
    c = metric_array(picked, [color])[:, 0]
    levels = sorted({r.get(color) for r in picked}, key=lambda v: (isinstance(v, str), v))
    if np.isnan(c).any() or len(levels) <= MAX_LEVELS:  # text, or an axis with a few values: one legend entry each
        cmap = matplotlib.colormaps["viridis"]
        for j, level in enumerate(levels):
            pick = np.flatnonzero(sel)[[r.get(color) == level for r in picked]]
            ax.scatter(xy[pick, 0], xy[pick, 1], s=22, marker=marker, color=cmap(j / max(1, len(levels) - 1)),
                       label=f"{color}={level}", zorder=3)
        return
    sc = ax.scatter(xy[sel, 0], xy[sel, 1], c=c, cmap="viridis", s=22, marker=marker, label=label, zorder=3)
    if not getattr(ax, "_pimsim_colorbar", False):
        fig.colorbar(sc, ax=ax, label=axis_label(color))
        ax._pimsim_colorbar = True


def _front_line(ax, pts: np.ndarray, x_max: bool, y_max: bool) -> None:
    if len(pts) < 2:
        return
    order = np.argsort(pts[:, 0])
    ax.step(pts[order, 0], pts[order, 1], where="post" if x_max == y_max else "pre", color="crimson",
            linewidth=1.0, alpha=0.8, zorder=2)
