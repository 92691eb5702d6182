"""Column spreading and the two kinds of replication of crossbar operators, under a crossbar budget.

Three moves per crossbar operator, priced with the shared crossbar law
(``pimsim.cost.crossbar``: per-slice interval ``max(read, conversions)``):

- spread: split each block's columns over ``s`` crossbars.  Conversions per
  slice (columns sharing an ADC) shrink by ``s``, so while conversions are
  slower than the read the operator's latency and per-query crossbar time
  fall.  Costs ``(s - 1) x blocks`` crossbars and DAC energy (every row is
  driven once per extra crossbar);
- vector-parallel copies: ``c`` copies of the weights share one query's ``m``
  input vectors (``ceil(m / c)`` each; PIMCOMP's weight replication for its
  low-latency element pipeline, reference 1.10), dividing the operator's
  latency and its per-query crossbar time.  Costs ``c - 1`` copies of
  crossbars; no energy per query (each vector is still read once);
- groups: ``g`` groups of copies serve alternate queries (query ``q`` uses
  group ``q mod g``, the simulator's rule), dividing the per-query crossbar
  time by ``g``; no latency gain, no energy per query.
An operator has ``replicas = c x g`` copies, ``copies_per_query = c``.

Greedy on ``J = L + (B - 1) x P`` (plus each operator's excess over the floor)
for a stream of ``B`` queries, with ``L`` the sum of the operators' block
times (a latency proxy: recommender MLPs are chains) and ``P`` the largest
per-query busy time of any unit (crossbar occupancy / groups; the NoC link
that carries the operands to all of a group's tiles, which spreading over
more tiles loads; or the floor set by vector units, DRAM and I/O): each step
takes the move with the largest drop of ``J`` per crossbar added, while the
crossbars (or whole tiles per operator) fit the budget.  ``B = 1`` optimises
one query's latency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from pimsim.cost.actions import Costs, ceil_div
from pimsim.cost.crossbar import block_slice_timing, input_slices
from pimsim.spec.arch import ArchSpec

from compiler.ir.graph import Node
from compiler.ir.records import Block, MvmShape
from compiler.passes.kind_views import kind_costs, node_kind

OBJECTIVE_BATCH = 64
"""Queries in the stream the greedy optimises for (the docs/mapping.md table uses the same)."""


@dataclass
class Plan:
    """Per-operator choice: base blocks (one copy, unsplit), spread factor, copies per query, groups."""

    node: Node
    base: list[Block]
    spread: int = 1
    copies: int = 1
    groups: int = 1
    allow_spread: bool = True
    allow_copies: bool = True
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def shape(self) -> MvmShape:
        """The operator's sizes: plans are made for ``mvm`` nodes only (``compiler.ir.verify`` checks the record)."""
        return cast(MvmShape, self.node.params)

    @property
    def m(self) -> int:
        return self.shape.m

    @property
    def replicas(self) -> int:
        return self.copies * self.groups

    @property
    def max_spread(self) -> int:
        if "max_spread" not in self.memo:
            self.memo["max_spread"] = max(b.cols for b in self.base)
        return self.memo["max_spread"]

    @property
    def crossbars(self) -> int:
        return self.replicas * self.copy_crossbars(self.spread)

    def copy_crossbars(self, spread: int) -> int:
        """Crossbars of one copy spread ``spread`` ways (memoised: the greedy asks for it per move)."""
        key = ("copy", spread)
        if key not in self.memo:
            self.memo[key] = sum(pieces(b.cols, spread) for b in self.base)
        return self.memo[key]

    def next_copies(self) -> int | None:
        """The fewest copies per query that give the slowest copy fewer vectors (None: one vector each)."""
        v = ceil_div(self.m, self.copies)
        return None if v <= 1 else ceil_div(self.m, v - 1)

    def block_cycles(self, costs: Costs, arch) -> int:
        """One query's time through the operator's slowest block (its latency term)."""
        return self._times(costs, arch)[0]

    def period_cycles(self, costs: Costs, arch) -> float:
        """Per-query busy time of this operator's busiest unit: a crossbar (its occupancy over the groups), or
        the NoC link next to its operand source (operands go to every tile of a group; partial sums come home)."""
        key = ("period", self.spread, self.copies, self.groups)
        if key not in self.memo:
            per_tile = arch.tile.pes * arch.pe.crossbars
            tiles = ceil_div(self.copies * self.copy_crossbars(self.spread), per_tile)
            remote = max(tiles - 1.0 / self.groups, 0.0)
            info, p, flit = self.shape, self.node.precision, arch.tile.router.flit_bits
            assert p is not None  # assigned by the precision pass, before placement
            in_flits = ceil_div(info.k * info.m * p.input_bits, flit)
            psum_flits = sum(b.cols for b in self.base) * info.m * p.output_bits / flit / max(tiles, 1)
            self.memo[key] = max(self._times(costs, arch)[1] / self.groups, remote * max(in_flits, psum_flits))
        return self.memo[key]

    def _times(self, costs: Costs, arch) -> tuple[int, int]:
        """(cycles until the slowest block's last result, its crossbar occupancy) for one query."""
        key = ("times", self.spread, self.copies)
        if key not in self.memo:
            p = self.node.precision
            assert p is not None  # assigned by the precision pass, before placement
            slices = ceil_div(self.m, self.copies) * input_slices(arch, p.input_bits)
            best = (0, 0)
            for b in self.base:
                cols = _width(b.cols, self.spread) * b.slice_count * b.sign_columns
                t = block_slice_timing(costs, arch, b.rows, cols, p.adc_bits)
                best = max(best, (t.cycles(slices), t.occupancy(slices)))
            self.memo[key] = best
        return self.memo[key]


