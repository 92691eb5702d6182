"""Compare two designs (issue 6): speedup, area, energy and power-efficiency ratios, B relative to A.

Each side is a simulation report plus, when the input was a mapping, what the
mapping occupies.  Conventions (every ratio > 1 means B is better than A):

- ``latency_speedup``   = latency_A / latency_B (one query alone);
- ``throughput_speedup``= throughput_B / throughput_A (the stream of ``batch`` queries);
- ``area_ratio``        = area_A / area_B, on the *occupied* area
  (:func:`occupied_area_mm2`): the chip-level parts (I/O link) plus the tiles
  used (``pimsim.spec.occupancy.tiles_used``), each at its kind's area
  (``Rollup.tile_area_mm2(t)``) -- the chip a design needs, since both sides may
  sit on the same full-size chip.  ``pimsim run --json`` reports carry the same
  figure (``occupied_area_mm2``, ``tiles_used``), so comparing two reports gives
  the ratios of comparing their mappings;
- ``energy_ratio``      = energy per inference_A / energy per inference_B;
- ``power_efficiency_ratio`` = (inferences/s/W)_B / (inferences/s/W)_A, with
  W the average power over the stream (dynamic + static of the powered
  components under ``chip.power_gating``, as ``pimsim run`` reports it).  Inferences/s/W equals inferences per joule,
  so this ratio equals ``energy_ratio`` by construction; both are shown
  because the AutoRAC paper quotes power efficiency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pimsim.spec.occupancy import tiles_used
from pimsim.spec.units import inferences_per_s_per_w

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
        return inferences_per_s_per_w(self.throughput_inferences_per_s, self.power_mw)

    def to_json_dict(self) -> dict:
        return {**asdict(self), "inferences_per_s_per_w": self.inferences_per_s_per_w}


def occupied_area_mm2(mapping, rollup) -> float:
    """Chip area less the tiles the mapping does not use (each at its kind's area): chip-level parts plus the
    used tiles."""
    unused = set(range(mapping.arch.chip.tiles)) - set(tiles_used(mapping))
    return rollup.chip_area_mm2 - sum(rollup.tile_area_mm2(t) for t in unused)


def side_from_simulation(name: str, mapping, report) -> Side:
    return Side(name, report.latency_ns, report.throughput_inferences_per_s, report.energy_per_inference_pj,
                report.power_mw, report.area_mm2, report.occupied_area_mm2, report.tiles_used, report.batch)


def side_from_report_json(name: str, data: dict) -> Side:
    """A side from a ``pimsim run --json`` report; one written before reports carried the occupied area
    (``occupied_area_mm2``) is compared on its whole chip, and :func:`format_comparison` says so."""
    area = data["area_mm2"]
    return Side(name, data["latency_ns"], data["throughput_inferences_per_s"], data["energy_per_inference_pj"],
                data["power_mw"], area, data.get("occupied_area_mm2", area), data.get("tiles_used"),
                data.get("stats", {}).get("batch"))


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
    for side in (a, b):
        if side.tiles_used is None:
            lines.append(f"note: {side.name} is a report without the occupied area (written by an older pimsim): "
                         "its whole chip area is used")
    return "\n".join(lines)


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if isinstance(v, int) or abs(v) >= 1000 else f"{v:.4g}"


def comparison_json(a: Side, b: Side) -> dict:
    return {"a": a.to_json_dict(), "b": b.to_json_dict(), "ratios": ratios(a, b)}
