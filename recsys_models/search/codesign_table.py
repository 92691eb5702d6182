"""The co-design results table: rows, the AutoRAC/TORS-style ratios, and its Markdown.

Rows per dataset (``recsys_search_space.md`` D.2, D.3, E):

- ``hand-crafted``: DLRM, DCN-v2, DeepFM, AutoInt, xDeepFM, float, mapped with
  the compiler's default (``optimized``) strategy on the default architecture;
- ``searched, naive``: the accuracy-only (float) searched architecture, mapped
  naively (``strategy="naive"``) on the default architecture -- our working
  definition of AutoRAC's "naively mapped searched design" (D.3, [derived]);
- ``searched, optimised``: the same architecture, default strategy, default
  architecture (the baseline of the TORS-style ratios, so that they isolate
  the co-design from the mapping);
- ``co-designed``: the co-design search's best (architecture, precisions,
  PIM configuration), ``optimized`` strategy on its own PIM configuration.

Ratios (all "higher is better" by construction):

- AutoRAC speedup = latency(searched, naive) / latency(co-designed);
- AutoRAC area reduction = area(best hand-crafted) / area(co-designed);
- AutoRAC power-efficiency gain = (inf/s/W)(co-designed) / (inf/s/W)(best hand-crafted);
- TORS FLOPs gain = FLOPs(searched) / FLOPs(co-designed);
- TORS energy gain = energy(searched, optimised) / energy(co-designed);
- TORS performance gain = throughput(co-designed) / throughput(searched, optimised).

"Best hand-crafted" = the hand-crafted row with the lowest test log loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Column(NamedTuple):
    """One table column: ``fmt.format(metrics[key] / divisor)`` (the divisor changes the shown unit only)."""

    key: str
    label: str
    fmt: str
    divisor: float = 1.0


COLUMNS = (
    Column("log_loss", "log loss", "{:.4f}"),
    Column("auc", "AUC", "{:.4f}"),
    Column("flops", "MFLOPs", "{:.3f}", 1e6),
    Column("latency_ns", "latency, ns", "{:,.0f}"),
    Column("throughput_inferences_per_s", "throughput, inf/s", "{:,.0f}"),
    Column("energy_per_inference_pj", "energy/inf, nJ", "{:,.1f}", 1e3),  # pJ -> nJ, for readability only
    Column("area_mm2", "area, mm2", "{:.2f}"),
    Column("inferences_per_s_per_w", "power eff., inf/s/W", "{:,.0f}"),
)
PAPER = {"speedup": 3.36, "area_reduction": 1.68, "power_efficiency_gain": 12.48,
         "flops_gain": 2.0, "energy_gain": 1.8, "performance_gain": 1.5}
"""Headline figures: AutoRAC abstract (arXiv 2505.10748, "up to"), TORS abstract (arXiv 2411.07569)."""


@dataclass
class Row:
    kind: str  # hand-crafted | searched-naive | searched-optimised | co-designed
    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""


def _cell(column: Column, metrics: dict[str, float]) -> str:
    v = metrics.get(column.key)
    return "-" if v is None else column.fmt.format(v / column.divisor)


def _one(rows: list[Row], kind: str) -> Row | None:
    return next((r for r in rows if r.kind == kind), None)


def best_hand_crafted(rows: list[Row]) -> Row | None:
    hand = [r for r in rows if r.kind == "hand-crafted" and "log_loss" in r.metrics]
    return min(hand, key=lambda r: r.metrics["log_loss"]) if hand else None


def _ratio(num: Row | None, den: Row | None, key: str) -> float | None:
    if num is None or den is None or key not in num.metrics or key not in den.metrics:
        return None
    return num.metrics[key] / den.metrics[key]


def ratios(rows: list[Row]) -> dict[str, float | None]:
    """The six ratios of the module docstring (None where a row is missing)."""
    naive, opt = _one(rows, "searched-naive"), _one(rows, "searched-optimised")
    co, hand = _one(rows, "co-designed"), best_hand_crafted(rows)
    return {
        "speedup": _ratio(naive, co, "latency_ns"),
        "area_reduction": _ratio(hand, co, "area_mm2"),
        "power_efficiency_gain": _ratio(co, hand, "inferences_per_s_per_w"),
        "flops_gain": _ratio(opt or naive, co, "flops"),
        "energy_gain": _ratio(opt, co, "energy_per_inference_pj"),
        "performance_gain": _ratio(co, opt, "throughput_inferences_per_s"),
    }


def render_dataset(dataset: str, rows: list[Row]) -> str:
    """One dataset's Markdown: the rows table and the ratios against the papers' figures."""
    head = "| design | mapping | " + " | ".join(c.label for c in COLUMNS) + " |"
    lines = [f"### {dataset}", "", head, "|" + "---|" * (2 + len(COLUMNS))]
    for r in rows:
        cells = " | ".join(_cell(c, r.metrics) for c in COLUMNS)
        lines.append(f"| {r.name} | {r.note} | {cells} |")
    hand = best_hand_crafted(rows)
    lines += ["", f"Best hand-crafted (lowest log loss): {hand.name if hand else '-'}.", "",
              "| ratio | measured | paper |", "|---|---|---|"]
    for key, value in ratios(rows).items():
        shown = "-" if value is None else f"{value:.2f}x"
        lines.append(f"| {key.replace('_', ' ')} | {shown} | {PAPER[key]:.2f}x |")
    return "\n".join(lines) + "\n"
