"""Per-action latencies (cycles) the mapper estimates from the architecture spec alone.

The compiler may not import ``pimsim.components`` (dependency rule), so these
are its own derivations from ``arch.yaml`` parameters, following the same
published sources as the simulator's component models:

- crossbar read: ``ceil(read_latency_ns x clock)``; DAC and sample-and-hold add
  no cycles (they act inside the read);
- ADC: ``conversions x 1000 / sample_rate_msps`` ns, times ``adc_bits / adc.bits``
  for a SAR converting fewer bits (one bit per SAR step);
- shift-and-add, bus, registers: one cycle per action; vector unit:
  ``ceil(n / lanes)`` passes per op class (divide: ``input_bits`` cycles);
- tile buffer: ``ceil(bits / width_bits)`` accesses of one eDRAM bank cycle,
  4 x 20.45 pJ / 20.7 mW = 3.95 ns (ISAAC Table 6: 64 KB eDRAM, 4 banks,
  20.7 mW, 20.45 pJ per 256-bit access per CACTI);
- NoC: ``hops x hop_latency_cycles + ceil(bits / flit_bits)`` (cut-through);
- chip I/O and DRAM: first-bit latency (1 cycle; ``dram.latency_ns``) plus bits
  at the link bandwidth; DRAM lookups overlap in the banks, so the channel is held
  only for the transfer and the latency is a delay before it (as the simulator).

Assumption: one clock (``clock_mhz``) for every digital unit, as in the spec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from pimsim.spec.units import gbps_to_bits_per_cycle, ns_to_cycles

BUFFER_BANK_CYCLE_NS = 4 * 20.45 / 20.7
"""ISAAC Table 6 eDRAM: 4 banks x 20.45 pJ per access / 20.7 mW = one bank's access time, ns."""


def ceil_div(a: int, b: int) -> int:
    return -(-int(a) // int(b))


@dataclass(frozen=True)
class ArchTiming:
    """Cycle counts of the actions a mapping is made of, for one architecture."""

    arch: object

    def __post_init__(self):
        object.__setattr__(self, "_blocks", {})  # (m, input bits, columns, ADC bits) -> cycles: asked per block

    @property
    def clock_mhz(self) -> float:
        return self.arch.clock_mhz

    @cached_property
    def read_cycles(self) -> int:
        return ns_to_cycles(self.arch.pe.crossbar.read_latency_ns, self.clock_mhz)

    @property
    def write_row_cycles(self) -> int:
        return ns_to_cycles(self.arch.pe.crossbar.write_latency_ns_per_row, self.clock_mhz)

    def adc_cycles(self, conversions: int, adc_bits: int | None = None) -> int:
        adc = self.arch.pe.adc
        frac = 1.0 if adc_bits is None or adc_bits >= adc.bits else adc_bits / adc.bits
        return ns_to_cycles(conversions * 1.0e3 / adc.sample_rate_msps * frac, self.clock_mhz) if conversions else 0

    def input_slices(self, input_bits: int) -> int:
        return ceil_div(input_bits, self.arch.pe.dac.bits)

    def block_cycles(self, m: int, input_bits: int, physical_cols: int, adc_bits: int | None) -> int:
        """One crossbar block for one query: per input vector and slice, read then convert; one shift-add."""
        key = (m, input_bits, physical_cols, adc_bits)
        if key not in self._blocks:
            self._blocks[key] = self._block_cycles(m, input_bits, physical_cols, adc_bits)
        return self._blocks[key]

    def _block_cycles(self, m: int, input_bits: int, physical_cols: int, adc_bits: int | None) -> int:
        conversions = ceil_div(physical_cols, self.arch.pe.adc.per_crossbar)
        step = self.read_cycles + self.adc_cycles(conversions, adc_bits)
        return m * self.input_slices(input_bits) * step + 1

    @cached_property
    def _bank_cycles(self) -> int:
        return ns_to_cycles(BUFFER_BANK_CYCLE_NS, self.clock_mhz)

    def buffer_cycles(self, bits: int) -> int:
        return ceil_div(bits, self.arch.tile.buffer.width_bits) * self._bank_cycles if bits > 0 else 0

    def bus_cycles(self, bits: int) -> int:
        return ceil_div(bits, self.arch.tile.bus_width_bits) if bits > 0 else 0

    def vector_cycles(self, ops: dict[str, int]) -> int:
        lanes = self.arch.tile.vector_unit.lanes
        div = self.arch.precision.input_bits
        return sum(ceil_div(n, lanes) * (div if k == "div" else 1) for k, n in ops.items() if n > 0)

    def noc_cycles(self, hops: int, bits: int) -> int:
        if hops == 0:
            return 0
        return hops * self.arch.tile.router.hop_latency_cycles + ceil_div(bits, self.arch.tile.router.flit_bits)

    def hops(self, a: int, b: int) -> int:
        (ax, ay), (bx, by) = self.arch.tile_xy(a), self.arch.tile_xy(b)
        return abs(ax - bx) + abs(ay - by)

    def io_cycles(self, bits: int) -> int:
        bw = gbps_to_bits_per_cycle(self.arch.chip.io_link.bandwidth_gbps, self.clock_mhz)
        return 1 + math.ceil(bits / bw) if bits else 0

    def embedding_cycles(self, storage: str, bits: int) -> int:
        emb = self.arch.embedding
        if storage == "dram":
            first = ns_to_cycles(emb.dram.latency_ns, self.clock_mhz)
            bw = gbps_to_bits_per_cycle(emb.dram.bandwidth_gbps, self.clock_mhz)
        else:  # on-chip ReRAM in memory mode: one row (cols x cell_bits) per slice interval
            x, adc = self.arch.pe.crossbar, self.arch.pe.adc
            row_ns = max(x.read_latency_ns, self.arch.cols_per_adc * 1.0e3 / adc.sample_rate_msps)
            first = ns_to_cycles(row_ns, self.clock_mhz)
            bw = x.cols * x.cell_bits / first
        return first + math.ceil(bits / bw) if bits else 0

    def embedding_access(self, storage: str, bits: int) -> tuple[int, int]:
        """(delay, occupancy): DRAM holds its channel only for the transfer (bank parallelism hides
        the access latency of back-to-back lookups); an on-chip array is held for the whole read."""
        total = self.embedding_cycles(storage, bits)
        if storage != "dram" or not bits:
            return 0, total
        bw = gbps_to_bits_per_cycle(self.arch.embedding.dram.bandwidth_gbps, self.clock_mhz)
        transfer = math.ceil(bits / bw)
        return total - transfer, transfer


def xy_links(arch, src: int, dst: int) -> list[tuple[int, int]]:
    """Directed mesh links of the X-then-Y route (``ArchSpec.xy_route``, shared with the simulator)."""
    return arch.xy_route(src, dst)
