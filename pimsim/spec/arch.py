"""The architecture spec (``arch.yaml``): what hardware the simulator models.

Hierarchy: chip -> tiles on a 2-D mesh -> processing elements (PEs, ISAAC's
"IMAs") -> ReRAM crossbars with their DACs, sample-and-holds, ADCs and
shift-and-add units.  Each tile also has a buffer (eDRAM or SRAM), a bus, a
share of a NoC router and a digital vector unit; the chip may have a global
buffer, an I/O link, and extra components (instruction memories, control)
at any level; embedding tables live in on-chip ReRAM or off-chip DRAM.
Tiles may come in several kinds (``chip.tile_kinds``), each with its own PE,
converter and crossbar parameters.

This module owns the file format: typed, frozen pydantic models with every
unit in its field name, unknown keys rejected, finite floats only, every
number bounded by a physical limit (the description says why), and
cross-field rules checked.  It is deliberately free of numba and torch so
that every tool can import it.  The energy/area *models* that price these
parameters live in ``pimsim.components``; this file only says what the
hardware is.

Assumptions: one clock (``clock_mhz``) drives every digital unit and is the
simulator's time base; analog latencies given in ns are converted to cycles
of that clock once, at load (``pimsim.spec.units.ns_to_cycles``).

Schema version 1 grew optional fields (defaults reproduce the earlier
meaning exactly); ``ArchSpec.sha256`` leaves a field added later out of the
hash while it holds its default, so mappings compiled before stay valid.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel, ConfigDict, Field, ValidationError, field_validator, model_serializer, model_validator,
)

from pimsim.spec.errors import SpecError

ARCH_SCHEMA_VERSION = 1
NODE_MIN_NM, NODE_MAX_NM = 7, 130
"""Nodes covered by every scaling table in ``pimsim.components.scaling`` (Stillmaker & Baas area and
energy, 180-7 nm; NeuroSim V1.4 supply voltages for leakage, 130-7 nm)."""

MAX_CROSSBARS_PER_CHIP = 1 << 24
"""16.8 M crossbars: a 858 mm^2 reticle holds < 1 M PE crossbars with their ADCs (ISAAC: 16,128 in 85 mm^2)."""

PRESETS = ("isaac", "default", "puma", "neurosim_rram")
IMPLICIT_KIND = "all"
"""Name of the single tile kind of an architecture without ``chip.tile_kinds``."""

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

SERDES_DEFAULTS = {"lane_gbps": 10.0, "energy_pj_per_bit": 1.4, "area_mm2_per_lane": 3.2 / 47,
                   "static_fraction": 1.0}
"""Per-lane figures of a ``kind: serdes`` link when the file leaves them out: F. O'Mahony et al., "A 47x10 Gb/s
1.4 mW/(Gb/s) parallel interface in 45 nm CMOS", IEEE JSSC 45(12), 2010: 10 Gb/s per lane, 1.4 pJ/bit,
3.2 mm^2 active area for 47 lanes.  Without its power management the link's clocking and receivers run
whether or not bits move (its standby mode cuts receiver power by 93 %), so static_fraction = 1; a managed
link can set 0.07."""


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _identifier(v: str) -> str:
    if not _NAME_RE.match(v):
        raise ValueError(f"{v!r}: must be an identifier (letters, digits, underscore; not starting with a digit)")
    return v


def interpolate_geometric(points: list[tuple[float, float]], x: float) -> float:
    """y at ``x`` from (x, y) points sorted by x, geometric (log-linear in y) between neighbours.

    Exact at the points; between two points y = y0 (y1/y0)^t with t = (x - x0)/(x1 - x0).  A zero y at
    either end falls back to linear interpolation (a geometric mean with 0 is 0).  ``x`` outside the points
    raises ``ValueError``: no extrapolation.
    """
    xs = [p[0] for p in points]
    if not xs[0] <= x <= xs[-1]:
        raise ValueError(f"{x:g} outside the table's {xs[0]:g}-{xs[-1]:g}")
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x0 <= x <= x1:
            t = (x - x0) / (x1 - x0)
            if y0 > 0 and y1 > 0:
                return y0 * (y1 / y0) ** t
            return y0 + (y1 - y0) * t
    return points[-1][1]  # single point, x equal to it


# ---------------------------------------------------------------------------------------------------------
# Technology, crossbar and its cell
# ---------------------------------------------------------------------------------------------------------
class TechnologySpec(_Strict):
    node_nm: int = Field(ge=NODE_MIN_NM, le=NODE_MAX_NM, description=(
        "CMOS node of the periphery (ADC, DAC, digital, buffers, network), nm; 7-130: the range every "
        "scaling table of pimsim.components.scaling covers (other nodes are interpolated between its points)"))
    array_node_nm: int | None = Field(None, ge=NODE_MIN_NM, le=NODE_MAX_NM, description=(
        "node of the crossbar array's metal pitch, nm: F of pe.crossbar.cell.area_f2 and the node the "
        "ISAAC-default array area scales to; null: same as node_nm"))

    @property
    def array_nm(self) -> int:
        return self.node_nm if self.array_node_nm is None else self.array_node_nm


class CellSpec(_Strict):
    """One ReRAM cell: its footprint and the energy of reading it once; unset parts default to ISAAC's."""

    area_f2: float | None = Field(None, gt=0, le=1000.0, description=(
        "cell area in F^2 with F = technology.array_node_nm (0T1R crossbar 4, NeuroSim 1T1R 48); limit 1000 "
        "F^2: larger than any memory cell (NeuroSim's 7 nm SRAM is 551 F^2)"))
    area_um2: float | None = Field(None, gt=0, le=100.0, description=(
        "cell area in um^2 (instead of area_f2); limit 100 um^2 = 1000 F^2 at 320 nm"))
    read_energy_fj: float | None = Field(None, gt=0, le=1.0e4, description=(
        "energy of one cell in one sensing step, fJ; limit 10 pJ: V^2 G t at 1 V, 1 MS, 10 ns"))
    read_voltage_v: float | None = Field(None, gt=0, le=5.0, description=(
        "read voltage across a cell, V (with r_on_kohm, r_off_kohm: E = V^2 (G_on + G_off)/2 t_read); "
        "limit 5 V: above any ReRAM forming voltage"))
    r_on_kohm: float | None = Field(None, gt=0, le=1.0e6, description="low-resistance state, kOhm; limit 1 GOhm")
    r_off_kohm: float | None = Field(None, gt=0, le=1.0e7, description="high-resistance state, kOhm; limit 10 GOhm")

    @model_validator(mode="after")
    def _one_way_each(self) -> "CellSpec":
        if self.area_f2 is not None and self.area_um2 is not None:
            raise ValueError("give area_f2 or area_um2, not both")
        law = (self.read_voltage_v, self.r_on_kohm, self.r_off_kohm)
        if any(v is not None for v in law):
            if self.read_voltage_v is None or self.r_on_kohm is None or self.r_off_kohm is None:
                raise ValueError("the conductance read law needs read_voltage_v, r_on_kohm and r_off_kohm")
            if self.read_energy_fj is not None:
                raise ValueError("give read_energy_fj or the conductance law (read_voltage_v, r_*_kohm), not both")
            if self.r_off_kohm <= self.r_on_kohm:
                raise ValueError(f"r_off_kohm={self.r_off_kohm:g}: must exceed r_on_kohm={self.r_on_kohm:g}")
        return self


