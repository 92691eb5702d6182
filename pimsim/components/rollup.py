"""Area, peak-power and leakage roll-up (PE -> tile -> chip, per tile kind) and peak throughput of an architecture.

Every row is priced by the same component models the simulator uses
(``components_by_kind``): area = instances x area_um2; power = instances x
peak_power_mw, where a model's peak power is its leakage plus its
per-action energy over the interval between actions at full activity
(``pimsim.components.base``); leakage = instances x leakage_mw.

Heterogeneous tiles: PE- and tile-level rows are listed per kind (their
``kind`` field), the chip totals sum the kinds:
    chip = sum_k tiles_k x tile_k  +  chip-level rows
    tile_k = sum of kind k's tile rows + pes_k x pe_k

Routers: a tile carries 1/tiles_per_router of one (ISAAC: 10.5 mW of the
42 mW router); when the tiles do not fill the last router, its unshared
rest, ceil(t/c) - t/c routers, is a chip-level ``router`` row.

Power gating (``chip.power_gating`` other than ``none``): every tile gets
sleep switches over its gateable domain (the tile less its router share,
which stays on to route traffic through), a ``power_gating`` row of
    A = 10 % x (tile area - router share area)           (area overhead)
and a gated tile leaks 10 % of its gateable leakage (residual leakage).
Source: power-gating survey figures, "area overhead (typically 5-15 %)" and
"reducing leakage by factors of 10 to 50 times" (Keating et al., Low Power
Methodology Manual, Springer 2007, as summarised at
probsee.com/p/Power_gating); we take the middle of the area range and the
weak end of the leakage reduction.  The static energy a run is charged is
computed by the report layer (``pimsim.report.summary.static_energy``).

Peak throughput (reference 2(a), "Peak throughput / efficiency (derived)";
1 MAC = 2 OPs), per kind k:
    weight_cols = cols // (ceil(weight_bits / cell_bits) * sign_columns)
    T_mvm_ns    = ceil(input_bits / dac_bits) * slice_interval_ns
    peak_gops   = sum_k crossbars_k * 2 * rows * weight_cols / T_mvm_ns   (ops per ns = GOPS)
ISAAC: 16128 crossbars x 2 x 128 x 16 / 1600 ns = 41.3 TOPS.

Compute-only figures leave out the I/O link (``compute_area_mm2``,
``compute_power_mw``): the link is priced apart so a report can show the
chip with and without its off-chip interface.

Assumptions: "peak" is every crossbar busy every slice, the vector unit
evaluating a nonlinear function per lane per cycle, every bank, bus wire and
router port active every cycle, extra components at their declared
``peak_per_cycle``, and the I/O link at its rated power.  Off-chip DRAM is
outside the chip and appears in no total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components.catalog import components_by_kind, instances
from pimsim.components.crossbar import slice_interval_ns
from pimsim.spec.units import mw_to_w, um2_to_mm2

LEVELS = ("pe", "tile", "chip")
GATING_AREA_OVERHEAD = 0.10
"""Sleep-switch area as a share of the gated domain (middle of the 5-15 % survey range; module docstring)."""
GATED_LEAKAGE_FRACTION = 0.10
"""Leakage left in a gated domain (leakage cut 10x, the weak end of the 10-50x survey range)."""
GATING_SOURCE = ("power gating: area 5-15 %, leakage cut 10-50x (Keating et al., Low Power Methodology Manual, "
                 "2007, as summarised at probsee.com/p/Power_gating)")


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
    leakage_mw_each: float = 0.0
    kind: str = "all"

    @property
    def area_mm2_per_level(self) -> float:
        return um2_to_mm2(self.count * self.area_um2_each)

    @property
    def power_mw_per_level(self) -> float:
        return self.count * self.power_mw_each

    @property
    def leakage_mw_per_level(self) -> float:
        return self.count * self.leakage_mw_each


@dataclass(frozen=True)
class KindTotals:
    """Per-PE and per-tile totals of one tile kind (a tile's totals include its PEs and router share)."""

    name: str
    tiles: int
    first_tile: int
    pes: int
    pe_area_mm2: float
    pe_power_mw: float
    pe_leakage_mw: float
    tile_area_mm2: float
    tile_power_mw: float
    tile_leakage_mw: float
    router_leakage_mw: float
    """The tile's share of its router's leakage (stays on under power gating)."""

    @property
    def gateable_leakage_mw(self) -> float:
        return self.tile_leakage_mw - self.router_leakage_mw


@dataclass(frozen=True)
class Rollup:
    arch_name: str
    rows: tuple[RollupRow, ...]
    kinds: tuple[KindTotals, ...]
    chip_area_mm2: float
    chip_power_mw: float
    chip_leakage_mw: float
    peak_gops: float
    absent: tuple[tuple[str, str], ...] = ()
    """(role, model) priced but with no instance on the chip (off-chip DRAM, zero max-pool units)."""
    sigmoid_units: int = 0
    power_gating: str = "none"

    @property
    def heterogeneous(self) -> bool:
        return len(self.kinds) > 1

    def _levels(self, field: str) -> dict:
        out = {"chip": getattr(self, f"chip_{field}")}
        if not self.heterogeneous:
            k = self.kinds[0]
            out["pe"], out["tile"] = getattr(k, f"pe_{field}"), getattr(k, f"tile_{field}")
        return out

    @property
    def level_area_mm2(self) -> dict:
        """{pe, tile, chip} areas, mm^2 (``chip`` only for several tile kinds: see ``kinds``)."""
        return self._levels("area_mm2")

    @property
    def level_power_mw(self) -> dict:
        return self._levels("power_mw")

    @property
    def level_leakage_mw(self) -> dict:
        return self._levels("leakage_mw")

    def kind_of_tile(self, tile: int) -> KindTotals:
        for k in self.kinds:
            if k.first_tile <= tile < k.first_tile + k.tiles:
                return k
        raise IndexError(f"tile {tile}: the chip has tiles 0..{sum(k.tiles for k in self.kinds) - 1}")

    def tile_area_mm2(self, tile: int) -> float:
        """Area of tile index ``tile`` (its kind's), with its PEs and router share, mm^2."""
        return self.kind_of_tile(tile).tile_area_mm2

    @property
    def chip_level_leakage_mw(self) -> float:
        """Leakage of the chip-level rows (link, global buffer, chip extras, unshared router rest): always on."""
        return sum(r.chip_count * r.leakage_mw_each for r in self.rows if r.level == "chip")

    @property
    def io_area_mm2(self) -> float:
        return self.breakdown_area_mm2().get("io_link", 0.0)

    @property
    def io_power_mw(self) -> float:
        return self.breakdown_power_mw().get("io_link", 0.0)

    @property
    def compute_area_mm2(self) -> float:
        """Chip area without the I/O link, mm^2."""
        return self.chip_area_mm2 - self.io_area_mm2

    @property
    def compute_power_mw(self) -> float:
        """Chip peak power without the I/O link, mW."""
        return self.chip_power_mw - self.io_power_mw

    @property
    def gops_per_mm2(self) -> float:
        return self.peak_gops / self.chip_area_mm2

    @property
    def gops_per_w(self) -> float:
        return self.peak_gops / mw_to_w(self.chip_power_mw)

    @property
    def compute_gops_per_mm2(self) -> float:
        return self.peak_gops / self.compute_area_mm2

    @property
    def compute_gops_per_w(self) -> float:
        return self.peak_gops / mw_to_w(self.compute_power_mw)

    def _breakdown(self, value) -> dict[str, float]:
        out: dict[str, float] = {}
        for r in self.rows:
            out[r.role] = out.get(r.role, 0.0) + value(r)
        return out

    def breakdown_area_mm2(self) -> dict[str, float]:
        """Chip-level area of each component role (summed over kinds and levels), mm^2."""
        return self._breakdown(lambda r: um2_to_mm2(r.chip_count * r.area_um2_each))

    def breakdown_power_mw(self) -> dict[str, float]:
        """Chip-level peak power of each component role, mW."""
        return self._breakdown(lambda r: r.chip_count * r.power_mw_each)

    def breakdown_leakage_mw(self) -> dict[str, float]:
        """Chip-level leakage of each component role, mW."""
        return self._breakdown(lambda r: r.chip_count * r.leakage_mw_each)

    def to_json_dict(self) -> dict:
        """Flat JSON object with the stable keys of ``pimsim area --json`` (docs/hardware-model.md)."""
        out: dict = {"arch": self.arch_name}
        for name, levels in (("area_mm2", self.level_area_mm2), ("power_mw", self.level_power_mw),
                             ("leakage_mw", self.level_leakage_mw)):
            for level, value in levels.items():
                out[f"{level}.{name}"] = value
        out["compute.area_mm2"] = self.compute_area_mm2
        out["compute.power_mw"] = self.compute_power_mw
        out["io_link.area_mm2"] = self.io_area_mm2
        out["io_link.power_mw"] = self.io_power_mw
        out["breakdown_area_mm2"] = self.breakdown_area_mm2()
        out["breakdown_power_mw"] = self.breakdown_power_mw()
        out["breakdown_leakage_mw"] = self.breakdown_leakage_mw()
        out["models"] = {r.role: r.model_name for r in self.rows}
        out["kinds"] = [{"name": k.name, "tiles": k.tiles, "first_tile": k.first_tile, "pes": k.pes,
                         "pe.area_mm2": k.pe_area_mm2, "pe.power_mw": k.pe_power_mw,
                         "pe.leakage_mw": k.pe_leakage_mw, "tile.area_mm2": k.tile_area_mm2,
                         "tile.power_mw": k.tile_power_mw, "tile.leakage_mw": k.tile_leakage_mw}
                        for k in self.kinds]
        out["power_gating"] = self.power_gating
        out["peak_gops"] = self.peak_gops
        out["gops_per_mm2"] = self.gops_per_mm2
        out["gops_per_w"] = self.gops_per_w
        out["compute.gops_per_mm2"] = self.compute_gops_per_mm2
        out["compute.gops_per_w"] = self.compute_gops_per_w
        return out


def _kind_peak_gops(arch) -> float:
    x, prec = arch.pe.crossbar, arch.precision
    sign = 2 if x.signed_encoding == "differential" else 1
    weight_cols = x.cols // (math.ceil(prec.weight_bits / x.cell_bits) * sign)
    mvm_ns = math.ceil(prec.input_bits / arch.pe.dac.bits) * slice_interval_ns(arch)
    crossbars = arch.chip.tiles * arch.tile.pes * arch.pe.crossbars
    return crossbars * 2 * x.rows * weight_cols / mvm_ns


def peak_gops(arch) -> float:
    """Peak throughput in GOPS, summed over tile kinds (equation in the module docstring)."""
    total = 0.0
    for k in arch.tile_kinds:
        view = arch.kind_arch(k.name) if arch.heterogeneous else arch
        total += _kind_peak_gops(view) * k.count / arch.chip.tiles
    return total


def _rows_of_kind(arch, kind, comps, chip_rows_done: bool) -> tuple[list[RollupRow], list]:
    inst = instances(arch, kind.name if arch.heterogeneous else None)
    per_level = {"pe": kind.count * kind.tile.pes, "tile": kind.count, "chip": 1}
    rows, absent = [], []
    for role, model in comps.items():
        level, count = inst[role]
        if level == "chip" and chip_rows_done:
            continue
        if count == 0:
            absent.append((role, model.model_name))
            continue
        rows.append(RollupRow(role, level, count, model.model_name, model.source, model.area_um2,
                              model.peak_power_mw, count * per_level[level], model.leakage_mw,
                              kind.name if level != "chip" else "chip"))
    return rows, absent


def _router_rest(arch, comps) -> list[RollupRow]:
    """The unshared part of a partly used last router, as a chip-level row (empty when tiles fill them)."""
    rest = arch.routers - arch.chip.tiles / arch.tile.router.tiles_per_router
    if rest <= 1e-12:
        return []
    r = comps.router
    note = f"{r.model_name}, unshared rest of the last router"
    return [RollupRow("router", "chip", rest, note, r.source, r.area_um2, r.peak_power_mw, rest, r.leakage_mw, "chip")]


def _gating_rows(arch, kinds: list[KindTotals], rows: list[RollupRow]) -> list[RollupRow]:
    out = []
    for k in kinds:
        router = sum(r.area_mm2_per_level for r in rows if r.kind == k.name and r.role == "router")
        gated_um2 = (k.tile_area_mm2 - router) * 1.0e6
        out.append(RollupRow("power_gating", "tile", 1, f"sleep_switches({100 * GATING_AREA_OVERHEAD:g} % of the "
                             "gated tile area)", GATING_SOURCE, GATING_AREA_OVERHEAD * gated_um2, 0.0, k.tiles,
                             0.0, k.name))
    return out


def _kind_totals(kind, rows: list[RollupRow]) -> KindTotals:
    mine = [r for r in rows if r.kind == kind.name]

    def total(level: str, attr: str) -> float:
        return sum(getattr(r, attr) for r in mine if r.level == level)

    pes = kind.tile.pes
    pe = {a: total("pe", a) for a in ("area_mm2_per_level", "power_mw_per_level", "leakage_mw_per_level")}
    tile = {a: total("tile", a) + pes * pe[a] for a in pe}
    router = sum(r.leakage_mw_per_level for r in mine if r.role == "router")
    return KindTotals(kind.name, kind.count, kind.first_tile, pes, pe["area_mm2_per_level"],
                      pe["power_mw_per_level"], pe["leakage_mw_per_level"], tile["area_mm2_per_level"],
                      tile["power_mw_per_level"], tile["leakage_mw_per_level"], router)


def area_rollup(arch) -> Rollup:
    """Roll area, peak power and leakage up from components to PE, tile and chip, per tile kind."""
    sets = components_by_kind(arch)
    rows, absent = [], []
    for i, kind in enumerate(arch.tile_kinds):
        k_rows, k_absent = _rows_of_kind(arch, kind, sets[kind.name], chip_rows_done=i > 0)
        rows += k_rows
        absent += [a for a in k_absent if a not in absent]
    first = next(iter(sets.values()))
    rows += _router_rest(arch, first)
    kinds = [_kind_totals(k, rows) for k in arch.tile_kinds]
    if arch.chip.power_gating != "none":
        rows += _gating_rows(arch, kinds, rows)
        kinds = [_kind_totals(k, rows) for k in arch.tile_kinds]
    chip = {a: sum(getattr(r, a) for r in rows if r.level == "chip")
            for a in ("area_mm2_per_level", "power_mw_per_level", "leakage_mw_per_level")}
    area = chip["area_mm2_per_level"] + sum(k.tiles * k.tile_area_mm2 for k in kinds)
    power = chip["power_mw_per_level"] + sum(k.tiles * k.tile_power_mw for k in kinds)
    leak = chip["leakage_mw_per_level"] + sum(k.tiles * k.tile_leakage_mw for k in kinds)
    sigmoid = sum(k.count * k.tile.sigmoid_units for k in arch.tile_kinds) // arch.chip.tiles
    return Rollup(arch.name, tuple(rows), tuple(kinds), area, power, leak, peak_gops(arch), tuple(absent),
                  sigmoid, arch.chip.power_gating)


def _row_line(level: str, row: RollupRow) -> str:
    return (f"{level:<5} {row.role:<21} {row.count:>7g} {row.area_mm2_per_level:>10.5f} "
            f"{row.power_mw_per_level:>10.4f} {row.leakage_mw_per_level:>10.4f}  {row.model_name}")


def format_rollup(r: Rollup) -> str:
    """A readable table: each component, how many, which model priced it, area, peak power and leakage."""
    head = f"{'level':<5} {'component':<21} {'count':>7} {'area_mm2':>10} {'power_mw':>10} {'leak_mw':>10}  model"
    lines = [f"area, peak-power and leakage roll-up: {r.arch_name}", head, "-" * len(head)]
    for k in r.kinds:
        if r.heterogeneous:
            lines.append(f"tile kind {k.name}: {k.tiles} tiles from tile {k.first_tile}, {k.pes} PEs each")
        for level, total in (("pe", (k.pe_area_mm2, k.pe_power_mw, k.pe_leakage_mw)),
                             ("tile", (k.tile_area_mm2, k.tile_power_mw, k.tile_leakage_mw))):
            for row in (x for x in r.rows if x.level == level and x.kind == k.name):
                lines.append(_row_line(level, row))
            lines.append(f"{level:<5} {'= ' + level + ' total':<21} {'':>7} {total[0]:>10.5f} {total[1]:>10.4f} "
                         f"{total[2]:>10.4f}")
    for row in (x for x in r.rows if x.level == "chip"):
        lines.append(_row_line("chip", row))
    lines.append(f"{'chip':<5} {'= chip total':<21} {'':>7} {r.chip_area_mm2:>10.5f} {r.chip_power_mw:>10.4f} "
                 f"{r.chip_leakage_mw:>10.4f}")
    lines.append("(tile total includes its PEs and router share; chip total includes its tiles)")
    lines.append(f"compute only (without the I/O link): {r.compute_area_mm2:.5g} mm2, {r.compute_power_mw:.5g} mW; "
                 f"I/O link {r.io_area_mm2:.5g} mm2, {r.io_power_mw:.5g} mW")
    lines.append(f"peak throughput {r.peak_gops:,.1f} GOPS; {r.gops_per_mm2:.1f} GOPS/mm2; {r.gops_per_w:.1f} GOPS/W "
                 f"(compute only: {r.compute_gops_per_mm2:.1f} GOPS/mm2; {r.compute_gops_per_w:.1f} GOPS/W)")
    share = r.breakdown_power_mw().get("adc", 0.0) / r.chip_power_mw
    lines.append(f"ADC share of chip power: {100 * share:.1f} %; static (leakage) share of peak power: "
                 f"{100 * r.chip_leakage_mw / r.chip_power_mw:.1f} %; power gating: {r.power_gating}")
    lines.extend(_notes(r))
    lines.append("sources:")
    seen = set()
    for row in r.rows:
        if (row.role, row.source) not in seen:
            seen.add((row.role, row.source))
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
    if any("." in row.role for row in r.rows):
        notes.append("note: extra components (<level>.<name>) are charged in simulation only for emitted actions "
                     "(none today) plus their leakage")
    return notes
