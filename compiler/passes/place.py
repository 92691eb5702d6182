"""Place crossbar blocks on (tile, PE, crossbar) and give every operator a home tile.

Crossbars are numbered tile-major (tile, then PE, then crossbar) within each tile kind
(``chip.tile_kinds``: an operator's blocks go only on tiles of its kind, ``compiler.passes.optimize.kinds``;
a chip of one kind numbers them chip-wide).
- ``naive`` (issue 6 baseline): each crossbar operator starts on a fresh tile,
  in graph order, one block per crossbar, no replication;
- ``optimized`` (for now): blocks of consecutive operators fill consecutive
  crossbars, so small operators share tiles (issue 6 adds packing inside a
  crossbar, replication and NoC-aware placement here).
Non-crossbar operators run at the home tile of the producer of their first
activation input (graph inputs and embeddings arrive at tile 0, next to the
I/O link and DRAM interface).  Embedding tables go where
``arch.embedding.location`` says; tables larger than the on-chip table memory
(``embedding.onchip_capacity_bytes``) go to DRAM when the architecture has
one, else it is an error with numbers.
"""

from __future__ import annotations

from pimsim.spec.errors import SpecError

from compiler.ir.graph import Node, OpGraph
from compiler.passes.kind_views import kind_tiles, kind_view, node_kind


def place(graph: OpGraph, arch, opts) -> OpGraph:
    """Blocks on crossbars of their operator's tile kind, in graph order, kind by kind (one kind: the chip)."""
    nodes = [n for n in graph.nodes if n.kind == "mvm"]
    for kind in arch.tile_kinds:
        mine = [n for n in nodes if node_kind(n) == kind.name]
        _place_kind(graph, arch, kind_view(arch, kind.name), kind_tiles(arch, kind.name), mine, opts)
    _place_embeddings(graph, arch, opts)
    _home_tiles(graph)
    return graph


def _place_kind(graph: OpGraph, arch, view, tiles: range, nodes, opts) -> None:
    """Place ``nodes`` on the crossbars of the tiles ``tiles`` (one kind, its ``view``); an error when they take
    more crossbars (with the naive strategy's padding to whole tiles) than the tiles have."""
    per_tile = view.tile.pes * view.pe.crossbars
    total = len(tiles) * per_tile
    next_xbar = 0
    for n in nodes:
        if opts.strategy == "naive" and next_xbar % per_tile:
            next_xbar += per_tile - next_xbar % per_tile
        start = next_xbar
        next_xbar += len(n.blocks)
        if next_xbar <= total:
            for i, block in enumerate(n.blocks):
                block.locate(*_locate(view, start + i, tiles.start))
    if next_xbar > total:
        needed = sum(len(n.blocks) for n in nodes)
        naive = " on per-operator tiles" if opts.strategy == "naive" else ""
        if arch.heterogeneous:
            kind = arch.tile_kind_of(tiles.start)
            raise SpecError(graph.meta.path, f"tile kind {kind}: its operators need {next_xbar} crossbars "
                                             f"({needed} blocks{naive}, {-(-next_xbar // per_tile)} tiles) but it "
                                             f"has {total} ({len(tiles)} tiles x {view.tile.pes} PEs x "
                                             f"{view.pe.crossbars} crossbars)")
        raise SpecError(graph.meta.path, f"model larger than the chip: its weights need {next_xbar} crossbars "
                                         f"({needed} blocks{naive})"
                                         f" but {arch.name} has {total} ({arch.chip.tiles} tiles x {arch.tile.pes} "
                                         f"PEs x {arch.pe.crossbars} crossbars)")


def _locate(arch, index: int, first_tile: int = 0) -> tuple[int, int, int]:
    """(tile, PE, crossbar) of the ``index``-th crossbar counted tile-major from ``first_tile``."""
    xbars, pes = arch.pe.crossbars, arch.tile.pes
    return first_tile + index // (xbars * pes), (index // xbars) % pes, index % xbars


def _place_embeddings(graph: OpGraph, arch, opts) -> None:
    tables: dict[str, Node] = {}
    for n in graph.nodes:
        if n.kind == "embedding":
            tables.setdefault(n.inputs[0], n)
    need = sum(-(-graph.values[t].numel * (graph.values[t].bits or arch.precision.weight_bits) // 8) for t in tables)
    storage = arch.embedding.location
    capacity = arch.embedding.onchip_capacity_bytes
    if storage == "onchip" and need > capacity:
        if arch.embedding.dram is None:
            raise SpecError(graph.meta.path, f"embedding tables need {need} bytes on chip but {arch.name} has "
                                             f"{capacity} (embedding.onchip_capacity_bytes) and no DRAM "
                                             "(embedding.dram) to hold them")
        storage = "dram"
        opts.notes.embedding_spill = f"tables need {need} bytes, on-chip capacity {capacity}: placed in DRAM"
    opts.notes.embedding_bytes = need
    for n in graph.nodes:
        if n.kind == "embedding":
            n.storage = storage


def _home_tiles(graph: OpGraph) -> None:
    home: dict[str, int] = {}
    for n in graph.nodes:
        if n.kind == "mvm":
            tile = n.blocks[0].tile
            assert tile is not None  # _place_kind located every block
        elif n.kind == "embedding":
            tile = 0
        else:
            acts = [home[i] for i in n.inputs if i in home]
            tile = acts[0] if acts else 0
        n.tile = tile
        for o in n.outputs:
            home[o] = tile
