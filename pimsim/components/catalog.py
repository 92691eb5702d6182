"""Build the component models of an architecture, one tile kind at a time (``build_components``).

Which model prices each role is decided here, once, from the arch spec
(``pe.adc.model`` selects the ADC law or table, ``pe.dac.model`` the DAC,
``tile.buffer.kind`` the buffer law, ``embedding.location`` the storage
model, ``chip.io_link.kind`` the link); every model names itself in
``model_name`` so reports can say what priced what.

Heterogeneous tiles (``chip.tile_kinds``): each kind has its own PE, ADC,
crossbar and tile parameters, so its own :class:`ComponentSet`.  The API the
simulator and the mapper call per tile:

    components_by_kind(arch)   -> {kind name: ComponentSet}
    components_for_tile(arch, t) -> the ComponentSet of tile t's kind
    arch.tile_kind_of(t), arch.tile_kinds (name, count, first_tile, pe, tile)

Chip-level models (I/O link, global buffer, DRAM, chip extras) are the same
object values in every kind's set; the roll-up counts them once.  For a
single-kind architecture ``build_components(arch)`` is the one set (its kind
is named ``all``).

Assumptions: one instance of each role is described; the counts per PE,
tile and chip are in :func:`instances` and used by the roll-up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.converters import (
    AdcModel, DacModel, adcs_per_pe, build_adc, build_dac, build_sample_hold, dacs_per_crossbar,
)
from pimsim.components.crossbar import CrossbarModel, build_crossbar
from pimsim.components.digital import (
    RegisterModel, ShiftAddModel, VectorUnitModel, build_maxpool, build_pe_input_register,
    build_pe_output_register, build_pe_shift_add, build_tile_output_register, build_tile_shift_add,
    build_vector_unit,
)
from pimsim.components.extras import build_extra, extra_role, extra_specs
from pimsim.components.memory import (
    BufferModel, StreamModel, build_embedding_storage, build_global_buffer, build_tile_buffer,
)
from pimsim.components.network import BusModel, RouterModel, build_bus, build_io_link, build_router
from pimsim.spec.arch import IMPLICIT_KIND

_OPTIONAL = ("global_buffer", "extras", "kind")


@dataclass(frozen=True)
class ComponentSet:
    """Every component model of one tile kind of an architecture (one instance of each role)."""

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
    global_buffer: BufferModel | None = None
    extras: tuple[ComponentModel, ...] = ()
    """Extra components (``<level>.<name>`` roles) of the PE, tile and chip levels."""
    kind: str = IMPLICIT_KIND

    def items(self) -> list[tuple[str, ComponentModel]]:
        """(role, model) pairs: PE, tile and chip roles in declaration order, the global buffer, the extras."""
        out = [(f.name, getattr(self, f.name)) for f in fields(self) if f.name not in _OPTIONAL]
        if self.global_buffer is not None:
            out.append(("global_buffer", self.global_buffer))
        out.extend((m.role, m) for m in self.extras)
        return out

    def extra(self, role: str) -> ComponentModel:
        """The extra component with role ``<level>.<name>`` (``ComponentError`` if there is none)."""
        for m in self.extras:
            if m.role == role:
                return m
        raise ComponentError(f"no extra component {role!r}; extras: {', '.join(m.role for m in self.extras) or 'none'}")


def _single_kind(arch, kind: str | None):
    if arch.heterogeneous:
        if kind is None:
            names = ", ".join(k.name for k in arch.tile_kinds)
            raise ComponentError(f"chip.tile_kinds: this architecture has several tile kinds ({names}); "
                                 "price one with build_components(arch, kind) or components_by_kind(arch)")
        return arch.kind_arch(kind), kind
    if kind not in (None, IMPLICIT_KIND):
        raise ComponentError(f"tile kind {kind!r}: this architecture has one kind, {IMPLICIT_KIND!r}")
    return arch, IMPLICIT_KIND


def build_components(arch, kind: str | None = None) -> ComponentSet:
    """Price every component of ``arch`` (a validated ``ArchSpec``) with its model; ``kind`` names the tile
    kind for a heterogeneous architecture (required there)."""
    arch, name = _single_kind(arch, kind)
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
        global_buffer=build_global_buffer(arch),
        extras=tuple(build_extra(arch, level, spec) for level, spec in extra_specs(arch)),
        kind=name,
    )


def components_by_kind(arch) -> dict[str, ComponentSet]:
    """Tile kind name -> its ComponentSet, in tile-index order (one entry, ``all``, when homogeneous)."""
    return {k.name: build_components(arch, k.name if arch.heterogeneous else None) for k in arch.tile_kinds}


def components_for_tile(arch, tile: int) -> ComponentSet:
    """The ComponentSet that prices tile index ``tile`` (its kind's)."""
    kind = arch.tile_kind_of(tile)
    return build_components(arch, kind if arch.heterogeneous else None)


def instances(arch, kind: str | None = None) -> dict[str, tuple[str, float]]:
    """Role -> (level, instances per unit of that level): how many of each the roll-up counts.

    Levels: ``pe`` (per PE), ``tile`` (per tile), ``chip`` (per chip).  A router is shared by
    ``tiles_per_router`` tiles, so a tile carries that fraction of one (the unshared rest of a partly
    used last router is a chip-level row of the roll-up).  Off-chip DRAM is not on the chip (count 0).
    ADCs: one bank of ``per_crossbar`` per ``shared_by_crossbars`` crossbars.
    """
    arch, _ = _single_kind(arch, kind)
    pe, xbar = arch.pe, arch.pe.crossbar
    t = arch.tile
    onchip_tables = 1 if arch.embedding.location == "onchip" else 0
    out = {
        "crossbar": ("pe", pe.crossbars),
        "dac": ("pe", pe.crossbars * dacs_per_crossbar(pe)),
        "sample_hold": ("pe", pe.crossbars * xbar.cols),
        "adc": ("pe", adcs_per_pe(pe)),
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
    if arch.chip.global_buffer is not None:
        out["global_buffer"] = ("chip", 1)
    for level, spec in extra_specs(arch):
        out[extra_role(level, spec.name)] = (level, spec.count)
    return out


def features_not_simulated(arch) -> list[str]:
    """Fields the component models and roll-up price but the event program (``pimsim.program``) does not
    execute yet; ``pimsim.api.simulate`` refuses them by name rather than ignoring them.

    - ``chip.tile_kinds``: tasks are priced with one ComponentSet (per-kind pricing: ``components_for_tile``);
    - ``pe.crossbar.rows_per_read`` below rows and ``pe.adc.shared_by_crossbars`` above 1: the per-slice
      timing (``pimsim.cost.crossbar.slice_timing``: one sensing step, one crossbar per ADC bank) must take
      ``pimsim.components.slicing`` counts;
    - ``pe.adc.model: table``: ``pimsim.cost`` prices every conversion through ``AdcModel.conversion_ns_at`` /
      ``energy_pj_at``, which read the table, but no event-level test covers a table ADC yet.
    """
    out = []
    if arch.heterogeneous:
        out.append("chip.tile_kinds")
    for k in arch.tile_kinds:
        pe = k.pe
        where = "pe" if not arch.heterogeneous else f"chip.tile_kinds[{k.name}].pe"
        if pe.crossbar.rows_read_at_once < pe.crossbar.rows:
            out.append(f"{where}.crossbar.rows_per_read={pe.crossbar.rows_per_read}")
        if pe.adc.shared_by_crossbars > 1:
            out.append(f"{where}.adc.shared_by_crossbars={pe.adc.shared_by_crossbars}")
        if pe.adc.model == "table":
            out.append(f"{where}.adc.model=table")
    return out
