"""``--strategy optimized`` placement: the issue-6 optimisations, in order.

1. dynamic products: vector unit or crossbars written at run time, whichever
   is faster (``dynamic_choice``);
2. ADC resolution matched to the rows each operator reads in parallel (``adc``);
3. budget: ``--area-budget-mm2`` -> tiles (``compiler.cost.area``; default the
   whole chip); one copy of the model that does not fit is packed several
   blocks per crossbar (``pack``), and if even that does not fit it is an error;
4. column spreading and replication of crossbar operators, greedily, while
   they pay off and fit (``balance``);
5. NoC-aware placement on own tiles, or dense along a mesh walk when tiles
   are short (``noc_place``).
Precision (QDQ > policy > arch defaults) is set earlier by
``compiler.passes.precision``.  Runs in place of ``compiler.passes.place``
for ``optimized``; embedding storage is decided by that module's rule.
"""

from __future__ import annotations

from pimsim.spec.errors import SpecError

from compiler.cost.area import chip_area_mm2, fixed_area_mm2, tile_area_mm2, tiles_within
from compiler.cost.timing import ArchTiming, ceil_div
from compiler.passes.optimize.adc import match_adc_bits
from compiler.passes.optimize.balance import OBJECTIVE_BATCH, Plan, balance, expand_blocks
from compiler.passes.optimize.dynamic_choice import choose_dynamic
from compiler.passes.optimize.noc_place import place_dense, place_own_tiles
from compiler.passes.optimize.pack import shelf_pack


SPAN_CAPS = (1, 2, 4, None)
"""Tiles one operator copy may span, tried in turn; the estimate (``compiler.cost.estimate``) picks."""


def optimize(graph, arch, opts):
    from compiler.passes.place import _place_embeddings

    _place_embeddings(graph, arch, opts)  # storage decides the DRAM floor below
    budget = _budget_tiles(arch, opts)
    opts.notes["dynamic_implementation"] = choose_dynamic(graph, arch)
    opts.notes["adc_lowered_ops"] = match_adc_bits(graph, arch)
    base = {n.name: [dict(b) for b in n.blocks] for n in graph.nodes if n.blocks}
    floor, best = _floor(graph, arch), None
    for cap in SPAN_CAPS:
        for n in graph.nodes:
            if n.name in base:
                n.blocks = [dict(b) for b in base[n.name]]
        notes = _attempt(graph, arch, opts, budget, floor, cap)
        score = _score(graph, arch)
        if best is None or score < best[0]:
            best = (score, cap, notes, {n.name: (n.tile, n.blocks, dict(n.shape_info)) for n in graph.nodes})
    score, cap, notes, chosen = best
    for n in graph.nodes:
        n.tile, n.blocks, n.shape_info = chosen[n.name]
    opts.notes.update(notes)
    opts.notes["estimate"] = f"{score:.0f} cycles for {OBJECTIVE_BATCH} queries (span cap {cap} tiles per copy)"
    return graph


def _attempt(graph, arch, opts, budget: int, floor: float, cap) -> dict:
    from compiler.cost.ops import views_from_graph

    per_tile = arch.tile.pes * arch.pe.crossbars
    xnodes = [n for n in graph.nodes if n.blocks]
    fixed = [n for n in xnodes if n.kind != "mvm"]  # run-time-written products: one copy, unspread
    plans = [Plan(n, [dict(b) for b in n.blocks]) for n in xnodes if n.kind == "mvm"]
    _, bits = views_from_graph(graph)
    notes = {}
    if sum(ceil_div(len(n.blocks), per_tile) for n in xnodes) < budget:
        spare = budget - 1 - sum(ceil_div(len(n.blocks), per_tile) for n in fixed)  # - 1: tile 0 kept for I/O
        balance(plans, arch, spare, own_tiles=True, floor=floor, max_tiles_per_copy=cap)
        groups = {p.node.name: expand_blocks(p) for p in plans}
        groups.update({n.name: [{**b, "replica": 0} for b in n.blocks] for n in fixed})
        used = place_own_tiles(graph, groups, arch, budget, bits)
        notes["placement"] = f"own tiles per operator, NoC-aware ({used} tiles)"
    else:
        used = _dense(graph, arch, notes, opts, plans, fixed, budget, floor, cap)
    for p in plans:
        p.node.shape_info["replicas"] = p.replicas
    notes["replicated"] = {p.node.name: p.replicas for p in plans if p.replicas > 1}
    notes["spread"] = {p.node.name: p.spread for p in plans if p.spread > 1}
    notes["crossbars_mvm"] = sum(len(n.blocks) for n in xnodes)
    notes["tiles_used"] = used
    return notes