def _width(cols: int, spread: int) -> int:
    return ceil_div(cols, min(spread, cols))


def pieces(cols: int, spread: int) -> int:
    """Crossbars a block of ``cols`` weight columns takes when spread ``spread`` ways."""
    return ceil_div(cols, _width(cols, spread))


def plan_context(arch, plan: Plan) -> tuple[Costs, ArchSpec]:
    """(costs, single-kind view) of the tile kind an operator's blocks go on (``compiler.passes.optimize.kinds``;
    ``Costs.of(arch)`` and ``arch`` on a chip of one kind)."""
    c = kind_costs(arch, node_kind(plan.node))
    return c, c.arch if arch.heterogeneous else arch


def _objective(plans, ctx, floor: float, batch: int) -> float:
    """``L + (B - 1) P`` plus each operator's excess over the floor, so that relieving one of several
    equally busy operators counts (otherwise no single move lowers ``P`` and the greedy stalls)."""
    lat, period, excess = 0.0, floor, 0.0
    for p in plans:
        lat += p.block_cycles(*ctx(p))
        own = p.period_cycles(*ctx(p))
        period = max(period, own)
        excess += max(own - floor, 0.0)
    return lat + (batch - 1) * period + excess


def moves(p: Plan) -> list[tuple[str, int]]:
    """(attribute, new value) of every move of one operator."""
    out = [("groups", p.groups + 1)]
    nxt = p.next_copies() if p.allow_copies else None
    if nxt is not None:
        out.append(("copies", nxt))
    if p.allow_spread and p.spread < p.max_spread:
        out.append(("spread", min(2 * p.spread, p.max_spread)))
    return out


def balance(plans: list[Plan], arch, capacity: int | dict[str, int], own_tiles: bool, floor: float,
            max_tiles_per_copy: int | None = None, batch: int = OBJECTIVE_BATCH) -> None:
    """Grow spreads, copies and groups greedily while they pay off and fit ``capacity`` (crossbars or tiles; per
    tile kind as ``{kind: capacity}`` with ``chip.tile_kinds``: an operator grows only on its kind's tiles, each
    priced with its kind's costs); ``max_tiles_per_copy`` caps the tiles one copy of an operator may span (its
    NoC fan-out).

    Each step prices every move incrementally: only the moved operator's terms of the objective and
    of the budget change, so a move costs O(1) instead of a pass over all operators."""
    caps = capacity if isinstance(capacity, dict) else {node_kind(p.node): capacity for p in plans}
    known: dict[str, tuple[Costs, ArchSpec]] = {}

    def ctx(p: Plan) -> tuple[Costs, ArchSpec]:
        k = node_kind(p.node)
        if k not in known:
            known[k] = plan_context(arch, p)
        return known[k]

    def per_tile(p: Plan) -> int:
        view = ctx(p)[1]
        return view.tile.pes * view.pe.crossbars

    def cost(p: Plan) -> int:
        return ceil_div(p.crossbars, per_tile(p)) if own_tiles else p.crossbars

    def spans_ok(p: Plan) -> bool:
        copy = ceil_div(p.copy_crossbars(p.spread), per_tile(p))
        return max_tiles_per_copy is None or copy <= max(max_tiles_per_copy, ceil_div(len(p.base), per_tile(p)))

    while True:
        best = _best_move(plans, ctx, floor, caps, cost, spans_ok, batch)
        if best is None:
            return
        setattr(best[1], best[2], best[3])


def _terms(p: Plan, ctx, floor: float) -> tuple[float, float, float]:
    """(block time, period, excess over the floor) of one operator: its share of ``_objective``."""
    own = p.period_cycles(*ctx(p))
    return p.block_cycles(*ctx(p)), own, max(own - floor, 0.0)


def _best_move(plans, ctx, floor: float, caps: dict[str, int], cost, spans_ok, batch: int):
    """(gain per crossbar, plan, attribute, value) of the best move, or None if none pays off and fits (in
    the capacity of the operator's tile kind)."""
    terms = [_terms(p, ctx, floor) for p in plans]
    j0 = _objective(plans, ctx, floor, batch)
    lat, excess = sum(t[0] for t in terms), sum(t[2] for t in terms)
    used: dict[str, int] = {}
    for p in plans:
        used[node_kind(p.node)] = used.get(node_kind(p.node), 0) + cost(p)
    order = sorted(range(len(plans)), key=lambda i: -terms[i][1])[:2]  # the two busiest operators
    top = [terms[i][1] for i in order] + [floor, floor]
    best = None
    for i, p in enumerate(plans):
        others = max(floor, top[1] if order and order[0] == i else top[0])
        c0, x0, k = cost(p), p.crossbars, node_kind(p.node)
        for attr, value in moves(p):
            old = getattr(p, attr)
            setattr(p, attr, value)
            fits, added = used[k] - c0 + cost(p) <= caps[k] and spans_ok(p), p.crossbars - x0
            b, own, ex = _terms(p, ctx, floor)
            setattr(p, attr, old)
            j = (lat - terms[i][0] + b) + (batch - 1) * max(others, own) + (excess - terms[i][2] + ex)
            gain = (j0 - j) / max(added, 1)
            if fits and j < j0 * (1 - 1e-9) and (best is None or gain > best[0]):
                best = (gain, p, attr, value)
    return best


def expand_blocks(plan: Plan) -> list[Block]:
    """The operator's blocks after spreading and replication (unplaced, with ``replica``: copy ``r`` belongs
    to group ``r // copies``)."""
    out = []
    for r in range(plan.replicas):
        for b in plan.base:
            width = _width(b.cols, plan.spread)
            for c0 in range(0, b.cols, width):
                out.append(b.copy(col_start=b.col_start + c0, cols=min(width, b.cols - c0), replica=r))
    return out
