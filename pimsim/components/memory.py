"""Tile buffers (eDRAM, SRAM) and embedding-table storage (on-chip ReRAM or off-chip DRAM).

Sources:
- eDRAM: ISAAC Table 6 (64 KB, 4 banks, 256-bit bus: 20.7 mW, 0.083 mm^2)
  and the CACTI 32 nm access energy re-used by hwcomponents-library
  ``isaac.py`` (20.45 pJ per 256-bit read or write).
- SRAM: Horowitz, ISSCC 2014 (45 nm): a 64-bit access costs 10 pJ in an
  8 KB array and 20 pJ in a 32 KB array (100 pJ at 1 MB), i.e. energy grows
  with sqrt(capacity).  Cell: 0.171 um^2 6T at 32 nm (Natarajan et al.,
  IEDM 2008, Intel 32 nm).
- Off-chip DRAM: energy per bit, bandwidth and latency from the arch spec
  (presets cite Horowitz ISSCC 2014: 640 pJ per 32-bit DRAM read).

Equations (C capacity bytes, W access width bits):
    eDRAM  E_access = 20.45 pJ * (W/256) * sqrt(C / 64 KB) * energy_factor(32 nm -> node)
           A        = 83000 um^2 * C / 64 KB * area_factor(32 nm -> node)
    SRAM   E_access = 10 pJ * (W/64) * sqrt(C / 8 KB) * energy_factor(45 nm -> node)
           A        = 8 C * 0.171 um^2 / 0.7 * area_factor(32 nm -> node)
    bank cycle t_b  = 4 * 20.45 pJ / 20.7 mW = 3.95 ns  (derived: ISAAC's 4 banks,
                      each accessed once per t_b, draw exactly the table's 20.7 mW)
    on-chip ReRAM embedding memory, per bit read:
           E_bit = (E_xbar_cell + E_adc(cell_bits)) / cell_bits,
           E_xbar_cell = 0.3 mW * t_read / 128^2 (one cell of ISAAC's array)

Assumptions:
- Peak activity of a buffer: every bank accessed once per bank cycle; the
  same bank cycle for both kinds (only ISAAC's is calibrated).
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
from pimsim.components.adc_laws import adc_cost
from pimsim.components.base import ComponentModel
from pimsim.components.crossbar import array_area_um2, read_power_mw, slice_interval_ns
from pimsim.components.scaling import area_factor, energy_factor
from pimsim.spec.units import energy_pj_from_power, gbps_to_bits_per_cycle, ns_to_cycles

EDRAM_BANK_CYCLE_NS = T.EDRAM_BANKS * T.EDRAM_ACCESS_PJ / T.EDRAM_POWER_MW
SRAM_PJ_PER_64B_AT_8KB = 10.0
SRAM_CELL_UM2_32NM = 0.171
SRAM_ARRAY_EFFICIENCY = 0.7
SRAM_SOURCE = "Horowitz ISSCC 2014 (SRAM 64-bit access: 8 KB 10 pJ, 32 KB 20 pJ); cell: Natarajan IEDM 2008"


@dataclass(frozen=True, kw_only=True)
class BufferModel(ComponentModel):
    kind: str
    capacity_bytes: int
    width_bits: int
    banks: int


@dataclass(frozen=True, kw_only=True)
class StreamModel(ComponentModel):
    """A unit that moves bits at a bandwidth after an access latency (DRAM, memory arrays, links)."""

    bandwidth_bits_per_cycle: float
    onchip: bool

    def cycles_for_bits(self, n_bits: int) -> int:
        """Cycles to move ``n_bits``: first-bit latency plus ceil(n / bandwidth)."""
        first = self.latencies_cycles[self.actions[0]]
        return first + math.ceil(n_bits / self.bandwidth_bits_per_cycle) if n_bits else 0


def _edram_cost(node: int, capacity: int, width: int) -> tuple[float, float, str]:
    size = capacity / T.EDRAM_BYTES
    energy = T.EDRAM_ACCESS_PJ * width / T.EDRAM_WIDTH_BITS * math.sqrt(size) * energy_factor(T.NODE_NM, node)
    return energy, T.EDRAM_AREA_UM2 * size * area_factor(T.NODE_NM, node), T.SOURCE + " + CACTI 20.45 pJ/256 b"


def _sram_cost(node: int, capacity: int, width: int) -> tuple[float, float, str]:
    energy = SRAM_PJ_PER_64B_AT_8KB * width / 64 * math.sqrt(capacity / 8192) * energy_factor(45, node)
    area = 8 * capacity * SRAM_CELL_UM2_32NM / SRAM_ARRAY_EFFICIENCY * area_factor(T.NODE_NM, node)
    return energy, area, SRAM_SOURCE


def build_tile_buffer(arch) -> BufferModel:
    b, node = arch.tile.buffer, arch.technology.node_nm
    energy, area, source = (_edram_cost if b.kind == "edram" else _sram_cost)(node, b.capacity_bytes, b.width_bits)
    interval = EDRAM_BANK_CYCLE_NS / b.banks
    latency = ns_to_cycles(EDRAM_BANK_CYCLE_NS, arch.clock_mhz)
    return BufferModel(
        role="tile_buffer", model_name=f"{b.kind}_sqrt_capacity({b.capacity_bytes} B, {b.width_bits} b, {node} nm)",
        source=source, area_um2=area, leakage_mw=0.0, energies_pj={"read": energy, "write": energy},
        latencies_cycles={"read": latency, "write": latency},
        peak_interval_ns={"read": 2 * interval, "write": 2 * interval},
        kind=b.kind, capacity_bytes=b.capacity_bytes, width_bits=b.width_bits, banks=b.banks,
    )


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
    cell_pj = energy_pj_from_power(read_power_mw(1, 1), x.read_latency_ns)
    sense_pj, sense_um2, _, sense_src = adc_cost(a.model, x.cell_bits, a.sample_rate_msps, node)
    array_bits = x.rows * x.cols * x.cell_bits
    arrays_per_tile = math.ceil(8 * arch.embedding.onchip_capacity_bytes / arch.chip.tiles / array_bits)
    array_um2 = array_area_um2(x.rows, x.cols, node)
    row_ns = slice_interval_ns(arch)
    return StreamModel(
        role="embedding_storage",
        model_name=f"onchip_reram_memory({arrays_per_tile} arrays/tile, {x.cell_bits} b/cell)",
        source=f"{T.SOURCE} array + ADC law ({sense_src}) in memory mode",
        area_um2=arrays_per_tile * (array_um2 + a.per_crossbar * sense_um2), leakage_mw=0.0,
        energies_pj={"read_bit": (cell_pj + sense_pj) / x.cell_bits},
        latencies_cycles={"read_bit": ns_to_cycles(row_ns, arch.clock_mhz)},
        peak_interval_ns={"read_bit": row_ns / (x.cols * x.cell_bits)},
        bandwidth_bits_per_cycle=x.cols * x.cell_bits / ns_to_cycles(row_ns, arch.clock_mhz), onchip=True,
    )
