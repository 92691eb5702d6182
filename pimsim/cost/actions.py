"""Per-action durations (cycles) and energies (pJ), taken from the component models.

The one reader of ``pimsim.components`` for the simulator's lowering
(``pimsim.program``) and the mapper's estimates (``compiler.cost``) alike:
every number here is ``model.latency_cycles(action)`` or
``model.energy_pj(action)`` of one instance, scaled by how many actions a
task performs.  Action counts per task are documented where they are used
(``pimsim/program/lower.py``, ``pimsim/cost/crossbar.py``).  Imports no numba.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from pimsim.components import ComponentSet, build_components
from pimsim.spec.arch import ArchSpec


def ceil_div(a: int, b: int) -> int:
    return -(-int(a) // int(b))


@dataclass(frozen=True)
class Costs:
    comps: ComponentSet
    memo: dict = field(default_factory=dict, compare=False, repr=False)
    """Derived figures asked for often (``pimsim.cost.crossbar.slice_timing``), computed once."""
    arch: ArchSpec = field(kw_only=True, compare=False, repr=False)
    """The architecture priced (its tile kind's view for ``at``): DRAM lookups of spilled tables, buffer banks."""

    @staticmethod
    def of(arch) -> "Costs":
        """The costs of ``arch`` (a validated, hashable ``ArchSpec``), built once per architecture.

        With several tile kinds (``chip.tile_kinds``) these are the costs of the kind of tile 0: chip-level
        actions (NoC hops, the I/O link, DRAM) are the same for every kind (the kinds share the router, and
        the chip section is one), while every PE- and tile-level action must be priced with ``at(tile)``.
        """
        return _costs_of(arch)

    def at(self, tile: int) -> "Costs":
        """The costs of tile ``tile``'s kind (``self`` when the chip has one kind), built once per kind; their
        ``arch`` is the kind's single-kind view (``ArchSpec.kind_arch``), so its ``pe`` and ``tile`` sections
        are the kind's."""
        arch = self.arch
        if not arch.heterogeneous:
            return self
        kind = arch.tile_kind_of(tile)
        key = ("kind", kind)
        if key not in self.memo:
            self.memo[key] = Costs.of(arch.kind_arch(kind))
        return self.memo[key]

    # -- crossbar and its periphery (per instance action) --------------
    @property
    def read_cycles(self) -> int:
        return self.comps.crossbar.latency_cycles("read")

    @property
    def read_pj(self) -> float:
        return self.comps.crossbar.energy_pj("read")

    @property
    def write_row_cycles(self) -> int:
        return self.comps.crossbar.latency_cycles("write_row")

    @property
    def write_row_pj(self) -> float:
        return self.comps.crossbar.energy_pj("write_row")

    @property
    def dac_cycles(self) -> int:
        return self.comps.dac.latency_cycles("drive")

    @property
    def dac_pj(self) -> float:
        return self.comps.dac.energy_pj("drive")

    @property
    def sample_hold_cycles(self) -> int:
        return self.comps.sample_hold.latency_cycles("sample")

    @property
    def sample_hold_pj(self) -> float:
        return self.comps.sample_hold.energy_pj("sample")

    def adc_cycles(self, conversions: int, bits: int | None = None) -> int:
        """Cycles of ``conversions`` back-to-back conversions of one ADC at ``bits`` (None: its own)."""
        return self.comps.adc.cycles_for_conversions(conversions, bits)

    def adc_pj(self, bits: int | None = None) -> float:
        """Energy of one conversion at ``bits`` (None: the ADC's own resolution)."""
        adc = self.comps.adc
        return adc.energy_pj("convert") if bits is None else adc.energy_pj_at(bits)

    @property
    def shift_add_cycles(self) -> int:
        return self.comps.shift_add.latency_cycles("add")

    @property
    def shift_add_pj(self) -> float:
        return self.comps.shift_add.energy_pj("add")

    def input_register_pj(self, reads: int) -> float:
        """``reads`` crossbar reads, each with one read and (steady state) one write of the input register."""
        r = self.comps.pe_input_register
        return reads * (r.energy_pj("read") + r.energy_pj("write"))

    def output_register_pj(self, words: int) -> float:
        """``words`` partial-sum words, each written and read once in the PE output register."""
        r = self.comps.pe_output_register
        return words * (r.energy_pj("read") + r.energy_pj("write"))

    # -- tile buffer and bus --------------------------------------------
    def buffer_accesses(self, bits: int) -> int:
        return ceil_div(bits, self.comps.tile_buffer.width_bits) if bits > 0 else 0

    def buffer_cycles(self, bits: int) -> int:
        """One bank serves ``ceil(bits / width_bits)`` accesses back to back."""
        return self.buffer_accesses(bits) * self.comps.tile_buffer.latency_cycles("read")

    def buffer_read_pj(self, bits: int) -> float:
        return self.buffer_accesses(bits) * self.comps.tile_buffer.energy_pj("read")

    def buffer_write_pj(self, bits: int) -> float:
        return self.buffer_accesses(bits) * self.comps.tile_buffer.energy_pj("write")

    def bus_cycles(self, bits: int) -> int:
        bus = self.comps.bus
        return ceil_div(bits, bus.width_bits) * bus.latency_cycles("transfer_bit") if bits > 0 else 0

    def bus_pj(self, bits: int) -> float:
        return bits * self.comps.bus.energy_pj("transfer_bit")

    # -- NoC and chip I/O -------------------------------------------------
    @property
    def hop_cycles(self) -> int:
        return self.comps.router.latency_cycles("hop")

    def hop_pj(self, flits: int) -> float:
        """``flits`` flits over one hop (router plus link)."""
        return flits * self.comps.router.energy_pj("hop")

    def io_cycles(self, bits: int) -> int:
        return self.comps.io_link.cycles_for_bits(bits)

    def io_pj(self, bits: int) -> float:
        return bits * self.comps.io_link.energy_pj("transfer_bit")

    # -- vector unit and embedding storage ------------------------------
    def vector_cycles(self, ops: dict[str, int]) -> int:
        vu = self.comps.vector_unit
        return sum(vu.cycles_for_elements(n, k) for k, n in sorted(ops.items()) if n > 0)

    def vector_pj(self, ops: dict[str, int]) -> float:
        vu = self.comps.vector_unit
        return sum(n * vu.energy_pj(k) for k, n in sorted(ops.items()) if n > 0)

    def embedding_cycles(self, storage: str, rows: int, bits: int) -> int:
        """Latency of the first bit, then ``bits`` at the storage bandwidth (rows are streamed)."""
        return self._storage(storage).cycles_for_bits(bits)

    def embedding_access(self, storage: str, rows: int, bits: int) -> tuple[int, int]:
        """(delay, occupancy) of one lookup: how long before the storage starts delivering, and how
        long it is held.

        DRAM requests overlap in the banks (bank-level parallelism), so the channel is held only for
        the transfer, ``ceil(bits / bandwidth)``, and the access latency is a delay before it;
        back-to-back lookups are then limited by bandwidth, not by latency.  An on-chip ReRAM array
        in memory mode is held for the whole read, latency included.
        """
        total = self.embedding_cycles(storage, rows, bits)
        if storage != "dram" or not bits:
            return 0, total
        transfer = math.ceil(bits / self._storage(storage).bandwidth_bits_per_cycle)
        return total - transfer, transfer

    def embedding_pj(self, storage: str, rows: int, bits: int) -> float:
        return bits * self._storage(storage).energy_pj("read_bit")

    def _storage(self, storage: str):
        """The model of the storage a table sits in: the architecture's, or its DRAM for spilled tables."""
        model = self.comps.embedding_storage
        if (storage == "onchip") == model.onchip:
            return model
        if storage == "dram" and self.arch.embedding.dram is not None:
            if "dram" not in self.memo:
                from pimsim.components.memory import build_dram

                self.memo["dram"] = build_dram(self.arch)
            return self.memo["dram"]
        from pimsim.components import ComponentError

        where = "on-chip ReRAM" if model.onchip else "DRAM"
        raise ComponentError(f"embedding storage {storage!r} requested but the architecture prices {where}")


@lru_cache(maxsize=32)
def _costs_of(arch) -> Costs:
    kind = arch.tile_kind_of(0) if arch.heterogeneous else None
    return Costs(build_components(arch, kind), arch=arch)
