"""Place crossbar blocks on (tile, PE, crossbar) and give every operator a home tile.

Crossbars are numbered chip-wide, tile-major (tile, then PE, then crossbar).
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


def place(graph: OpGraph, arch, opts) -> OpGraph:
    per_tile = arch.tile.pes * arch.pe.crossbars
    total = arch.crossbars_per_chip
    next_xbar = 0
    for n in graph.nodes:
        if n.kind != "mvm":
            continue
        if opts.strategy == "naive" and next_xbar % per_tile:
            next_xbar += per_tile - next_xbar % per_tile
        start = next_xbar
        next_xbar += len(n.blocks)
        if next_xbar <= total:
            for i, block in enumerate(n.blocks):
                block.update(_locate(arch, start + i))
    mvm_xbars = next_xbar
    if mvm_xbars > total:
        needed = sum(len(n.blocks) for n in graph.nodes if n.kind == "mvm")
        raise SpecError(graph.meta.path, f"model larger than the chip: its weights need {mvm_xbars} crossbars "
                                         f"({needed} blocks{' on per-operator tiles' if opts.strategy == 'naive' else ''})"
                                         f" but {arch.name} has {total} ({arch.chip.tiles} tiles x {arch.tile.pes} "
                                         f"PEs x {arch.pe.crossbars} crossbars)")
    opts.notes["crossbars_mvm"] = mvm_xbars
    _place_embeddings(graph, arch, opts)
    _home_tiles(graph)
    return graph


def _locate(arch, index: int) -> dict[str, int]:
    xbars, pes = arch.pe.crossbars, arch.tile.pes
    return {"tile": index // (xbars * pes), "pe": (index // xbars) % pes, "crossbar": index % xbars}


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
        opts.notes["embedding_spill"] = f"tables need {need} bytes, on-chip capacity {capacity}: placed in DRAM"
    opts.notes["embedding_bytes"] = need
    for n in graph.nodes:
        if n.kind == "embedding":
            n.shape_info["storage"] = storage


def _home_tiles(graph: OpGraph) -> None:
    home: dict[str, int] = {}
    for n in graph.nodes:
        if n.kind == "mvm":
            n.tile = n.blocks[0]["tile"]
        elif n.kind == "embedding":
            n.tile = 0
        else:
            acts = [home[i] for i in n.inputs if i in home]
            n.tile = acts[0] if acts else 0
        for o in n.outputs:
            home[o] = n.tile
