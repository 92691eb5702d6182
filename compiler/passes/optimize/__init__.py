"""``--strategy optimized`` placement: the issue-6 and issue-16 optimisations, in order.

1. dynamic products: vector unit or crossbars written at run time, whichever
   is faster (``dynamic_choice``);
2. ADC resolution matched to the rows each operator reads in parallel (``adc``);
3. budget: ``--area-budget-mm2`` -> tiles (``pimsim.cost.area``, the roll-up;
   default the whole chip); one copy of the model that does not fit is packed
   several blocks per crossbar (``pack``), and if even that does not fit it is
   an error;
4. column spreading, vector-parallel copies and copy groups of crossbar
   operators, greedily, while they pay off and fit (``balance``), for several
   settings (``CANDIDATES``);
5. NoC-aware placement on own tiles, or dense along a mesh walk when tiles
   are short (``noc_place``).
Every candidate placement, and the baseline (naive placement with this
strategy's precision, ADC and dynamic choices), is priced by the mapper's
estimate (``compiler.cost.estimate``: one-query latency, a ``SCORE_BATCH``-query
stream, energy per inference) and the pick follows ``--optimize``
(``choose``).  Precision (QDQ > policy > arch defaults) is set earlier by
``compiler.passes.precision``.  Runs in place of ``compiler.passes.place`` for
``optimized``; embedding storage is decided by that module's rule.
With several tile kinds (``chip.tile_kinds``) every step works per kind: each crossbar operator was given a
kind by the precision pass (``kinds``), its blocks are balanced, packed and placed only on tiles of that kind
(the budget's tiles counted per kind, ``kinds.tiles_by_kind``) and priced with that kind's costs; a full
kind spilled operators to the next fitting kind there (``kinds.KindRoom``); a kind whose operators still do not
fit its tiles packed is an error naming the kind and the tiles they need.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.cost.actions import Costs, ceil_div
from pimsim.cost.area import chip_area_mm2, fixed_area_mm2, tile_area_mm2, tiles_within
from pimsim.spec.errors import SpecError

from compiler.passes.optimize.adc import match_adc_bits
from compiler.passes.optimize.balance import OBJECTIVE_BATCH, Plan, balance, expand_blocks, plan_context
from compiler.passes.optimize.dynamic_choice import choose_dynamic
from compiler.passes.kind_views import kind_costs, kind_tiles, kind_view, node_kind
from compiler.ir.records import EmbeddingShape, Placement
from compiler.passes.notes import CandidateNotes, CompileNotes, Score
from compiler.passes.optimize.kinds import refuse_short_kind, tiles_by_kind
from compiler.passes.optimize.noc_place import place_dense, place_extra_copies, place_own_tiles
from compiler.passes.optimize.pack import shelf_pack
from compiler.passes.optimize.vector_split import MAX_UNITS, product_cycles, split_products, splittable

OBJECTIVES = ("throughput", "latency", "energy", "edp")
"""``--optimize``: what the pick among candidate placements maximises or minimises (``choose``)."""

ISO_ENERGY = 0.05
"""``throughput`` picks the fastest stream among the candidates that cost at most 5 % more energy per inference
than the most frugal one, or whose energy-delay product per inference (energy x stream time) is no worse
than the frugal one's: replication is energy-free but column spreading drives every row once more per
extra crossbar and shared products send operands over the NoC, so a small speed-up bought with much more
energy is refused, while a large one that pays for its energy is kept."""


@dataclass(frozen=True)
class Setting:
    """One greedy run: tiles one operator copy may span (None: any), spreading, vector-parallel copies, the
    stream length ``batch`` of its objective (1: one query's latency), and the objectives it is tried for."""

    label: str
    cap: int | None
    spread: bool
    copies: bool
    batch: int = OBJECTIVE_BATCH
    objectives: tuple = OBJECTIVES


CANDIDATES = (
    Setting("copies, no spreading", 0, False, True),
    Setting("copies, spreading <= 1 tile per copy", 1, True, True),
    Setting("copies, spreading <= 4 tiles per copy", 4, True, True, objectives=("latency", "edp")),
    Setting("copies for one query's latency", None, True, True, batch=1, objectives=("latency", "edp")),
    Setting("groups only (query-level replication)", 0, False, False, objectives=("energy",)),
)
"""The greedy settings tried, besides the baseline (and for ``ANCHORED_OBJECTIVES`` the baseline with copies on
free tiles).  Measured on the test models (docs/mapping.md), the two first win for throughput; the others
are tried only for the objectives they can serve, which keeps compiles under 2 s."""

ANCHORED_OBJECTIVES = ("latency", "edp")
"""Objectives that also try the baseline placement kept as it is with copies on its free tiles (``_anchored``):
it never won for throughput on the test models, and each candidate costs a stream estimate."""


def choose(scores: list[Score], objective: str, guard: Score | None) -> Score:
    """The pick among candidates.  Except for ``energy``, only candidates not slower than the baseline (in
    latency and in stream time) qualify, so optimized is never slower than its own baseline; ``throughput``
    then keeps those within ``ISO_ENERGY`` of the least energy or not worse in energy-delay, and takes the
    fastest stream."""
    pool = [s for s in scores if guard is None or objective == "energy"
            or (s.latency_cycles <= guard.latency_cycles and s.stream_cycles <= guard.stream_cycles)]
    if not pool and guard is not None:  # none as fast as the baseline: the baseline itself
        pool = [guard]
    if objective == "throughput":
        frugal = min(pool, key=lambda s: (s.energy_pj, s.stream_cycles))
        pool = [s for s in pool if s.energy_pj <= (1 + ISO_ENERGY) * frugal.energy_pj
                or s.energy_pj * s.stream_cycles <= frugal.energy_pj * frugal.stream_cycles]
    return min(pool, key=lambda s: s.key(objective))


def optimize(graph, arch, opts):
    from compiler.passes.place import _place_embeddings

    objective = getattr(opts, "objective", "throughput")
    _check_policy_names(graph, opts)
    _place_embeddings(graph, arch, opts)  # storage decides the DRAM floor below
    budget = _budget_tiles(arch, opts)
    opts.notes.dynamic_implementation = choose_dynamic(graph, arch)
    opts.notes.adc_lowered_ops = match_adc_bits(graph, arch)
    if arch.heterogeneous:
        opts.notes.tile_kinds = {n.name: node_kind(n) for n in graph.nodes if n.blocks}
    base = {n.name: [b.copy() for b in n.blocks] for n in graph.nodes if n.blocks}
    floor = _floor(graph, arch)
    cache: dict = {"pipeline": opts.pipeline}  # placement signature -> estimate (candidates often end in the same
    # placement); "pipeline": the mapping's pipeline mode, which the estimate models
    guard = _baseline(graph, arch, base, budget, cache)  # None when the baseline does not fit the budget
    found = {} if guard is None else {"baseline": guard}
    if guard is not None:
        floor = max(floor, _unit_floor(graph, arch, cache))
    if guard is not None and objective in ANCHORED_OBJECTIVES:
        anchored = _anchored(graph, arch, guard[2], budget, floor, cache)
        if anchored is not None:
            found.setdefault(_signature(graph), anchored)
    for setting in (c for c in CANDIDATES if objective in c.objectives):
        _reset(graph, base)
        notes = _attempt(graph, arch, opts, budget, floor, setting, cache)
        score = Score(setting.label, *_score(graph, arch, cache))
        found.setdefault(_signature(graph), (score, notes, _snapshot(graph)))
    scores = [v[0] for v in found.values()]
    best = choose(scores, objective, guard[0] if guard else None)
    score, notes, chosen = next(v for v in found.values() if v[0] is best)
    for n in graph.nodes:
        chosen[n.name].apply(n)
    opts.notes.choice, opts.notes.chosen, opts.notes.candidates = notes, score, scores
    opts.notes.objective = objective
    return graph


SCORE_BATCH = 16
"""Queries in the stream schedule that scores candidates (``compiler.cost.estimate``): the makespan of
``OBJECTIVE_BATCH`` queries is extrapolated from its late slope (the pipeline has filled by then on the
test models; scheduling 64 queries would make compiles 4x slower)."""


def _reset(graph, base) -> None:
    """Every node back to one copy, no vector units borrowed, and its tiled blocks (``base``) unplaced."""
    for n in graph.nodes:
        if n.name in base:
            n.blocks = [b.copy() for b in base[n.name]]
        n.replicas, n.copies_per_query, n.vector_tiles = 1, 1, []


def _snapshot(graph) -> dict[str, Placement]:
    return {n.name: Placement.of(n) for n in graph.nodes}


def _signature(graph) -> tuple:
    return tuple((n.tile, n.replicas, n.copies_per_query, n.implementation, tuple(n.vector_tiles),
                  tuple(b.key() for b in n.blocks)) for n in graph.nodes)


def _baseline(graph, arch, base, budget: int, cache: dict):
    """The naive placement (with this strategy's precision, ADC bits and dynamic choices): the guard,
    if it fits the budget's tiles and the chip.  Returns (score, notes, snapshot) or None."""
    from types import SimpleNamespace

    from compiler.passes.place import place

    _reset(graph, base)
    try:
        place(graph, arch, SimpleNamespace(strategy="naive", notes=CompileNotes()))
    except SpecError:  # more crossbars on per-operator tiles than the chip has
        return None
    tiles = {n.tile for n in graph.nodes} | {b.tile for n in graph.nodes for b in n.blocks}
    if not arch.heterogeneous and len(tiles) > budget:
        return None
    if arch.heterogeneous and any(len(tiles & set(kind_tiles(arch, k))) > n for k, n in _budgets(arch, budget).items()):
        return None
    score = Score("baseline: one copy per operator on its own tiles", *_score(graph, arch, cache))
    return (score, CandidateNotes(score.label), _snapshot(graph))


def _anchored(graph, arch, baseline: dict[str, Placement], budget: int, floor: float, cache: dict):
    """The baseline placement kept block for block, plus copies and groups (no spreading) on the tiles it
    leaves free, nearest each operator's home: the first copy's path is the baseline's, so a query is never
    slower for want of a hop.  Returns (score, notes, snapshot), or None when no copy fits."""
    for n in graph.nodes:
        baseline[n.name].apply(n)
    taken = {n.tile for n in graph.nodes} | {b.tile for n in graph.nodes for b in n.blocks}
    free, capacity = [], {}
    plans = [Plan(n, [b.copy() for b in n.blocks], allow_spread=False) for n in graph.nodes if n.kind == "mvm"]
    for kind, allowed in _budgets(arch, budget).items():
        tiles = kind_tiles(arch, kind)
        mine = [t for t in tiles if t not in taken][:max(allowed - len(taken & set(tiles)), 0)]
        free += mine
        capacity[kind] = len(mine) + sum(ceil_div(len(p.base), _per_tile(arch, kind)) for p in plans
                                         if node_kind(p.node) == kind)
    balance(plans, arch, capacity, own_tiles=True, floor=floor)
    placed = place_extra_copies(graph, {p.node.name: expand_blocks(p) for p in plans if p.replicas > 1}, arch, free)
    if not placed:
        return None
    split = _split(graph, arch, plans, floor)
    _sync_replicas(plans)
    notes = CandidateNotes(f"baseline placement, extra copies on {placed} free tiles", split,
                           {p.node.name: (p.copies, p.groups) for p in plans if p.replicas > 1})
    score = Score("baseline placement + copies on free tiles", *_score(graph, arch, cache))
    return (score, notes, _snapshot(graph))


def _attempt(graph, arch, opts, budget: int, floor: float, setting: Setting, cache: dict) -> CandidateNotes:
    xnodes = [n for n in graph.nodes if n.blocks]
    fixed = [n for n in xnodes if n.kind != "mvm"]  # run-time-written products: one copy, unspread
    plans = [Plan(n, [b.copy() for b in n.blocks], allow_spread=setting.spread, allow_copies=setting.copies)
             for n in xnodes if n.kind == "mvm"]
    cap = setting.cap if setting.spread else None
    bits = graph.query_bits()
    notes = CandidateNotes("")
    budgets = _budgets(arch, budget)
    own = {k: sum(ceil_div(len(n.blocks), _per_tile(arch, k)) for n in xnodes if node_kind(n) == k) for k in budgets}
    io_kind = arch.tile_kinds[0].name  # the kind of tile 0, kept for I/O when there is a spare tile
    if all(own[k] + (k == io_kind) <= n for k, n in budgets.items()):
        spare = {k: n - (k == io_kind) - sum(ceil_div(len(x.blocks), _per_tile(arch, k)) for x in fixed
                                             if node_kind(x) == k) for k, n in budgets.items()}  # tile 0 for I/O
        balance(plans, arch, spare if arch.heterogeneous else spare[io_kind], own_tiles=True, floor=floor,
                max_tiles_per_copy=cap, batch=setting.batch)
        fixed_groups = {n.name: [b.copy(replica=0) for b in n.blocks] for n in fixed}
        used = _place_plans(graph, arch, plans, fixed_groups, budgets, bits)
        _split(graph, arch, plans, floor)
        used = _trim_groups(graph, arch, plans, fixed_groups, budgets, bits, used, floor, cache)
        notes.vector_split = _split(graph, arch, plans, floor)  # homes may have moved with the trim
        notes.placement = f"own tiles per operator, NoC-aware ({used} tiles)"
    else:
        notes.placement = _dense(graph, arch, opts, plans, fixed, budget, floor, cap, setting.batch)
        notes.vector_split = _split(graph, arch, plans, floor)
    _sync_replicas(plans)
    notes.replicated = {p.node.name: (p.copies, p.groups) for p in plans if p.replicas > 1}
    notes.spread = {p.node.name: p.spread for p in plans if p.spread > 1}
    return notes


def _split(graph, arch, plans, floor: float) -> dict[str, list[int]]:
    """Products on the vector unit spread over vector units until they reach the crossbars' period."""
    target = max([floor] + [p.period_cycles(*plan_context(arch, p)) for p in plans])
    return split_products(graph, arch, target)


def _place_plans(graph, arch, plans, fixed_groups, budget, bits) -> int:
    groups = {p.node.name: expand_blocks(p) for p in plans}
    groups.update({k: [b.copy() for b in v] for k, v in fixed_groups.items()})
    return place_own_tiles(graph, groups, arch, budget, bits)


def _trim_groups(graph, arch, plans, fixed_groups, budget: dict[str, int], bits, used: int, floor: float,
                 cache: dict) -> int:
    """Drop copy groups the placed mapping cannot use: when the estimated one-query period bound is set by
    something else (NoC, DRAM, a vector unit), an operator needs only ceil(occupancy / period) groups.  The
    trimmed placement is what the candidate's score then measures."""
    _sync_replicas(plans)  # the estimate reads each node's copy counts: price the copies placed
    period = _estimate(graph, arch, cache).period_cycles  # the one-query pass only (no stream)
    old = [p.groups for p in plans]
    for p in plans:
        busy = p.period_cycles(*plan_context(arch, p)) * p.groups
        p.groups = min(p.groups, max(1, ceil_div(int(busy), max(int(period), 1))))
    if [p.groups for p in plans] == old:
        return used
    used = _place_plans(graph, arch, plans, fixed_groups, budget, bits)
    _sync_replicas(plans)
    return used


def _sync_replicas(plans) -> None:
    for p in plans:
        p.node.replicas, p.node.copies_per_query = p.replicas, p.copies


def _estimate(graph, arch, cache: dict):
    """``compiler.cost.estimate`` of the graph as placed now, memoised on the placement (home tiles, copies,
    blocks): the estimate is a pure function of it."""
    from compiler.cost.estimate import estimate

    key = _signature(graph)
    if key not in cache:
        cache[key] = estimate(graph, arch, cache.get("pipeline", "layer"))
    return cache[key]


def _score(graph, arch, cache: dict) -> tuple[int, float, float]:
    """(estimated latency, cycles for OBJECTIVE_BATCH queries extrapolated from a SCORE_BATCH-query schedule,
    energy per inference pJ at that stream)."""
    est = _estimate(graph, arch, cache)
    return (est.latency_cycles, est.steady_makespan_cycles(OBJECTIVE_BATCH, SCORE_BATCH),
            est.energy_per_inference_pj(SCORE_BATCH))


def _dense(graph, arch, opts, plans, fixed, budget: int, floor: float, cap, batch: int) -> str:
    """Blocks along the mesh walk, packed when one copy needs more crossbars than the budget holds; returns the
    placement in words."""
    budgets = _budgets(arch, budget)
    capacity = {k: n * _per_tile(arch, k) for k, n in budgets.items()}
    fixed_xbars = {k: sum(len(n.blocks) for n in fixed if node_kind(n) == k) for k in budgets}
    base_of = {k: sum(len(p.base) for p in plans if node_kind(p.node) == k) + fixed_xbars[k] for k in budgets}
    items = [(n.name, b.copy(replica=0)) for n in fixed for b in n.blocks]
    if all(base_of[k] <= capacity[k] for k in budgets):
        spare = {k: capacity[k] - fixed_xbars[k] for k in budgets}
        balance(plans, arch, spare if arch.heterogeneous else next(iter(spare.values())), own_tiles=False,
                floor=floor, max_tiles_per_copy=cap, batch=batch)
        bins = [[it] for it in items] + [[(p.node.name, b)] for p in plans for b in expand_blocks(p)]
        placement = "dense along the mesh walk (too few tiles for one per operator)"
    else:
        items += [(p.node.name, b.copy(replica=0)) for p in plans for b in p.base]
        kind_of = {n.name: node_kind(n) for n in graph.nodes}
        bins = []
        for k in budgets:
            mine = [it for it in items if kind_of[it[0]] == k]
            bins += _pack_kind(arch, opts, k, mine, base_of[k], capacity[k], budget)
        placement = f"packed: {sum(base_of.values())} blocks in {len(bins)} crossbars"
    place_dense(graph, bins, arch)
    return placement


def _pack_kind(arch, opts, kind: str, items, base: int, capacity: int, budget: int) -> list:
    """Shelf-pack one kind's blocks into its crossbars; an error when even packed they exceed ``capacity``."""
    if not items:
        return []
    x = kind_view(arch, kind).pe.crossbar
    # no packing fits more cells than a crossbar has: refuse at once a model that cannot fit, before the
    # first-fit packing (quadratic in the blocks; a million-block model took minutes to be refused)
    at_least = ceil_div(sum(b.rows * b.physical_cols for _, b in items), x.rows * x.cols)
    if at_least > capacity:
        _too_small(arch, opts, base, at_least, budget, kind, capacity)
    bins = shelf_pack(items, x.rows, x.cols)
    if len(bins) > capacity:
        _too_small(arch, opts, base, len(bins), budget, kind, capacity)
    return bins


def _per_tile(arch, kind: str) -> int:
    view = kind_view(arch, kind)
    return view.tile.pes * view.pe.crossbars


def _budgets(arch, budget: int) -> dict[str, int]:
    """Tiles each kind may use within the first ``budget`` tiles (one kind: the budget itself)."""
    return tiles_by_kind(arch, budget)


def _check_policy_names(graph, opts) -> None:
    """A policy pattern that names no operator is a typo, not a no-op."""
    import fnmatch

    if opts.policy is None:
        return
    names = [x for n in graph.nodes for x in [n.name, *n.source_nodes]]
    for pattern, _ in opts.policy.operators:
        if not any(fnmatch.fnmatchcase(x, pattern) for x in names):
            example = next((n.name for n in graph.nodes if n.kind == "mvm"), names[0] if names else "")
            raise SpecError("--precision", f"operators: {pattern!r} matches no operator of {graph.meta.name} "
                                           f"(patterns match ONNX node names, e.g. {example!r})")


def _budget_tiles(arch, opts) -> int:
    if opts.area_budget_mm2 is None:
        return arch.chip.tiles
    tiles = tiles_within(arch, opts.area_budget_mm2)
    if tiles < 1:
        raise SpecError("--area-budget-mm2", f"{opts.area_budget_mm2:g} mm2 is too small for even one tile of "
                                             f"{arch.name}: fixed chip area {fixed_area_mm2(arch):.3f} mm2 (I/O link) "
                                             f"+ {tile_area_mm2(arch):.4f} mm2 per tile (estimate)")
    return tiles


def _too_small(arch, opts, blocks: int, bins: int, budget: int, kind: str, capacity: int) -> None:
    if arch.heterogeneous:
        per = _per_tile(arch, kind)
        refuse_short_kind(arch, kind, ceil_div(bins, per), capacity // per,
                          f"{blocks} weight blocks in {bins} crossbars even packed",
                          "--area-budget-mm2" if opts.area_budget_mm2 is not None else arch.name)
    per_tile = arch.tile.pes * arch.pe.crossbars
    need = ceil_div(bins, per_tile)
    where = "--area-budget-mm2" if opts.area_budget_mm2 is not None else arch.name
    # beyond the chip's tiles: the whole chip plus more tiles like its last one
    extra = max(0, need - arch.chip.tiles)
    area = chip_area_mm2(arch, min(need, arch.chip.tiles)) + extra * tile_area_mm2(arch, arch.chip.tiles - 1)
    raise SpecError(where, f"too small for one copy of the model: its {blocks} weight blocks need {bins} crossbars "
                           f"even packed ({need} tiles, about {area:.2f} mm2) but the budget "
                           f"holds {budget} tiles ({budget * per_tile} crossbars)")


def _unit_floor(graph, arch, cache: dict) -> float:
    """The busiest unit replication does not relieve (a buffer, bus, mesh link, the DRAM channel or the I/O
    link) in the placement as it is now (the baseline): crossbars replicated beyond it are idle.  Vector
    units are left to ``_floor`` (a product on one can be shared by several, ``vector_split``)."""
    busy = _estimate(graph, arch, cache).unit_busy
    return max((v for k, v in busy.items() if k[0] not in ("xbar", "xgroup", "vec")), default=0.0)


def _floor(graph, arch) -> float:
    """Per-query busy time of units replication cannot relieve: DRAM, chip input link, one vector op (a product
    of activations at its most shared, ``vector_split``)."""
    c = Costs.of(arch)
    kinds = [kind_costs(arch, k.name) for k in arch.tile_kinds]  # the op's tile is not known yet: the fastest
    dram = sum(c.embedding_access("dram", p.tables * p.lookups, p.tables * p.lookups * p.dim
                                  * n.precision.output_bits)[1]
               for n in graph.nodes if isinstance(p := n.params, EmbeddingShape) and (n.storage or "dram") == "dram")
    io = sum(c.io_cycles(graph.values[i].query_bits) for i in graph.inputs)
    vec = max([min(k.vector_cycles(n.vector_ops()) for k in kinds) for n in graph.nodes if n.kind == "vector"],
              default=0)
    products = max([ceil_div(min(product_cycles(k, n) for k in kinds), min(n.params.m, MAX_UNITS))
                    for n in graph.nodes if splittable(n)], default=0)  # products can share vector units
    return float(max(dram, io, vec, products))


def summary_lines(notes: CompileNotes) -> list[str]:
    """``pimcompile --report`` lines for the choices this pass made (empty for naive)."""
    score, choice = notes.chosen, notes.choice
    if score is None or choice is None:
        return []
    estimate = (f"latency {score.latency_cycles} cycles, {score.stream_cycles:.0f} cycles for {OBJECTIVE_BATCH} "
                f"queries, {score.energy_pj / 1e3:.4g} nJ per inference ({score.label})")
    lines = ["", f"optimized for {notes.objective}: {choice.placement}; {estimate}",
             f"  candidates (estimated latency, {OBJECTIVE_BATCH}-query stream, energy per inference):"]
    for s in notes.candidates:
        lines.append(f"    {s.label}: {s.latency_cycles} cycles, {s.stream_cycles:.0f} cycles, "
                     f"{s.energy_pj / 1e3:.4g} nJ")
    if choice.replicated:
        lines.append("  copies (per query x groups): " + ", ".join(
            f"{k} {c}x{g}" for k, (c, g) in choice.replicated.items()))
    if choice.spread:
        lines.append("  column spread: " + ", ".join(f"{k} x{v}" for k, v in choice.spread.items()))
    if choice.vector_split:
        lines.append("  products on several vector units: " + ", ".join(
            f"{k} tiles {v}" for k, v in choice.vector_split.items()))
    if notes.tile_kinds:
        lines.append("  tile kinds (chip.tile_kinds): " + ", ".join(f"{k} {v}" for k, v in notes.tile_kinds.items()))
    lines.append(f"  ADC resolution lowered (rows read at once) on {notes.adc_lowered_ops} operator(s)")
    lines += [f"  {name}: {how}" for name, how in notes.dynamic_implementation.items()]
    return lines