class CrossbarSpec(_Strict):
    rows: int = Field(ge=2, le=4096, description="word lines (inputs) per crossbar, a power of two; limit 4096: "
                      "IR drop makes larger analog arrays unreadable")
    cols: int = Field(ge=2, le=4096, description="bit lines (outputs) per crossbar, a power of two; limit 4096")
    cell_bits: int = Field(ge=1, le=8, description="bits stored per ReRAM cell; limit 8 (256 levels)")
    read_latency_ns: float = Field(gt=0, le=1.0e5, description=(
        "one analog read (one sensing step), ns; limit 100 us, 1000x ISAAC's 100 ns"))
    write_latency_ns_per_row: float = Field(gt=0, le=1.0e6, description="programming one row, ns; limit 1 ms")
    signed_encoding: Literal["differential", "offset"] = Field(
        "differential", description="signed weights as a +/- column pair, or with an offset column"
    )
    rows_per_read: int | None = Field(None, ge=1, le=4096, description=(
        "rows activated together in one sensing step (NeuroSim parallelRead); must divide rows; "
        "null: all rows (full parallel read)"))
    cell: CellSpec | None = Field(None, description="cell area and read energy; null: ISAAC's (Table 6)")

    @field_validator("rows", "cols")
    @classmethod
    def _pow2(cls, v: int) -> int:
        if not _is_power_of_two(v):
            raise ValueError(f"{v}: must be a power of two")
        return v

    @property
    def rows_read_at_once(self) -> int:
        return self.rows if self.rows_per_read is None else self.rows_per_read


# ---------------------------------------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------------------------------------
class AdcPoint(_Strict):
    bits: int = Field(ge=1, le=16, description="resolution of this design point, bits")
    energy_pj: float = Field(gt=0, le=1.0e4, description=(
        "dynamic energy of one conversion, pJ; limit 10 nJ, 1000x the dearest survey ADC"))
    area_um2: float = Field(gt=0, le=1.0e7, description="area of one ADC, um^2; limit 10 mm^2")
    conversion_ns: float = Field(gt=0, le=1.0e6, description="time of one conversion, ns; limit 1 ms")
    leakage_mw: float = Field(ge=0, le=1.0e3, description="static power of one ADC, mW; limit 1 W")


class DacPoint(_Strict):
    bits: int = Field(ge=1, le=16, description="resolution of this design point, bits")
    energy_pj: float = Field(gt=0, le=1.0e4, description="energy of driving one row for one sensing step, pJ")
    area_um2: float = Field(gt=0, le=1.0e6, description="area of one DAC, um^2; limit 1 mm^2")
    leakage_mw: float = Field(ge=0, le=1.0e3, description="static power of one DAC, mW; limit 1 W")


def _check_table(points, what: str) -> None:
    bits = [p.bits for p in points]
    if any(b1 <= b0 for b0, b1 in zip(bits, bits[1:])):
        raise ValueError(f"{what}.table: bits must increase strictly from point to point (got {bits})")


