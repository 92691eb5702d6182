"""The hardware resources tasks contend for, and the NoC route between tiles.

Each resource is one physical unit instance (or a pool of identical servers,
e.g. the shift-and-add units of a PE) with a capacity: how many tasks it runs
at once.  Resources are created on first use, so the id order follows the
lowering order (deterministic).

NoC: a 2-D mesh over the tile coordinates of ``ArchSpec.tile_xy``, XY
(dimension-order) routing, one directed link per neighbouring tile pair with
``router.flit_bits`` bits per cycle.  The chip I/O port sits at tile 0
(mesh corner (0, 0)); graph inputs enter there and outputs leave there.
Assumption: routers shared by ``tiles_per_router`` tiles (ISAAC's c-mesh)
are priced in area/energy by the component models but the timing mesh is the
tile mesh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.spec.arch import ArchSpec

IO_TILE = 0
"""Tile whose router holds the chip I/O port (inputs arrive, outputs leave)."""

RESOURCE_CLASSES = ("crossbar", "adc", "adc_bank", "tile_buffer", "bus", "vector_unit", "noc_link", "io_link",
                    "embedding_storage")
"""Resource classes that tasks occupy (a crossbar's ``adc`` holds the drain of its last slice's conversions;
``adc_bank`` an ADC bank that converts for several operators or copy groups, held by each one's run,
``pimsim.program.crossbar``; ``adc`` and ``shift_add`` busy time is reported from the sub-phases of crossbar and
drain tasks)."""


@dataclass
class ResourceTable:
    """Resources by key; ``key = (class, *where)``, e.g. ``("crossbar", tile, pe, xbar)``."""

    ids: dict[tuple, int] = field(default_factory=dict)
    keys: list[tuple] = field(default_factory=list)
    capacity: list[int] = field(default_factory=list)

    def get(self, key: tuple, capacity: int = 1) -> int:
        rid = self.ids.get(key)
        if rid is None:
            rid = len(self.keys)
            self.ids[key] = rid
            self.keys.append(key)
            self.capacity.append(int(capacity))
        return rid

    def name(self, rid: int) -> str:
        key = self.keys[rid]
        return key[0] + "".join(f"[{k}]" for k in key[1:])

    def tile_of(self, rid: int) -> int | None:
        """The tile a resource sits on (its trace process), or None for chip-level units."""
        key = self.keys[rid]
        if key[0] == "noc_link":
            return key[1]
        if key[0] in ("io_link", "embedding_storage") and len(key) < 3:
            return None
        return key[1] if len(key) > 1 and isinstance(key[1], int) else None


def instances_on_chip(arch: ArchSpec) -> dict[str, int]:
    """Server count per resource class on the whole chip: the denominator of ``utilization``."""
    mesh_links = 2 * ((arch.chip.mesh_cols - 1) * arch.mesh_rows + arch.chip.mesh_cols * (arch.mesh_rows - 1))
    return {
        "crossbar": arch.crossbars_per_chip,
        "shift_add": sum(k.count * k.tile.pes * k.pe.shift_add_units for k in arch.tile_kinds),
        "tile_buffer": sum(k.count * k.tile.buffer.banks for k in arch.tile_kinds),
        "bus": arch.chip.tiles,
        "vector_unit": arch.chip.tiles,
        "noc_link": max(mesh_links, 1),
        "io_link": 2,
        "embedding_storage": arch.chip.tiles if arch.embedding.location == "onchip" else 1,
    }
