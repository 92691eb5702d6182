"""Build the full set of component models of an architecture (``build_components``).

Which model prices each role is decided here, once, from the arch spec
(``pe.adc.model`` selects the ADC law, ``tile.buffer.kind`` the buffer law,
``embedding.location`` the storage model); every model names itself in
``model_name`` so reports can say what priced what.

Assumptions: one instance of each role is described; the counts per PE,
tile and chip are in ``INSTANCES`` below and used by the roll-up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from pimsim.components.base import ComponentModel
from pimsim.components.converters import AdcModel, DacModel, build_adc, build_dac, build_sample_hold
from pimsim.components.crossbar import CrossbarModel, build_crossbar
from pimsim.components.digital import (
    RegisterModel, ShiftAddModel, VectorUnitModel, build_maxpool, build_pe_input_register,
    build_pe_output_register, build_pe_shift_add, build_tile_output_register, build_tile_shift_add,
    build_vector_unit,
)
from pimsim.components.memory import BufferModel, StreamModel, build_embedding_storage, build_tile_buffer
from pimsim.components.network import BusModel, RouterModel, build_bus, build_io_link, build_router


@dataclass(frozen=True)
class ComponentSet:
    """Every component model of one architecture (one instance of each role)."""

    crossbar: CrossbarModel
    dac: DacModel
    sample_hold: ComponentModel
    adc: AdcModel
    shift_add: ShiftAddModel
    pe_input_register: RegisterModel
    pe_output_register: RegisterModel
    tile_buffer: BufferModel
    bus: BusModel
    router: RouterModel
    vector_unit: VectorUnitModel
    tile_shift_add: ComponentModel
    tile_output_register: RegisterModel
    maxpool: ComponentModel
    embedding_storage: StreamModel
    io_link: StreamModel

    def items(self) -> list[tuple[str, ComponentModel]]:
        """(role, model) pairs in declaration order (PE, tile, chip)."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def build_components(arch) -> ComponentSet:
    """Price every component of ``arch`` (a validated ``ArchSpec``) with its model."""
    return ComponentSet(
        crossbar=build_crossbar(arch),
        dac=build_dac(arch),
        sample_hold=build_sample_hold(arch),
        adc=build_adc(arch),
        shift_add=build_pe_shift_add(arch),
        pe_input_register=build_pe_input_register(arch),
        pe_output_register=build_pe_output_register(arch),
        tile_buffer=build_tile_buffer(arch),
        bus=build_bus(arch),
        router=build_router(arch),
        vector_unit=build_vector_unit(arch),
        tile_shift_add=build_tile_shift_add(arch),
        tile_output_register=build_tile_output_register(arch),
        maxpool=build_maxpool(arch),
        embedding_storage=build_embedding_storage(arch),
        io_link=build_io_link(arch),
    )


def instances(arch) -> dict[str, tuple[str, float]]:
    """Role -> (level, instances per unit of that level): how many of each the roll-up counts.

    Levels: ``pe`` (per PE), ``tile`` (per tile), ``chip`` (per chip).  The
    router is shared by ``tiles_per_router`` tiles, so a tile carries that
    fraction of one.  Off-chip DRAM is not on the chip (count 0).
    """
    pe, xbar = arch.pe, arch.pe.crossbar
    t = arch.tile
    onchip_tables = 1 if arch.embedding.location == "onchip" else 0
    return {
        "crossbar": ("pe", pe.crossbars),
        "dac": ("pe", pe.crossbars * xbar.rows),
        "sample_hold": ("pe", pe.crossbars * xbar.cols),
        "adc": ("pe", pe.crossbars * pe.adc.per_crossbar),
        "shift_add": ("pe", pe.shift_add_units),
        "pe_input_register": ("pe", 1),
        "pe_output_register": ("pe", 1),
        "tile_buffer": ("tile", 1),
        "bus": ("tile", 1),
        "router": ("tile", 1 / t.router.tiles_per_router),
        "vector_unit": ("tile", 1),
        "tile_shift_add": ("tile", t.shift_add_units),
        "tile_output_register": ("tile", 1),
        "maxpool": ("tile", t.maxpool_units),
        "embedding_storage": ("tile", onchip_tables),
        "io_link": ("chip", 1),
    }