class AdcSpec(_Strict):
    bits: int = Field(ge=1, le=16, description="ADC resolution, bits; limit 16")
    sample_rate_msps: float | None = Field(None, ge=1.0e-3, le=1.0e5, description=(
        "conversions per microsecond (MS/s) at `bits`; limits 1 kS/s (1 ms per conversion)-100 GS/s; "
        "required for the laws, derived from the table (1000 / conversion_ns) for model=table"))
    per_crossbar: int = Field(ge=1, le=4096, description=(
        "ADCs in one bank; a bank serves shared_by_crossbars crossbars (1: each crossbar its own bank), "
        "a crossbar's columns interleaved over them; must divide pe.crossbar.cols"))
    shared_by_crossbars: int = Field(1, ge=1, le=1024, description=(
        "crossbars served by one ADC bank, their conversions serialised; must divide pe.crossbars"))
    model: Literal["isaac_sar", "murmann_survey", "table"] = Field(
        "isaac_sar", description="energy/area/conversion-time law, or a per-resolution table (docs/hardware-model.md)"
    )
    table: tuple[AdcPoint, ...] | None = Field(None, min_length=1, max_length=16, description=(
        "design points for model=table, bits increasing; geometric interpolation between points, none outside"))
    table_node_nm: int | None = Field(None, ge=NODE_MIN_NM, le=NODE_MAX_NM, description=(
        "node the table was characterised at, nm (scaled to technology.node_nm); null: at technology.node_nm"))

    @model_validator(mode="after")
    def _model_fields(self) -> "AdcSpec":
        if self.model == "table":
            if self.table is None:
                raise ValueError("model=table needs a table: list of {bits, energy_pj, area_um2, conversion_ns, "
                                 "leakage_mw}")
            _check_table(self.table, "adc")
            lo, hi = self.table[0].bits, self.table[-1].bits
            if not lo <= self.bits <= hi:
                raise ValueError(f"bits={self.bits}: outside the table's {lo}-{hi} bits (no extrapolation)")
            rate = 1.0e3 / interpolate_geometric([(p.bits, p.conversion_ns) for p in self.table], self.bits)
            if self.sample_rate_msps is None:
                object.__setattr__(self, "sample_rate_msps", rate)
            elif not math.isclose(self.sample_rate_msps, rate, rel_tol=1e-9):
                raise ValueError(f"sample_rate_msps={self.sample_rate_msps:g}: the table gives {rate:g} MS/s at "
                                 f"{self.bits} bits (leave it out; it is derived)")
        else:
            if self.table is not None or self.table_node_nm is not None:
                raise ValueError(f"model={self.model}: table and table_node_nm are for model=table only")
            if self.sample_rate_msps is None:
                raise ValueError(f"model={self.model}: sample_rate_msps is required")
        return self

    @property
    def lowest_bits(self) -> int:
        """Fewest bits one conversion may resolve: the table's first point (no extrapolation), 1 for a law."""
        return self.table[0].bits if self.model == "table" and self.table else 1  # a table model has a table

    @model_serializer(mode="wrap")
    def _drop_derived(self, handler):
        """A table ADC's rate is derived at load: left out of dumps, so a variant with other bits re-derives it."""
        out = handler(self)
        if self.model == "table" and isinstance(out, dict):
            out["sample_rate_msps"] = None
        return out


class DacSpec(_Strict):
    bits: int = Field(ge=1, le=8, description="input bits applied per crossbar read; limit 8")
    per_crossbar: int | None = Field(None, ge=1, le=4096, description=(
        "DACs per crossbar (row drivers), at least pe.crossbar.rows_per_read and at most rows; null: one per row"))
    model: Literal["isaac_x2_per_bit", "table"] = Field(
        "isaac_x2_per_bit", description="ISAAC's 1-bit DAC doubled per bit (MNSIM), or a per-resolution table")
    table: tuple[DacPoint, ...] | None = Field(None, min_length=1, max_length=16, description=(
        "design points for model=table, bits increasing; geometric interpolation between points"))
    table_node_nm: int | None = Field(None, ge=NODE_MIN_NM, le=NODE_MAX_NM, description=(
        "node the table was characterised at, nm; null: at technology.node_nm"))

    @model_validator(mode="after")
    def _model_fields(self) -> "DacSpec":
        if self.model == "table":
            if self.table is None:
                raise ValueError("model=table needs a table: list of {bits, energy_pj, area_um2, leakage_mw}")
            _check_table(self.table, "dac")
            lo, hi = self.table[0].bits, self.table[-1].bits
            if not lo <= self.bits <= hi:
                raise ValueError(f"bits={self.bits}: outside the table's {lo}-{hi} bits (no extrapolation)")
        elif self.table is not None or self.table_node_nm is not None:
            raise ValueError(f"model={self.model}: table and table_node_nm are for model=table only")
        return self


# ---------------------------------------------------------------------------------------------------------
# Extra components (Accelergy's ERT/ART idea): priced in area and leakage; actions only when emitted
# ---------------------------------------------------------------------------------------------------------
class ActionSpec(_Strict):
    name: str = Field(description="action name (identifier), e.g. read, fetch, decode")
    energy_pj: float = Field(ge=0, le=1.0e6, description="energy of one action of one instance, pJ; limit 1 uJ")
    peak_per_cycle: float = Field(0.0, ge=0, le=1.0e4, description=(
        "actions per clock cycle per instance at full activity, for the roll-up's peak power (0: not at peak)"))

    @field_validator("name")
    @classmethod
    def _valid_name(cls, v: str) -> str:
        return _identifier(v)


class ExtraComponentSpec(_Strict):
    name: str = Field(description="component name (identifier, unique at its level), e.g. instruction_memory")
    count: int = Field(ge=1, le=1 << 20, description="instances per PE, tile or chip (by where it is listed)")
    area_um2: float = Field(ge=0, le=1.0e8, description="area of one instance, um^2; limit 100 mm^2")
    leakage_mw: float = Field(ge=0, le=1.0e5, description="static power of one instance, mW; limit 100 W")
    actions: tuple[ActionSpec, ...] = Field((), max_length=32, description=(
        "per-action energies; charged only when the compiler/simulator emits the action (today: none)"))
    node_nm: int | None = Field(None, ge=NODE_MIN_NM, le=NODE_MAX_NM, description=(
        "node these figures were characterised at, nm (scaled to technology.node_nm); null: at technology.node_nm"))
    source: str = Field(min_length=1, max_length=500, description="citation of these figures")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, v: str) -> str:
        return _identifier(v)

    @model_validator(mode="after")
    def _unique_actions(self) -> "ExtraComponentSpec":
        names = [a.name for a in self.actions]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: action names repeat ({names})")
        return self


