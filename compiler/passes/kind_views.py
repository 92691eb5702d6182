"""The single-kind view of a tile kind (``chip.tile_kinds``; issue 17 item 7): what the passes tile, place and
price an operator with once ``compiler.passes.optimize.kinds`` has given it a kind.

A chip of one kind has one kind, ``all`` (``pimsim.spec.arch.IMPLICIT_KIND``), whose view is the architecture
itself; with several, kind ``K``'s view is ``ArchSpec.kind_arch(K)`` (its ``pe`` and ``tile`` sections are
``K``'s), taken from ``pimsim.cost.actions.Costs.at`` so that it is built once per kind.  This module sits below
both the tiling and ADC passes and the kind choice, which use it (no import cycle).
"""

from __future__ import annotations

from pimsim.cost.actions import Costs
from pimsim.spec.arch import IMPLICIT_KIND


def tile_kind(arch, name: str):
    """Kind ``name``'s record in ``chip.tile_kinds`` (``KeyError`` for a name the chip does not have)."""
    for kind in arch.tile_kinds:
        if kind.name == name:
            return kind
    raise KeyError(f"tile kind {name!r}")


def kind_costs(arch, name: str) -> Costs:
    """The costs of kind ``name`` (``Costs.at`` its first tile; ``Costs.of(arch)`` itself with one kind)."""
    return Costs.of(arch).at(tile_kind(arch, name).first_tile)


def kind_view(arch, name: str):
    """Kind ``name``'s single-kind view (``ArchSpec.kind_arch``, built once per kind; ``arch`` with one kind)."""
    return kind_costs(arch, name).arch if arch.heterogeneous else arch


def kind_tiles(arch, name: str) -> range:
    """Tile indices of kind ``name`` (kinds hold consecutive tiles, ``chip.tile_kinds`` order)."""
    kind = tile_kind(arch, name)
    return range(kind.first_tile, kind.first_tile + kind.count)


def node_kind(node) -> str:
    """The kind a crossbar operator was given (``all`` before ``assign_kind`` or on a single-kind chip)."""
    return getattr(node, "tile_kind", None) or IMPLICIT_KIND


def node_view(arch, node):
    """The single-kind view a crossbar operator is tiled, placed and priced with."""
    return kind_view(arch, node_kind(node))
