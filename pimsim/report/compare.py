"""Compare two designs (issue 6): speedup, area, energy and power-efficiency ratios, B relative to A.

Each side is a simulation report plus, when the input was a mapping, what the
mapping occupies.  Conventions (every ratio > 1 means B is better than A):

- ``latency_speedup``   = latency_A / latency_B (one query alone);
- ``throughput_speedup``= throughput_B / throughput_A (the stream of ``batch`` queries);
- ``area_ratio``        = area_A / area_B, on the *occupied* area: the chip-level
  parts (I/O link) plus the tiles holding any operator or crossbar block
  (``level_area_mm2['tile']`` per tile from ``pimsim.components.rollup``) --
  the chip a design needs, since both sides may sit on the same full-size chip.
  Reports carry no placement, so for them it is the whole chip's area;
- ``energy_ratio``      = energy per inference_A / energy per inference_B;
- ``power_efficiency_ratio`` = (inferences/s/W)_B / (inferences/s/W)_A, with
  W the average power over the stream (dynamic + leakage of the whole chip,
  as ``pimsim run`` reports it).  Inferences/s/W equals inferences per joule,
  so this ratio equals ``energy_ratio`` by construction; both are shown
  because the AutoRAC paper quotes power efficiency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pimsim.spec.units import mw_to_w

RATIOS = ("latency_speedup", "throughput_speedup", "area_ratio", "energy_ratio", "power_efficiency_ratio")


@dataclass(frozen=True)
class Side:
    """One design's figures (from a simulation of a mapping, or from a ``pimsim run --json`` report)."""

    name: str
    latency_ns: float
    throughput_inferences_per_s: float
    energy_per_inference_pj: float
    power_mw: float
    chip_area_mm2: float
    occupied_area_mm2: float
    tiles_used: int | None
    batch: int | None

    @property
    def inferences_per_s_per_w(self) -> float:
        return self.throughput_inferences_per_s / mw_to_w(self.power_mw)

    def to_json_dict(self) -> dict:
        return {**asdict(self), "inferences_per_s_per_w": self.inferences_per_s_per_w}


def tiles_used(mapping) -> set[int]:
    """Tiles holding any operator (its home), any crossbar block, or a vector unit sharing a product."""
    used = {op.tile for op in mapping.operators}
    used |= {b.tile for op in mapping.operators for b in getattr(op, "blocks", [])}
    used |= {t for op in mapping.operators for t in getattr(op, "vector_tiles", [])}
    return used


def side_from_simulation(name: str, mapping, report) -> Side:
    from pimsim.components.rollup import area_rollup

    levels = area_rollup(mapping.arch).level_area_mm2
    used = tiles_used(mapping)
    occupied = levels["chip"] - (mapping.arch.chip.tiles - len(used)) * levels["tile"]
    return Side(name, report.latency_ns, report.throughput_inferences_per_s, report.energy_per_inference_pj,
                report.power_mw, report.area_mm2, occupied, len(used), report.batch)


def side_from_report_json(name: str, data: dict) -> Side:
    area = data["area_mm2"]
    return Side(name, data["latency_ns"], data["throughput_inferences_per_s"], data["energy_per_inference_pj"],
                data["power_mw"], area, area, None, data.get("stats", {}).get("batch"))


def ratios(a: Side, b: Side) -> dict[str, float]:
    return {
        "latency_speedup": a.latency_ns / b.latency_ns,
        "throughput_speedup": b.throughput_inferences_per_s / a.throughput_inferences_per_s,
        "area_ratio": a.occupied_area_mm2 / b.occupied_area_mm2,
        "energy_ratio": a.energy_per_inference_pj / b.energy_per_inference_pj,
        "power_efficiency_ratio": b.inferences_per_s_per_w / a.inferences_per_s_per_w,
    }


_ROWS = (("latency_ns", "latency (ns)", "latency_speedup"),
         ("throughput_inferences_per_s", "throughput (inferences/s)", "throughput_speedup"),
         ("occupied_area_mm2", "occupied area (mm2)", "area_ratio"),
         ("chip_area_mm2", "chip area (mm2)", None),
         ("tiles_used", "tiles used", None),
         ("energy_per_inference_pj", "energy per inference (pJ)", "energy_ratio"),
         ("power_mw", "average power (mW)", None),
         ("inferences_per_s_per_w", "power efficiency (inferences/s/W)", "power_efficiency_ratio"))


def format_comparison(a: Side, b: Side) -> str:
    r = ratios(a, b)
    lines = [f"A = {a.name}", f"B = {b.name}", "", f"{'metric':36s} {'A':>14s} {'B':>14s}  B vs A (>1: B better)"]
    for key, label, ratio in _ROWS:
        va, vb = getattr(a, key), getattr(b, key)
        cell = f"{r[ratio]:.3f}x {ratio}" if ratio else ""
        lines.append(f"{label:36s} {_fmt(va):>14s} {_fmt(vb):>14s}  {cell}")
    if a.batch != b.batch:
        lines.append(f"note: batches differ (A {a.batch}, B {b.batch}): throughput includes pipeline fill")
    return "\n".join(lines)


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if isinstance(v, int) or abs(v) >= 1000 else f"{v:.4g}"


def comparison_json(a: Side, b: Side) -> dict:
    return {"a": a.to_json_dict(), "b": b.to_json_dict(), "ratios": ratios(a, b)}