def _unique_names(items, where: str) -> None:
    names = [c.name for c in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{where}: component names repeat: {', '.join(dup)}")


# ---------------------------------------------------------------------------------------------------------
# Memories, network, I/O
# ---------------------------------------------------------------------------------------------------------
class BufferSpec(_Strict):
    kind: Literal["edram", "sram"] = Field(description="memory technology (selects the energy/area/leakage law)")
    capacity_bytes: int = Field(gt=0, le=1 << 30, description="bytes per tile; limit 1 GiB, no tile buffer is larger")
    width_bits: int = Field(gt=0, le=4096, description="bits per access; limit 4096")
    banks: int = Field(1, ge=1, le=64, description="independently accessed banks; limit 64")
    bank_cycle_ns: float | None = Field(None, gt=0, le=1.0e3, description=(
        "time between two accesses of one bank, ns; null: ISAAC's eDRAM figure (4.04 ns, derived from Table 6)"))


class GlobalBufferSpec(_Strict):
    kind: Literal["edram", "sram"] = Field(description="memory technology (selects the law)")
    capacity_bytes: int = Field(gt=0, le=1 << 34, description="bytes; limit 16 GiB (wafer-scale SRAM is 44 GB)")
    width_bits: int = Field(gt=0, le=65536, description="bits per access of one bank")
    banks: int = Field(1, ge=1, le=1024, description="independently accessed banks")
    bank_cycle_ns: float | None = Field(None, gt=0, le=1.0e3, description=(
        "time between two accesses of one bank, ns; null: ISAAC's eDRAM bank cycle"))
    energy_pj_per_access: float | None = Field(None, gt=0, le=1.0e6, description=(
        "energy of one access, pJ (overrides the kind's law); limit 1 uJ"))
    leakage_mw: float | None = Field(None, ge=0, le=1.0e5, description=(
        "static power of the whole buffer, mW (overrides the kind's law); limit 100 W"))


class RouterSpec(_Strict):
    flit_bits: int = Field(gt=0, le=4096, description="link width: bits moved per hop per cycle; limit 4096")
    ports: int = Field(ge=2, le=16, description="router ports; limit 16")
    tiles_per_router: int = Field(1, ge=1, le=16, description=(
        "tiles sharing one router (ISAAC: 4); the last router may serve fewer"))
    hop_latency_cycles: int = Field(ge=1, le=1000, description="cycles per hop; limit 1000")


class VectorUnitSpec(_Strict):
    lanes: int = Field(ge=1, le=4096, description="element operations per cycle; limit 4096")


class IoLinkSpec(_Strict):
    """The chip's off-chip link: a rated block (HyperTransport in the presets) or a SerDes PHY by lanes.

    For ``kind: serdes`` the rated fields are derived: bandwidth = lanes x lane_gbps, power = bandwidth x
    energy_pj_per_bit, area = lanes x area_mm2_per_lane; unset per-lane figures take the cited PHY of
    ``pimsim.components.network`` (O'Mahony et al., JSSC 2010).
    """

    kind: Literal["rated", "serdes"] = Field("rated", description="rated block, or SerDes lanes")
    bandwidth_gbps: float | None = Field(None, ge=1.0e-3, le=1.0e5, description=(
        "off-chip bandwidth, Gbit/s; limits 1 Mb/s-100 Tb/s (derived for serdes)"))
    power_mw: float | None = Field(None, ge=0, le=1.0e6, description=(
        "power at full bandwidth, mW (ISAAC HyperTransport: 10400); limit 1 kW (derived for serdes)"))
    area_mm2: float | None = Field(None, ge=0, le=1.0e4, description="area, mm^2; limit 10^4 (derived for serdes)")
    leakage_mw: float | None = Field(None, ge=0, le=1.0e6, description=(
        "rated: static part of power_mw, mW (default 0: puma-simulator constants.py prices HyperTransport "
        "as all dynamic); derived for serdes"))
    lanes: int | None = Field(None, ge=1, le=1024, description="serdes: lanes (each one TX + RX); limit 1024")
    lane_gbps: float | None = Field(None, ge=1.0e-3, le=448.0, description="serdes: Gbit/s per lane; limits 1 Mb/s-448 Gb/s")
    energy_pj_per_bit: float | None = Field(None, gt=0, le=1.0e3, description="serdes: pJ per bit at full rate")
    area_mm2_per_lane: float | None = Field(None, gt=0, le=100.0, description="serdes: mm^2 per lane")
    static_fraction: float | None = Field(None, ge=0, le=1.0, description=(
        "serdes: share of full-rate power drawn whether or not bits move (1: always-on clocking and receivers)"))

    @model_validator(mode="after")
    def _kind_fields(self) -> "IoLinkSpec":
        serdes_only = ("lanes", "lane_gbps", "energy_pj_per_bit", "area_mm2_per_lane", "static_fraction")
        if self.kind == "rated":
            for f in ("bandwidth_gbps", "power_mw", "area_mm2"):
                if getattr(self, f) is None:
                    raise ValueError(f"kind=rated: {f} is required")
            extra = [f for f in serdes_only if getattr(self, f) is not None]
            if extra:
                raise ValueError(f"kind=rated: {', '.join(extra)} are for kind=serdes only")
            leak = 0.0 if self.leakage_mw is None else self.leakage_mw
            power_mw = self.power_mw
            assert power_mw is not None  # required above
            if leak > power_mw:
                raise ValueError(f"leakage_mw={leak:g}: more than power_mw={self.power_mw:g}")
            object.__setattr__(self, "leakage_mw", leak)
            return self
        return self._derive_serdes()

    @model_serializer(mode="wrap")
    def _drop_derived(self, handler):
        """A SerDes link's rated figures are derived from its lanes at load: left out of dumps (as null), so a
        variant with other lanes re-derives them."""
        out = handler(self)
        if self.kind == "serdes" and isinstance(out, dict):
            for f in ("bandwidth_gbps", "power_mw", "area_mm2", "leakage_mw"):
                out[f] = None
        return out

    def _derive_serdes(self) -> "IoLinkSpec":
        if self.lanes is None:
            raise ValueError("kind=serdes: lanes is required")
        for f, v in SERDES_DEFAULTS.items():
            if getattr(self, f) is None:
                object.__setattr__(self, f, v)
        lane_gbps, pj_per_bit, mm2_per_lane, static_fraction = (getattr(self, f) for f in (  # set just above
            "lane_gbps", "energy_pj_per_bit", "area_mm2_per_lane", "static_fraction"))
        bw = self.lanes * lane_gbps
        power = bw * pj_per_bit  # Gbit/s x pJ/bit = mW
        derived = {"bandwidth_gbps": bw, "power_mw": power, "area_mm2": self.lanes * mm2_per_lane,
                   "leakage_mw": power * static_fraction}
        for f, v in derived.items():
            given = getattr(self, f)
            if given is None:
                object.__setattr__(self, f, v)
            elif not math.isclose(given, v, rel_tol=1e-9, abs_tol=1e-12):
                raise ValueError(f"kind=serdes: {f}={given:g} disagrees with the lanes ({v:g}); leave it out")
        return self


class DramSpec(_Strict):
    bandwidth_gbps: float = Field(ge=1.0e-3, le=1.0e5, description="off-chip DRAM bandwidth, Gbit/s; limits 1 Mb/s-100 Tb/s")
    energy_pj_per_bit: float = Field(gt=0, le=1.0e3, description="energy per bit read, pJ; limit 1 nJ")
    latency_ns: float = Field(gt=0, le=1.0e6, description="access latency before the first bit, ns; limit 1 ms")


class EmbeddingSpec(_Strict):
    location: Literal["onchip", "dram"] = Field(description="where embedding tables are stored")
    dram: DramSpec | None = Field(None, description="off-chip DRAM channel, needed when location=dram")
    onchip_capacity_bytes: int = Field(0, ge=0, le=1 << 36, description=(
        "on-chip ReRAM memory for tables, whole chip (split over tiles), bytes; needed when onchip; "
        "limit 64 GiB"))

    @model_validator(mode="after")
    def _dram_given(self) -> "EmbeddingSpec":
        if self.location == "dram" and self.dram is None:
            raise ValueError("location=dram needs a dram: section")
        if self.location == "onchip" and self.onchip_capacity_bytes == 0:
            raise ValueError("location=onchip needs onchip_capacity_bytes > 0 (its area is priced)")
        return self


# ---------------------------------------------------------------------------------------------------------
# PE, tile, tile kinds, chip
# ---------------------------------------------------------------------------------------------------------
class PeSpec(_Strict):
    crossbars: int = Field(ge=1, le=1024, description="crossbars per PE; limit 1024")
    crossbar: CrossbarSpec = Field(description="the ReRAM crossbar array and its cell")
    adc: AdcSpec = Field(description="the analog-to-digital converters reading the columns")
    dac: DacSpec = Field(description="the digital-to-analog converters driving the rows")
    input_register_bytes: int = Field(gt=0, le=1 << 24, description="PE input register, bytes; limit 16 MiB")
    output_register_bytes: int = Field(gt=0, le=1 << 24, description="PE output register, bytes; limit 16 MiB")
    shift_add_units: int = Field(ge=1, le=4096, description="shift-and-add units per PE; limit 4096")
    extra_components: tuple[ExtraComponentSpec, ...] = Field((), max_length=64, description=(
        "other per-PE structures (instruction memory, register file, control)"))

    @model_validator(mode="after")
    def _names(self) -> "PeSpec":
        _unique_names(self.extra_components, "extra_components")
        return self


class TileSpec(_Strict):
    pes: int = Field(ge=1, le=1024, description="PEs per tile; limit 1024")
    buffer: BufferSpec = Field(description="the tile buffer holding operands and results")
    bus_width_bits: int = Field(gt=0, le=65536, description="buffer-to-PE bus wires; limit 65536")
    router: RouterSpec = Field(description="the mesh router (one chip-level network)")
    vector_unit: VectorUnitSpec = Field(description="the tile's digital element-wise unit")
    output_register_bytes: int = Field(gt=0, le=1 << 24, description="tile output register, bytes; limit 16 MiB")
    shift_add_units: int = Field(ge=1, le=4096, description="tile shift-and-add units; limit 4096")
    sigmoid_units: int = Field(0, ge=0, le=4096, description="sigmoid units (lanes of the vector unit); limit 4096")
    maxpool_units: int = Field(0, ge=0, le=4096, description="max-pool units; limit 4096")
    extra_components: tuple[ExtraComponentSpec, ...] = Field((), max_length=64, description=(
        "other per-tile structures (instruction memory, receive buffer, control)"))

    @model_validator(mode="after")
    def _names(self) -> "TileSpec":
        _unique_names(self.extra_components, "extra_components")
        return self


class TileKindSpec(_Strict):
    """A kind of tile: ``count`` tiles whose PE and tile parameters override the top-level ``pe``/``tile``.

    In the file, ``pe`` and ``tile`` are partial: only the keys that differ (``pe: {adc: {bits: 4}}``); at
    load they are merged over the top-level sections and validated as whole sections.
    """

    name: str = Field(description="kind name (identifier, unique)")
    count: int = Field(ge=1, le=1 << 16, description="tiles of this kind; the kinds' counts add up to chip.tiles")
    pe: PeSpec = Field(description="this kind's PE section (partial in the file, merged over the top-level pe)")
    tile: TileSpec = Field(description="this kind's tile section (partial in the file, merged over tile)")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, v: str) -> str:
        return _identifier(v)


