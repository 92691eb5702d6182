"""Buffers (tile eDRAM/SRAM, chip global buffer) and embedding-table storage (on-chip ReRAM or off-chip DRAM).

Sources:
- eDRAM: ISAAC Table 6 (64 KB, 4 banks, 256-bit bus: 20.7 mW, 0.083 mm^2)
  and the CACTI 32 nm access energy re-used by hwcomponents-library
  ``isaac.py`` (20.45 pJ per 256-bit read or write); leakage and refresh
  0.46 mW per 64 KB (puma-simulator ``include/constants.py``, 32 nm).
- SRAM: Horowitz, ISSCC 2014 (45 nm): a 64-bit access costs 10 pJ in an
  8 KB array and 20 pJ in a 32 KB array (100 pJ at 1 MB), i.e. energy grows
  with sqrt(capacity).  Cell: 0.171 um^2 6T at 32 nm (Natarajan et al.,
  IEDM 2008, Intel 32 nm).  Leakage 0.33 mW per 2 KB (puma-simulator data
  memory, CACTI 32 nm), in proportion to capacity.
- Off-chip DRAM: energy per bit, bandwidth and latency from the arch spec
  (presets cite Horowitz ISSCC 2014: 640 pJ per 32-bit DRAM read).

Equations (C capacity bytes, W access width bits; ef, af, lf node factors):
    eDRAM  E_access = 20.45 pJ * (W/256) * sqrt(C / 64 KB) * ef(32 nm -> node)
           A        = 83000 um^2 * C / 64 KB * af(32 nm -> node)
           P_leak   = 0.46 mW * C / 64 KB * lf(32 nm -> node)
    SRAM   E_access = 10 pJ * (W/64) * sqrt(C / 8 KB) * ef(45 nm -> node)
           A        = 8 C * 0.171 um^2 / 0.7 * af(32 nm -> node)
           P_leak   = 0.33 mW * C / 2 KB * lf(32 nm -> node)
    bank cycle t_b  = 4 * 20.45 pJ / (20.7 - 0.46) mW = 4.04 ns  (derived: ISAAC's 4 banks, each accessed
                      once per t_b, draw the table's 20.7 mW with the leakage); ``bank_cycle_ns`` overrides it
    global buffer bandwidth = banks * width_bits / t_b  (bits per ns = Gbit/s)
    on-chip ReRAM embedding memory, per bit read:
           E_bit = (E_cell + E_adc(cell_bits)) / cell_bits   (crossbar cell energy, ADC law in memory mode)

Assumptions:
- Peak activity of a buffer: every bank accessed once per bank cycle; the
  same default bank cycle for both kinds (only ISAAC's is calibrated).
- SRAM array efficiency 0.7 (periphery is 30 % of the macro; assumption).
- On-chip embedding memory reuses the PE crossbar geometry and ADC law in
  memory mode: one row activated, each cell sensed at ``cell_bits``
  resolution, one row per slice interval per tile (a conservative rate).
- Off-chip DRAM has no on-chip area and is not part of chip power; its
  energy is charged per bit read by the simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.adc_laws import AdcLaw
from pimsim.components.base import ComponentModel
from pimsim.components.crossbar import array_area_um2, cell_read_energy_pj, slice_interval_ns
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor
from pimsim.spec.units import gbps_to_bits_per_cycle, ns_to_cycles

EDRAM_BANK_CYCLE_NS = T.EDRAM_BANKS * T.EDRAM_ACCESS_PJ / (T.EDRAM_POWER_MW - T.EDRAM_LEAKAGE_MW_PER_64KB)
SRAM_PJ_PER_64B_AT_8KB = 10.0
SRAM_CELL_UM2_32NM = 0.171
SRAM_ARRAY_EFFICIENCY = 0.7
SRAM_SOURCE = ("Horowitz ISSCC 2014 (SRAM 64-bit access: 8 KB 10 pJ, 32 KB 20 pJ); cell: Natarajan IEDM 2008; "
               f"leakage: {T.PUMA_SOURCE}")
EDRAM_SOURCE = f"{T.SOURCE} + CACTI 20.45 pJ/256 b; leakage: {T.PUMA_SOURCE}"


@dataclass(frozen=True, kw_only=True)
class BufferModel(ComponentModel):
    kind: str
    capacity_bytes: int
    width_bits: int
    banks: int
    bank_cycle_ns: float
    """Time between two accesses of one bank, ns (the bank timing the execution model reads)."""

    @property
    def bandwidth_gbps(self) -> float:
        """All banks streaming: banks x width_bits per bank cycle (bits per ns = Gbit/s)."""
        return self.banks * self.width_bits / self.bank_cycle_ns


@dataclass(frozen=True, kw_only=True)
class StreamModel(ComponentModel):
    """A unit that moves bits at a bandwidth after an access latency (DRAM, memory arrays, links)."""

    bandwidth_bits_per_cycle: float
    onchip: bool

    def cycles_for_bits(self, n_bits: int) -> int:
        """Cycles to move ``n_bits``: first-bit latency plus ceil(n / bandwidth)."""
        first = self.latencies_cycles[self.actions[0]]
        return first + math.ceil(n_bits / self.bandwidth_bits_per_cycle) if n_bits else 0


def buffer_cost(kind: str, node, capacity: int, width: int) -> tuple[float, float, float, str]:
    """(access energy pJ, area um^2, leakage mW, source) of a ``kind`` buffer (module docstring laws)."""
    if kind == "edram":
        size = capacity / T.EDRAM_BYTES
        energy = T.EDRAM_ACCESS_PJ * width / T.EDRAM_WIDTH_BITS * math.sqrt(size) * energy_factor(T.NODE_NM, node)
        area = T.EDRAM_AREA_UM2 * size * area_factor(T.NODE_NM, node)
        leak = T.EDRAM_LEAKAGE_MW_PER_64KB * size * leakage_factor(T.NODE_NM, node)
        return energy, area, leak, EDRAM_SOURCE
    energy = SRAM_PJ_PER_64B_AT_8KB * width / 64 * math.sqrt(capacity / 8192) * energy_factor(45, node)
    area = 8 * capacity * SRAM_CELL_UM2_32NM / SRAM_ARRAY_EFFICIENCY * area_factor(T.NODE_NM, node)
    leak = T.SRAM_LEAKAGE_MW_PER_2KB * capacity / 2048 * leakage_factor(T.NODE_NM, node)
    return energy, area, leak, SRAM_SOURCE


def _buffer(arch, role: str, b, energy=None, leak=None) -> BufferModel:
    node = arch.technology.node_nm
    law_e, area, law_leak, source = buffer_cost(b.kind, node, b.capacity_bytes, b.width_bits)
    energy = law_e if energy is None else energy
    leak = law_leak if leak is None else leak
    bank_ns = EDRAM_BANK_CYCLE_NS if b.bank_cycle_ns is None else b.bank_cycle_ns
    interval = bank_ns / b.banks
    latency = ns_to_cycles(bank_ns, arch.clock_mhz)
    return BufferModel(
        role=role, model_name=f"{b.kind}_sqrt_capacity({b.capacity_bytes} B, {b.width_bits} b, {b.banks} banks, "
                              f"{bank_ns:.3g} ns, {node:g} nm)",
        source=source, area_um2=area, leakage_mw=leak, energies_pj={"read": energy, "write": energy},
        latencies_cycles={"read": latency, "write": latency},
        peak_interval_ns={"read": 2 * interval, "write": 2 * interval},
        kind=b.kind, capacity_bytes=b.capacity_bytes, width_bits=b.width_bits, banks=b.banks, bank_cycle_ns=bank_ns,
    )


def build_tile_buffer(arch) -> BufferModel:
    return _buffer(arch, "tile_buffer", arch.tile.buffer)


def build_global_buffer(arch) -> BufferModel | None:
    """The chip-level buffer, or None when the arch has none.  ``energy_pj_per_access`` and
    ``leakage_mw`` in the spec override the kind's law (the model name says so)."""
    g = arch.chip.global_buffer
    if g is None:
        return None
    model = _buffer(arch, "global_buffer", g, g.energy_pj_per_access, g.leakage_mw)
    if g.energy_pj_per_access is not None or g.leakage_mw is not None:
        model = _renamed(model, model.model_name + " with spec overrides",
                         model.source + "; chip.global_buffer energy/leakage as given in the arch spec")
    return model


