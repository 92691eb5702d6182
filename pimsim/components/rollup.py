"""Area and peak-power roll-up (PE -> tile -> chip) and peak throughput of an architecture.

Every row is priced by the same component models the simulator uses
(``build_components``): area = instances x area_um2; power = instances x
peak_power_mw, where a model's peak power is its per-action energy over the
interval between actions at full activity (``pimsim.components.base``).

Peak throughput (reference 2(a), "Peak throughput / efficiency (derived)";
1 MAC = 2 OPs):
    weight_cols = cols // (ceil(weight_bits / cell_bits) * sign_columns)
    T_mvm_ns    = ceil(input_bits / dac_bits) * slice_interval_ns
    peak_gops   = crossbars_per_chip * 2 * rows * weight_cols / T_mvm_ns   (ops per ns = GOPS)
ISAAC: 16128 crossbars x 2 x 128 x 16 / 1600 ns = 41.3 TOPS.

Assumptions: "peak" is every crossbar busy every slice, the vector unit
evaluating a nonlinear function per lane per cycle, every bank, bus wire and
router port active every cycle, and the I/O link at its rated power.  Off-chip
DRAM is outside the chip and appears in no total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components.catalog import build_components, instances
from pimsim.components.crossbar import slice_interval_ns
from pimsim.spec.units import mw_to_w, um2_to_mm2

LEVELS = ("pe", "tile", "chip")


@dataclass(frozen=True)
class RollupRow:
    role: str
    level: str
    count: float
    """Instances per unit of ``level`` (per PE, per tile, per chip)."""
    model_name: str
    source: str
    area_um2_each: float
    power_mw_each: float
    chip_count: float

    @property
    def area_mm2_per_level(self) -> float:
        return um2_to_mm2(self.count * self.area_um2_each)

    @property
    def power_mw_per_level(self) -> float:
        return self.count * self.power_mw_each


@dataclass(frozen=True)
class Rollup:
    arch_name: str
    rows: tuple[RollupRow, ...]
    level_area_mm2: dict
    level_power_mw: dict
    peak_gops: float
    absent: tuple[tuple[str, str], ...] = ()
    """(role, model) priced but with no instance on the chip (off-chip DRAM, zero max-pool units)."""
    sigmoid_units: int = 0

    @property
    def chip_area_mm2(self) -> float:
        return self.level_area_mm2["chip"]

    @property
    def chip_power_mw(self) -> float:
        return self.level_power_mw["chip"]

    @property
    def gops_per_mm2(self) -> float:
        return self.peak_gops / self.chip_area_mm2

    @property
    def gops_per_w(self) -> float:
        return self.peak_gops / mw_to_w(self.chip_power_mw)

    def breakdown_area_mm2(self) -> dict[str, float]:
        """Chip-level area of each component role, mm^2."""
        return {r.role: um2_to_mm2(r.chip_count * r.area_um2_each) for r in self.rows}

    def breakdown_power_mw(self) -> dict[str, float]:
        """Chip-level peak power of each component role, mW."""
        return {r.role: r.chip_count * r.power_mw_each for r in self.rows}

    def to_json_dict(self) -> dict:
        """Flat JSON object with the stable keys of ``pimsim area --json`` (docs/hardware-model.md)."""
        out: dict = {"arch": self.arch_name}
        for level in LEVELS:
            out[f"{level}.area_mm2"] = self.level_area_mm2[level]
            out[f"{level}.power_mw"] = self.level_power_mw[level]
        out["breakdown_area_mm2"] = self.breakdown_area_mm2()
        out["breakdown_power_mw"] = self.breakdown_power_mw()
        out["models"] = {r.role: r.model_name for r in self.rows}
        out["peak_gops"] = self.peak_gops
        out["gops_per_mm2"] = self.gops_per_mm2
        out["gops_per_w"] = self.gops_per_w
        return out


def peak_gops(arch) -> float:
    """Peak throughput in GOPS (equation in the module docstring)."""
    x, prec = arch.pe.crossbar, arch.precision
    sign = 2 if x.signed_encoding == "differential" else 1
    weight_cols = x.cols // (math.ceil(prec.weight_bits / x.cell_bits) * sign)
    mvm_ns = math.ceil(prec.input_bits / arch.pe.dac.bits) * slice_interval_ns(arch)
    return arch.crossbars_per_chip * 2 * x.rows * weight_cols / mvm_ns


def area_rollup(arch) -> Rollup:
    """Roll area and peak power up from components to PE, tile and chip."""
    comps = build_components(arch)
    inst = instances(arch)
    per_level = {"pe": arch.chip.tiles * arch.tile.pes, "tile": arch.chip.tiles, "chip": 1}
    rows, absent = [], []
    for role, model in comps.items():
        level, count = inst[role]
        if count == 0:
            absent.append((role, model.model_name))
            continue
        rows.append(RollupRow(role, level, count, model.model_name, model.source, model.area_um2,
                              model.peak_power_mw, count * per_level[level]))
    area, power = _level_totals(arch, rows)
    return Rollup(arch.name, tuple(rows), area, power, peak_gops(arch), tuple(absent), arch.tile.sigmoid_units)


def _level_totals(arch, rows) -> tuple[dict, dict]:
    area = {lv: sum(r.area_mm2_per_level for r in rows if r.level == lv) for lv in LEVELS}
    power = {lv: sum(r.power_mw_per_level for r in rows if r.level == lv) for lv in LEVELS}
    area["tile"] += arch.tile.pes * area["pe"]
    power["tile"] += arch.tile.pes * power["pe"]
    area["chip"] += arch.chip.tiles * area["tile"]
    power["chip"] += arch.chip.tiles * power["tile"]
    return area, power


def format_rollup(r: Rollup) -> str:
    """A readable table: each component, how many, which model priced it, area and power per level."""
    head = f"{'level':<5} {'component':<21} {'count':>7} {'area_mm2':>10} {'power_mw':>10}  model"
    lines = [f"area and peak-power roll-up: {r.arch_name}", head, "-" * len(head)]
    for level in LEVELS:
        for row in (x for x in r.rows if x.level == level):
            count = f"{row.count:g}"
            lines.append(f"{level:<5} {row.role:<21} {count:>7} {row.area_mm2_per_level:>10.5f} "
                         f"{row.power_mw_per_level:>10.4f}  {row.model_name}")
        lines.append(f"{level:<5} {'= ' + level + ' total':<21} {'':>7} {r.level_area_mm2[level]:>10.5f} "
                     f"{r.level_power_mw[level]:>10.4f}")
    lines.append("(tile total includes its PEs; chip total includes its tiles)")
    lines.append(f"peak throughput {r.peak_gops:,.1f} GOPS; {r.gops_per_mm2:.1f} GOPS/mm2; {r.gops_per_w:.1f} GOPS/W")
    share = r.breakdown_power_mw().get("adc", 0.0) / r.chip_power_mw
    lines.append(f"ADC share of chip power: {100 * share:.1f} %")
    lines.extend(_notes(r))
    lines.append("sources:")
    for row in r.rows:
        lines.append(f"  {row.role}: {row.source}")
    return "\n".join(lines)


def _notes(r: Rollup) -> list[str]:
    """What the table leaves out, said out loud rather than silently."""
    notes = []
    for role, model in r.absent:
        where = "off-chip" if role == "embedding_storage" else "0 instances"
        notes.append(f"note: {role} priced by {model}: {where}, not in chip totals")
    if r.sigmoid_units:
        notes.append(f"note: tile.sigmoid_units={r.sigmoid_units} are lanes of the vector unit (priced there once)")
    return notes