class ChipSpec(_Strict):
    tiles: int = Field(ge=1, le=1 << 16, description="tiles per chip; limit 65536")
    mesh_cols: int = Field(ge=1, le=1 << 16, description="tiles per mesh row; rows = ceil(tiles / mesh_cols)")
    io_link: IoLinkSpec = Field(description="the off-chip link (priced apart from compute)")
    power_gating: Literal["none", "unused_tiles", "idle"] = Field("none", description=(
        "none: every component leaks all run; unused_tiles: tiles holding no operator are off; idle: also a "
        "used tile is off before its first and after its last task (docs/hardware-model.md: costs)"))
    global_buffer: GlobalBufferSpec | None = Field(None, description="chip-level buffer shared by the tiles")
    extra_components: tuple[ExtraComponentSpec, ...] = Field((), max_length=64, description=(
        "other chip-level structures (controller, clocking, DRAM controller)"))
    tile_kinds: tuple[TileKindSpec, ...] | None = Field(None, min_length=1, max_length=64, description=(
        "heterogeneous tiles: kinds in tile-index order (kind 0 holds tiles 0..count-1, ...); "
        "null: every tile is the top-level tile/pe"))

    @model_validator(mode="after")
    def _names(self) -> "ChipSpec":
        _unique_names(self.extra_components, "extra_components")
        return self