def _renamed(model: BufferModel, name: str, source: str) -> BufferModel:
    from dataclasses import replace

    return replace(model, model_name=name, source=source)


def build_embedding_storage(arch) -> StreamModel:
    if arch.embedding.location == "dram":
        return build_dram(arch)
    return _onchip_reram(arch)


def build_dram(arch) -> StreamModel:
    """The off-chip DRAM of ``embedding.dram`` (also for tables an on-chip architecture spills there)."""
    d = arch.embedding.dram
    return StreamModel(
        role="embedding_storage", model_name=f"offchip_dram({d.bandwidth_gbps:g} Gb/s, {d.energy_pj_per_bit:g} pJ/b)",
        source="arch spec embedding.dram (presets: Horowitz ISSCC 2014, 640 pJ per 32-bit DRAM read)",
        area_um2=0.0, leakage_mw=0.0, energies_pj={"read_bit": d.energy_pj_per_bit},
        latencies_cycles={"read_bit": ns_to_cycles(d.latency_ns, arch.clock_mhz)},
        bandwidth_bits_per_cycle=gbps_to_bits_per_cycle(d.bandwidth_gbps, arch.clock_mhz), onchip=False,
    )


def _onchip_reram(arch) -> StreamModel:
    x, a, node = arch.pe.crossbar, arch.pe.adc, arch.technology.node_nm
    sense = AdcLaw(a.model, x.cell_bits, a.sample_rate_msps, node, tuple(a.table or ()), a.table_node_nm)
    _, sense_src = sense.describe()
    array_bits = x.rows * x.cols * x.cell_bits
    arrays_per_tile = math.ceil(8 * arch.embedding.onchip_capacity_bytes / arch.chip.tiles / array_bits)
    row_ns = slice_interval_ns(arch)
    return StreamModel(
        role="embedding_storage",
        model_name=f"onchip_reram_memory({arrays_per_tile} arrays/tile, {x.cell_bits} b/cell)",
        source=f"{T.SOURCE} array + ADC law ({sense_src}) in memory mode",
        area_um2=arrays_per_tile * (array_area_um2(x, arch.technology.array_nm) + a.per_crossbar * sense.area_um2()),
        leakage_mw=arrays_per_tile * a.per_crossbar * sense.leakage_mw(),
        energies_pj={"read_bit": (cell_read_energy_pj(x) + sense.energy_pj(x.cell_bits)) / x.cell_bits},
        latencies_cycles={"read_bit": ns_to_cycles(row_ns, arch.clock_mhz)},
        peak_interval_ns={"read_bit": row_ns / (x.cols * x.cell_bits)},
        bandwidth_bits_per_cycle=x.cols * x.cell_bits / ns_to_cycles(row_ns, arch.clock_mhz), onchip=True,
    )
