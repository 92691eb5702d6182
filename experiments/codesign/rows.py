"""Rows of the results table and the AutoRAC / TORS ratios computed from them.

Ratios per (dataset, space), all "higher is better"; each is stated with the log-loss difference (co-designed mean
minus the reference's mean, over the seeds) and the seed spreads:

- AutoRAC speedup = latency(searched, naive mapping, default chip) / latency(co-designed);
- AutoRAC area reduction = area(hand-crafted) / area(co-designed), whole chip and compute only (I/O link apart);
- AutoRAC power efficiency = efficiency(co-designed) / efficiency(hand-crafted), as inferences per joule and as
  steady throughput per watt (``pricing`` defines both);
  the area and efficiency ratios are given against the *best* hand-crafted design (lowest mean log loss, on the
  ``default`` chip) and, "up to" as AutoRAC's abstract says, against the hand-crafted row (model and chip) that gives
  the largest ratio;
- TORS FLOPs = MACs(searched) / MACs(co-designed); energy = energy/inf(searched, optimized) / energy/inf(co-designed);
  performance = steady throughput(co-designed) / steady throughput(searched, optimized).

``PAPER``: AutoRAC abstract (arXiv 2505.10748: "up to 3.36x speedup, 1.68x area reduction, 12.48x higher power
efficiency"), TORS abstract (arXiv 2411.07569: 2x FLOPs, 1.8x energy, 1.5x performance efficiency).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

PAPER = {"speedup": 3.36, "area_reduction": 1.68, "power_efficiency": 12.48,
         "tors_flops": 2.0, "tors_energy": 1.8, "tors_performance": 1.5}
KINDS = ("hand-crafted", "searched-naive", "searched-optimized", "co-designed")


@dataclass
class Row:
    dataset: str
    space: str  # NASRec space of a searched design, "hand-crafted" for the baselines
    kind: str  # one of KINDS
    name: str
    chip: str  # preset name, or "own" (the design's pim_arch.yaml)
    strategy: str  # naive | optimized
    seeds: list[int] = field(default_factory=list)
    scores: list[dict[str, float]] = field(default_factory=list)
    hw: dict[str, Any] = field(default_factory=dict)
    hw_point: dict[str, Any] | None = None

    @property
    def feasible(self) -> bool:
        return "infeasible" not in self.hw

    def metric(self, key: str) -> float | None:
        v = self.hw.get(key)
        return None if v is None else float(v)

    def mean(self, key: str) -> float | None:
        vals = [s[key] for s in self.scores]
        return statistics.fmean(vals) if vals else None

    def spread(self, key: str) -> float | None:
        """Sample standard deviation over the seeds (None below two seeds)."""
        vals = [s[key] for s in self.scores]
        return statistics.stdev(vals) if len(vals) > 1 else None


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    value: float | None
    reference: str  # which row the co-designed design is compared with
    dlog_loss: float | None  # co-designed mean minus reference mean
    paper: float


def best_hand_crafted(rows: list[Row], dataset: str) -> Row | None:
    hand = [r for r in rows if r.dataset == dataset and r.kind == "hand-crafted" and r.chip == "default"
            and r.scores and r.feasible]
    return min(hand, key=lambda r: (r.mean("log_loss"), r.name)) if hand else None


def _one(rows: list[Row], dataset: str, space: str, kind: str) -> Row | None:
    return next((r for r in rows if (r.dataset, r.space, r.kind) == (dataset, space, kind)), None)


def _div(num: Row | None, den: Row | None, key: str, invert: bool = False) -> float | None:
    if num is None or den is None or not num.feasible or not den.feasible:
        return None
    a, b = num.metric(key), den.metric(key)
    if a is None or b is None or (a if invert else b) == 0:
        return None
    return b / a if invert else a / b


def _dll(co: Row, ref: Row | None) -> float | None:
    a, b = co.mean("log_loss"), None if ref is None else ref.mean("log_loss")
    return None if a is None or b is None else a - b


def _label(r: Row | None) -> str:
    return "-" if r is None else f"{r.name} on {r.chip} ({r.strategy})"


def _vs_hand(co: Row, hand: list[Row], best: Row | None, key: str, label: str, paper_key: str,
             smaller_better: bool) -> list[Ratio]:
    def ratio(ref: Row | None) -> float | None:
        return _div(ref, co, key) if smaller_better else _div(co, ref, key)

    out = [Ratio(paper_key, label, ratio(best), f"best hand-crafted: {_label(best)}", _dll(co, best),
                 PAPER[paper_key])]
    scored = [(ratio(h), h) for h in hand]
    top = max(((v, h) for v, h in scored if v is not None), key=lambda t: (t[0], t[1].name), default=None)
    if top is not None:
        out.append(Ratio(paper_key, label + ", up to", top[0], f"{_label(top[1])}", _dll(co, top[1]),
                         PAPER[paper_key]))
    return out


def ratios(rows: list[Row], dataset: str, space: str) -> list[Ratio]:
    """The ratios of the module docstring for one dataset and space (value None where a row is missing)."""
    co = _one(rows, dataset, space, "co-designed")
    if co is None:
        return []
    naive, opt = (_one(rows, dataset, space, k) for k in ("searched-naive", "searched-optimized"))
    best = best_hand_crafted(rows, dataset)
    hand = [r for r in rows if r.dataset == dataset and r.kind == "hand-crafted"]
    out = [Ratio("speedup", "speedup (latency, naive searched / co-designed)", _div(naive, co, "latency_ns"),
                 _label(naive), _dll(co, naive), PAPER["speedup"])]
    out += _vs_hand(co, hand, best, "area_mm2", "area reduction, whole chip", "area_reduction", True)
    out += _vs_hand(co, hand, best, "compute_area_mm2", "area reduction, compute only", "area_reduction", True)
    out += _vs_hand(co, hand, best, "inferences_per_j", "power efficiency, inferences/J", "power_efficiency", False)
    out += _vs_hand(co, hand, best, "steady_inferences_per_s_per_w", "power efficiency, steady inf/s per W",
                    "power_efficiency", False)
    out += [Ratio("tors_flops", "TORS FLOPs (MACs, searched / co-designed)", _div(opt, co, "flops"), _label(opt),
                  _dll(co, opt), PAPER["tors_flops"]),
            Ratio("tors_energy", "TORS energy (per inference, searched / co-designed)",
                  _div(opt, co, "energy_per_inference_pj"), _label(opt), _dll(co, opt), PAPER["tors_energy"]),
            Ratio("tors_performance", "TORS performance (steady throughput, co-designed / searched)",
                  _div(co, opt, "throughput_steady_inferences_per_s"), _label(opt), _dll(co, opt),
                  PAPER["tors_performance"])]
    return out


FLOOR_PARTS = {"io_link": "the I/O link (dynamic + static)", "embedding_storage": "embedding lookups",
               "leakage": "the other leakage (static)"}
"""Energy every design pays whatever its crossbars: the link moving inputs and outputs (its static power included:
a SerDes PHY leaks its whole rated power, ``pimsim.components``), the embedding-table reads and the rest of the chip's
leakage over the run (``energy_breakdown_pj`` and ``static_energy_breakdown_pj`` roles of ``pimsim``)."""
LIFTS = {"io_link": "a link sized to the traffic (`chip.io_link`: fewer SerDes lanes, or SerDes instead of the rated "
                    "HyperTransport)",
         "embedding_storage": "narrower embeddings or tables off the crossbar path (a model choice)",
         "leakage": "fewer tiles or smaller buffers (`chip.tiles`, `tile.buffer.capacity_bytes`); power gating "
                    "(`chip.power_gating`) saves little at steady state, where every used tile is busy"}


def energy_floor(hw: dict) -> dict[str, float]:
    """pJ per inference of each ``FLOOR_PARTS`` entry of a priced row (the link's leakage moved out of "leakage")."""
    parts, static = hw.get("energy_breakdown_pj", {}), hw.get("static_energy_breakdown_pj", {})
    link_static = static.get("io_link", 0.0)
    return {"io_link": parts.get("io_link", 0.0) + link_static,
            "embedding_storage": parts.get("embedding_storage", 0.0),
            "leakage": parts.get("leakage", 0.0) - link_static}


def shortfall(r: Ratio, rows: list[Row], dataset: str, space: str) -> str | None:
    """One sentence for a ratio below the paper's: by how much, and what bounds it (breakdowns of the rows)."""
    if r.value is None or r.value >= r.paper:
        return None
    co = _one(rows, dataset, space, "co-designed")
    text = f"{r.label}: {r.value:.2f}x is {r.paper / r.value:.2f}x short of {r.paper:.2f}x"
    if co is None or not co.feasible:
        return text + "."
    if r.key in ("power_efficiency", "tors_energy"):
        total = co.hw["energy_per_inference_pj"]
        floor = energy_floor(co.hw)
        shares = ", ".join(f"{FLOOR_PARTS[k]} {v / total:.0%}" for k, v in floor.items())
        worst = max(floor, key=lambda k: floor[k])
        return (f"{text}; of the co-designed energy per inference ({total / 1e3:,.1f} nJ) {shares}: with those "
                f"fixed the energy ratio cannot exceed total / floor = {total / max(sum(floor.values()), 1e-9):.2f}x "
                f"times the present one; the largest, {FLOOR_PARTS[worst]}, is lifted by {LIFTS[worst]}.")
    if r.key == "area_reduction":
        link = co.hw.get("area_breakdown_mm2", {}).get("io_link", 0.0)
        area = co.hw["area_mm2"]
        return (f"{text}; the I/O link is {link:.2f} of the co-designed chip's {area:.2f} mm2 ({link / area:.0%}), "
                f"a floor every chip with that link pays (compute-only row above; lifted by {LIFTS['io_link']}).")
    if r.key == "speedup":
        naive, opt = (_one(rows, dataset, space, k) for k in ("searched-naive", "searched-optimized"))
        mapping = _div(naive, opt, "latency_ns")
        share = "" if mapping is None else f"; the optimized mapping alone gives {mapping:.2f}x on the same model"
        return f"{text}{share}."
    return text + "."