class PrecisionSpec(_Strict):
    weight_bits: int = Field(ge=1, le=16, description="default weight precision, bits")
    input_bits: int = Field(ge=1, le=16, description="default activation (input) precision, bits")


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


@dataclass(frozen=True)
class TileKindView:
    """One tile kind as the components see it: its name, count, first tile index, PE and tile sections."""

    name: str
    count: int
    first_tile: int
    pe: PeSpec
    tile: TileSpec


class ArchSpec(_Strict):
    schema_version: Literal[1] = Field(description="format version")
    name: str = Field(min_length=1, max_length=200, description="design name (variants: base+param=value...)")
    description: str = Field("", max_length=2000, description="one line; variants list what changed")
    source: str = Field(min_length=1, max_length=2000, description="citation of the design this describes")
    technology: TechnologySpec = Field(description="CMOS nodes of the periphery and the array")
    clock_mhz: float = Field(ge=1.0, le=1.0e4, description="digital clock, MHz; limits 1 MHz-10 GHz")
    chip: ChipSpec = Field(description="tiles, mesh, I/O link, global buffer, power gating, tile kinds")
    tile: TileSpec = Field(description="one tile (of every kind unless chip.tile_kinds overrides it)")
    pe: PeSpec = Field(description="one processing element (ISAAC's IMA)")
    embedding: EmbeddingSpec = Field(description="where embedding tables live")
    precision: PrecisionSpec = Field(description="default operator precisions")

    @model_validator(mode="before")
    @classmethod
    def _expand_tile_kinds(cls, data):
        """Merge each kind's partial pe/tile over the top-level sections (the file stays short)."""
        if not isinstance(data, dict):
            return data
        chip = data.get("chip")
        kinds = chip.get("tile_kinds") if isinstance(chip, dict) else None
        if not isinstance(kinds, (list, tuple)) or not isinstance(data.get("pe"), dict) \
                or not isinstance(data.get("tile"), dict):
            return data
        expanded = []
        for k in kinds:
            if isinstance(k, dict):
                k = dict(k)
                k["pe"] = _merge(data["pe"], k.get("pe") or {})
                k["tile"] = _merge(data["tile"], k.get("tile") or {})
            expanded.append(k)
        return {**data, "chip": {**chip, "tile_kinds": expanded}}

    @model_validator(mode="after")
    def _cross_field(self) -> "ArchSpec":
        if self.chip.mesh_cols > self.chip.tiles:
            raise ValueError(f"chip.mesh_cols={self.chip.mesh_cols}: more than chip.tiles={self.chip.tiles}")
        _check_pe(self.pe, "pe")
        if self.chip.tile_kinds is not None:
            self._check_kinds()
        if self.crossbars_per_chip > MAX_CROSSBARS_PER_CHIP:
            raise ValueError(f"{self.crossbars_per_chip} crossbars per chip: above the limit "
                             f"{MAX_CROSSBARS_PER_CHIP} (2^24; a full reticle holds < 1 M with their ADCs)")
        return self

    def _check_kinds(self) -> None:
        kinds = self.chip.tile_kinds or ()
        names = [k.name for k in kinds]
        if len(set(names)) != len(names):
            raise ValueError(f"chip.tile_kinds: kind names repeat ({names})")
        total = sum(k.count for k in kinds)
        if total != self.chip.tiles:
            raise ValueError(f"chip.tile_kinds: counts add up to {total}, not chip.tiles={self.chip.tiles}")
        for i, k in enumerate(kinds):
            _check_pe(k.pe, f"chip.tile_kinds.{i}.pe")
            if k.tile.router != self.tile.router:
                raise ValueError(f"chip.tile_kinds.{i}.tile.router: differs from tile.router (the mesh and its "
                                 "routers are one chip-level network)")

    # Derived quantities used throughout; kept here so there is one definition.
    @property
    def cols_per_adc(self) -> int:
        return self.pe.crossbar.cols // self.pe.adc.per_crossbar

    @property
    def mesh_rows(self) -> int:
        return -(-self.chip.tiles // self.chip.mesh_cols)

    @property
    def routers(self) -> int:
        """Routers on the chip: ceil(tiles / tiles_per_router) (the last may serve fewer tiles)."""
        return -(-self.chip.tiles // self.tile.router.tiles_per_router)

    @property
    def heterogeneous(self) -> bool:
        return self.chip.tile_kinds is not None

    @property
    def tile_kinds(self) -> tuple[TileKindView, ...]:
        """Every tile kind in tile-index order; one kind named ``all`` when ``chip.tile_kinds`` is unset."""
        if self.chip.tile_kinds is None:
            return (TileKindView(IMPLICIT_KIND, self.chip.tiles, 0, self.pe, self.tile),)
        out, first = [], 0
        for k in self.chip.tile_kinds:
            out.append(TileKindView(k.name, k.count, first, k.pe, k.tile))
            first += k.count
        return tuple(out)

    def tile_kind_of(self, tile: int) -> str:
        """Name of the kind of tile index ``tile``."""
        if not 0 <= tile < self.chip.tiles:
            raise IndexError(f"tile {tile}: the chip has tiles 0..{self.chip.tiles - 1}")
        for k in self.tile_kinds:
            if tile < k.first_tile + k.count:
                return k.name
        raise AssertionError("kinds cover every tile (checked at load)")

    def kind_arch(self, kind: str) -> "ArchSpec":
        """A single-kind view of this architecture with ``kind``'s pe and tile as the top-level sections.

        The component models price one kind at a time from it (``pimsim.components.components_by_kind``);
        its ``chip`` is unchanged apart from ``tile_kinds`` (dropped), so chip-level figures stay whole-chip.
        """
        if not self.heterogeneous:
            if kind != IMPLICIT_KIND:
                raise KeyError(f"tile kind {kind!r}: this architecture has one kind, {IMPLICIT_KIND!r}")
            return self
        for k in self.chip.tile_kinds or ():
            if k.name == kind:
                chip = self.chip.model_copy(update={"tile_kinds": None})
                return self.model_copy(update={"chip": chip, "pe": k.pe, "tile": k.tile})
        raise KeyError(f"tile kind {kind!r}: kinds are {', '.join(k.name for k in self.chip.tile_kinds or ())}")

    def tile_arch(self, tile: int) -> "ArchSpec":
        """The single-kind view (``kind_arch``) of tile index ``tile``'s kind; ``self`` with one kind."""
        return self.kind_arch(self.tile_kind_of(tile)) if self.heterogeneous else self

    @property
    def crossbars_per_chip(self) -> int:
        return sum(k.count * k.tile.pes * k.pe.crossbars for k in self.tile_kinds)

    def tile_xy(self, tile: int) -> tuple[int, int]:
        """Mesh coordinates (x, y) of a tile index (row-major)."""
        return tile % self.chip.mesh_cols, tile // self.chip.mesh_cols

    def xy_route(self, src: int, dst: int) -> list[tuple[int, int]]:
        """Directed mesh links (from_tile, to_tile) of the X-then-Y (dimension-order) route.

        One definition for the compiler's placement cost and the simulator's NoC model.
        """
        (x, y), (dx, dy) = self.tile_xy(src), self.tile_xy(dst)
        cols, links = self.chip.mesh_cols, []
        while x != dx:
            nx = x + (1 if dx > x else -1)
            links.append((y * cols + x, y * cols + nx))
            x = nx
        while y != dy:
            ny = y + (1 if dy > y else -1)
            links.append((y * cols + x, ny * cols + x))
            y = ny
        return links

    def sha256(self) -> str:
        """Hash of the canonical JSON form: names the architecture a mapping was made for.

        Fields added to schema version 1 after its first release are left out while they hold their
        default, so an architecture written before them keeps its hash (and its mappings stay valid).
        """
        doc = _prune_added_defaults(self.model_dump(mode="json"), _ADDED_DEFAULTS)
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _check_pe(pe: PeSpec, where: str) -> None:
    """Cross-field rules of one PE section (the top-level one or a tile kind's), errors naming ``where``."""
    x, adc, dac = pe.crossbar, pe.adc, pe.dac
    if x.cols % adc.per_crossbar:
        raise ValueError(f"{where}.adc.per_crossbar={adc.per_crossbar}: must divide {where}.crossbar.cols={x.cols}")
    if adc.shared_by_crossbars > pe.crossbars:
        raise ValueError(f"{where}.adc.shared_by_crossbars={adc.shared_by_crossbars}: more than the PE's "
                         f"{where}.crossbars={pe.crossbars}")
    if pe.crossbars % adc.shared_by_crossbars:
        raise ValueError(f"{where}.adc.shared_by_crossbars={adc.shared_by_crossbars}: must divide "
                         f"{where}.crossbars={pe.crossbars}")
    if x.rows_per_read is not None and (x.rows_per_read > x.rows or x.rows % x.rows_per_read):
        raise ValueError(f"{where}.crossbar.rows_per_read={x.rows_per_read}: must divide "
                         f"{where}.crossbar.rows={x.rows}")
    if dac.per_crossbar is not None and not x.rows_read_at_once <= dac.per_crossbar <= x.rows:
        raise ValueError(f"{where}.dac.per_crossbar={dac.per_crossbar}: must lie between the rows read at once "
                         f"({x.rows_read_at_once}) and {where}.crossbar.rows={x.rows}")


_ADDED_DEFAULTS = {
    "technology": {"array_node_nm": None},
    "pe": {"crossbar": {"rows_per_read": None, "cell": None},
           "adc": {"shared_by_crossbars": 1, "table": None, "table_node_nm": None},
           "dac": {"per_crossbar": None, "model": "isaac_x2_per_bit", "table": None, "table_node_nm": None},
           "extra_components": []},
    "tile": {"buffer": {"bank_cycle_ns": None}, "extra_components": []},
    "chip": {"io_link": {"kind": "rated", "leakage_mw": 0.0, "lanes": None, "lane_gbps": None,
                         "energy_pj_per_bit": None, "area_mm2_per_lane": None, "static_fraction": None},
             "power_gating": "none", "global_buffer": None, "extra_components": [], "tile_kinds": None},
}
"""Fields added to schema version 1 after its first release, with the defaults that keep the old meaning."""


def _prune_added_defaults(doc: dict, added: dict) -> dict:
    out = dict(doc)
    for key, default in added.items():
        if key not in out:
            continue
        if isinstance(default, dict) and isinstance(out[key], dict):
            out[key] = _prune_added_defaults(out[key], default)
        elif out[key] == default:
            del out[key]
    return out


# ---------------------------------------------------------------------------------------------------------
# Loading, errors, variants
# ---------------------------------------------------------------------------------------------------------
def validation_message(exc: ValidationError, data, model=None) -> str:
    """The first pydantic error as ``field.path=value: problem`` (a misspelt key gets a suggestion):
    :func:`pimsim.spec.errors.describe_validation_error`."""
    from pimsim.spec.errors import describe_validation_error

    return describe_validation_error(exc, data, model)


def arch_from_dict(data, path: str) -> ArchSpec:
    """Validate a parsed arch document; errors name ``path`` and the field."""
    if not isinstance(data, dict):
        raise SpecError(path, "expected a mapping of architecture fields at the top level")
    version = data.get("schema_version")
    if version != ARCH_SCHEMA_VERSION:
        raise SpecError(path, f"schema_version={version}: unsupported (this tool reads {ARCH_SCHEMA_VERSION})")
    try:
        return ArchSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, validation_message(exc, data, ArchSpec)) from None


_IDENTITY = ("name", "description", "source", "schema_version")
_CHANGED = " [changed: "
_TOKEN = re.compile(r"^[A-Za-z_][\w.]*=.*$")
_MAX_NAME = 200


def _leaf_paths(data, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaf_paths(v, f"{prefix}{k}.")]
    return [prefix[:-1]]


def short_param_name(data: dict, dotted: str) -> str:
    """The shortest dotted suffix of ``dotted`` that names one parameter of ``data`` (``chip.tiles`` ->
    ``tiles``, ``pe.adc.bits`` -> ``adc.bits`` since ``dac.bits`` exists too)."""
    parts = dotted.split(".")
    leaves = _leaf_paths(data)
    for n in range(1, len(parts) + 1):
        suffix = ".".join(parts[-n:])
        if sum(1 for p in leaves if p == suffix or p.endswith("." + suffix)) == 1:
            return suffix
    return dotted


def _format_value(value) -> str:
    """A short token for a name: integers plainly, floats in %g without '+', sections as a content hash."""
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return "#" + hashlib.sha256(text.encode()).hexdigest()[:8]
    if isinstance(value, float):
        return f"{value:g}".replace("+", "")
    return str(value).replace("+", "_")


def _record_change(data: dict, dotted: str, value) -> None:
    """Name the variant: ``base+short=value...`` and a description listing what changed."""
    if not isinstance(data.get("name"), str):
        return
    short = short_param_name(data, dotted)
    parts = data["name"].split("+")
    first = next((i for i in range(1, len(parts)) if all(_TOKEN.match(t) for t in parts[i:])), len(parts))
    base = "+".join(parts[:first])
    entries = dict(t.split("=", 1) for t in parts[first:])
    entries[short] = _format_value(value)
    listed = [f"{k}={v}" for k, v in entries.items()]
    name = "+".join([base] + listed)
    if len(name) > _MAX_NAME:  # too many changes to spell out: count them and keep the name unique
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{base[:_MAX_NAME - 40]}+{len(entries)}-changes-{digest}"
    data["name"] = name
    desc = str(data.get("description", "")).split(_CHANGED)[0]
    data["description"] = f"{desc}{_CHANGED}{', '.join(listed)}]"[:2000]


def set_arch_param(data: dict, dotted: str, value) -> None:
    """Set parameter ``a.b.c`` of a parsed arch document in place; the path must already exist.

    The document then names itself as a variant: ``name`` becomes ``base+short=value`` (one token per
    parameter, the latest value kept; ``short`` from :func:`short_param_name`) and ``description`` ends
    with ``[changed: ...]``.  Raises ``KeyError`` naming the first unknown component (or ``dotted`` itself
    when it names a section rather than a parameter).  Used by sweeps and by anything that derives a variant.
    """
    parts = dotted.split(".")
    cur = data
    for depth, key in enumerate(parts):
        if not isinstance(cur, dict) or key not in cur:
            raise KeyError(".".join(parts[: depth + 1]))
        if depth == len(parts) - 1:
            if isinstance(cur[key], dict):
                raise KeyError(dotted)
            cur[key] = value
        else:
            cur = cur[key]
    if dotted not in _IDENTITY:
        _record_change(data, dotted, value)


def arch_variant(base: "ArchSpec | str", changes: dict) -> ArchSpec:
    """``base`` (a spec or a preset/path) with the dotted parameters in ``changes`` set, validated and named
    (``default+tiles=32+adc.bits=6``)."""
    spec = base if isinstance(base, ArchSpec) else load_arch(base)
    data = spec.model_dump(mode="json")
    for dotted, value in changes.items():
        set_arch_param(data, dotted, value)
    return arch_from_dict(data, data["name"])


def preset_path(name: str) -> Path:
    return Path(str(resources.files("pimsim.spec.presets").joinpath(f"{name}.yaml")))


def load_arch(name_or_path: str | Path) -> ArchSpec:
    """Load a built-in preset by name (``isaac``, ``default``) or an arch YAML file."""
    from pimsim.spec.io import read_yaml

    text = str(name_or_path)
    looks_like_file = text.endswith((".yaml", ".yml")) or "/" in text or Path(text).exists()
    if not looks_like_file:
        if text not in PRESETS:
            raise SpecError(text, f"unknown architecture preset (presets: {', '.join(PRESETS)}; or give a .yaml path)")
        return arch_from_dict(read_yaml(preset_path(text)), f"preset:{text}")
    return arch_from_dict(read_yaml(text), text)