def _score(graph, arch) -> float:
    from compiler.cost.estimate import estimate
    from compiler.cost.ops import views_from_graph

    ops, bits = views_from_graph(graph)
    return estimate(ops, bits, list(graph.inputs), list(graph.outputs), arch).makespan_cycles(OBJECTIVE_BATCH)


def _dense(graph, arch, notes, opts, plans, fixed, budget: int, floor: float, cap) -> int:
    capacity = budget * arch.tile.pes * arch.pe.crossbars
    base = sum(len(p.base) for p in plans) + sum(len(n.blocks) for n in fixed)
    items = [(n.name, {**b, "replica": 0}) for n in fixed for b in n.blocks]
    if base <= capacity:
        balance(plans, arch, capacity - sum(len(n.blocks) for n in fixed), own_tiles=False, floor=floor,
                max_tiles_per_copy=cap)
        bins = [[it] for it in items] + [[(p.node.name, b)] for p in plans for b in expand_blocks(p)]
        notes["placement"] = "dense along the mesh walk (too few tiles for one per operator)"
    else:
        items += [(p.node.name, {**b, "replica": 0}) for p in plans for b in p.base]
        x = arch.pe.crossbar
        bins = shelf_pack(items, x.rows, x.cols)
        if len(bins) > capacity:
            _too_small(arch, opts, base, len(bins), budget)
        notes["placement"] = f"packed: {base} blocks in {len(bins)} crossbars"
    return place_dense(graph, bins, arch)


def _budget_tiles(arch, opts) -> int:
    if opts.area_budget_mm2 is None:
        return arch.chip.tiles
    tiles = tiles_within(arch, opts.area_budget_mm2)
    if tiles < 1:
        raise SpecError("--area-budget-mm2", f"{opts.area_budget_mm2:g} mm2 is too small for even one tile of "
                                             f"{arch.name}: fixed chip area {fixed_area_mm2(arch):.3f} mm2 (I/O link) "
                                             f"+ {tile_area_mm2(arch):.4f} mm2 per tile (estimate)")
    return tiles


def _too_small(arch, opts, blocks: int, bins: int, budget: int) -> None:
    per_tile = arch.tile.pes * arch.pe.crossbars
    need = ceil_div(bins, per_tile)
    where = "--area-budget-mm2" if opts.area_budget_mm2 is not None else arch.name
    raise SpecError(where, f"too small for one copy of the model: its {blocks} weight blocks need {bins} crossbars "
                           f"even packed ({need} tiles, about {chip_area_mm2(arch, need):.2f} mm2) but the budget "
                           f"holds {budget} tiles ({budget * per_tile} crossbars)")


def _floor(graph, arch) -> float:
    """Per-query busy time of units replication cannot relieve: DRAM, chip input link, one vector op."""
    from compiler.cost.ops import views_from_graph

    tm = ArchTiming(arch)
    ops, bits = views_from_graph(graph)
    dram = sum(tm.embedding_cycles("dram", o.tables * o.lookups * o.dim * o.precision["output_bits"])
               for o in ops if o.kind == "embedding" and o.storage == "dram")
    io = sum(tm.io_cycles(bits[i]) for i in graph.inputs)
    vec = max([tm.vector_cycles(o.vector_ops()) for o in ops if o.kind in ("vector", "dynamic_mvm")
               and not o.blocks], default=0)
    return float(max(dram, io, vec))
