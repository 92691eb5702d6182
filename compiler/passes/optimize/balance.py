"""Column spreading and replication of crossbar operators, to balance the pipeline under a crossbar budget.

Two moves per crossbar operator, both priced with ``compiler.cost.timing``:

- spread: split each block's columns over ``s`` crossbars.  One input slice
  costs ``read + conversions`` and the conversions (columns sharing an ADC)
  shrink by ``s``, so the operator's latency and per-query crossbar time fall
  (ISAAC's ADC is 128-way multiplexed: at 128 columns conversion takes as long
  as the read).  Costs ``(s - 1) x blocks`` crossbars and more DAC energy
  (every row is driven once per block);
- replicate: one more copy of the operator's weights; query ``q`` uses copy
  ``q mod r`` (the simulator's rule), dividing its per-query crossbar time by
  ``r``.  Costs one more set of crossbars and write-once energy; no latency gain.

Greedy on ``J = L + (B - 1) x P`` (plus each operator's excess over the floor) for a stream of ``B = OBJECTIVE_BATCH``
queries, with ``L`` the sum of the operators' block times (a latency proxy:
recommender MLPs are chains) and ``P`` the largest per-query busy time of any
unit (crossbar time / replicas; the NoC link that carries the operands to all
of an operator's tiles, which spreading over more tiles loads; or the floor
set by vector units, DRAM and I/O):
each step takes the move with the largest drop of ``J`` per crossbar added,
while the crossbars (or whole tiles per operator) fit the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.cost.timing import ArchTiming, ceil_div

OBJECTIVE_BATCH = 64
"""Queries in the stream the greedy optimises for (the docs/mapping.md table uses the same)."""


@dataclass
class Plan:
    """Per-operator choice: base blocks (one copy, unsplit), spread factor, replicas."""

    node: object
    base: list[dict]
    spread: int = 1
    replicas: int = 1
    allow_spread: bool = True

    @property
    def max_spread(self) -> int:
        if "max_spread" not in self._memo:
            self._memo["max_spread"] = max(b["cols"] for b in self.base)
        return self._memo["max_spread"]

    @property
    def crossbars(self) -> int:
        return self.replicas * self.copy_crossbars(self.spread)

    def __post_init__(self):
        self._memo: dict = {}

    def copy_crossbars(self, spread: int) -> int:
        """Crossbars of one copy spread ``spread`` ways (memoised: the greedy asks for it per move)."""
        key = ("copy", spread)
        if key not in self._memo:
            self._memo[key] = sum(pieces(b["cols"], spread) for b in self.base)
        return self._memo[key]

    def period_cycles(self, tm: ArchTiming) -> float:
        key = ("period", self.spread, self.replicas)
        if key not in self._memo:
            self._memo[key] = self._period(tm)
        return self._memo[key]

    def _period(self, tm: ArchTiming) -> float:
        """Per-query busy time of this operator's busiest unit: a crossbar, or the NoC link next to
        its operand source (operands go to every tile of the query's copy; partial sums come home)."""
        per_tile = tm.arch.tile.pes * tm.arch.pe.crossbars
        tiles = ceil_div(self.crossbars // self.replicas, per_tile)
        remote = max(tiles - 1.0 / self.replicas, 0.0)
        info, p, flit = self.node.shape_info, self.node.precision, tm.arch.tile.router.flit_bits
        in_flits = ceil_div(info["k"] * info["m"] * p["input_bits"], flit)
        psum_flits = sum(b["cols"] for b in self.base) * info["m"] * p["output_bits"] / flit / max(tiles, 1)
        return max(self.block_cycles(tm) / self.replicas, remote * max(in_flits, psum_flits))

    def block_cycles(self, tm: ArchTiming, spread: int | None = None) -> int:
        s = spread or self.spread
        if ("block", s) not in self._memo:
            self._memo["block", s] = self._block(tm, s)
        return self._memo["block", s]

    def _block(self, tm: ArchTiming, s: int) -> int:
        p, m = self.node.precision, self.node.shape_info["m"]
        cols = max(_width(b["cols"], s) * b["slice_count"] * b["sign_columns"] for b in self.base)
        return tm.block_cycles(m, p["input_bits"], cols, p.get("adc_bits"))


def _width(cols: int, spread: int) -> int:
    return ceil_div(cols, min(spread, cols))


def pieces(cols: int, spread: int) -> int:
    """Crossbars a block of ``cols`` weight columns takes when spread ``spread`` ways."""
    return ceil_div(cols, _width(cols, spread))


def _objective(plans, tm, floor: float) -> float:
    """``L + (B - 1) P`` plus each operator's excess over the floor, so that relieving one of several
    equally busy operators counts (otherwise no single move lowers ``P`` and the greedy stalls)."""
    lat, period, excess = 0.0, floor, 0.0
    for p in plans:
        lat += p.block_cycles(tm)
        own = p.period_cycles(tm)
        period = max(period, own)
        excess += max(own - floor, 0.0)
    return lat + (OBJECTIVE_BATCH - 1) * period + excess


def balance(plans: list[Plan], arch, capacity: int, own_tiles: bool, floor: float,
            max_tiles_per_copy: int | None = None) -> None:
    """Grow spreads and replicas greedily while they pay off and fit ``capacity`` (crossbars or tiles);
    ``max_tiles_per_copy`` caps the tiles one copy of an operator may span (its NoC fan-out).

    Each step prices every move incrementally: only the moved operator's terms of the objective and
    of the budget change, so a move costs O(1) instead of a pass over all operators."""
    tm = ArchTiming(arch)
    per_tile = arch.tile.pes * arch.pe.crossbars

    def cost(p: Plan) -> int:
        return ceil_div(p.crossbars, per_tile) if own_tiles else p.crossbars

    def spans_ok(p: Plan) -> bool:
        copy = ceil_div(p.copy_crossbars(p.spread), per_tile)
        return max_tiles_per_copy is None or copy <= max(max_tiles_per_copy, ceil_div(len(p.base), per_tile))

    while True:
        best = _best_move(plans, tm, floor, capacity, cost, spans_ok)
        if best is None:
            return
        setattr(best[1], best[2], best[3])


def _terms(p: Plan, tm: ArchTiming, floor: float) -> tuple[float, float, float]:
    """(block time, period, excess over the floor) of one operator: its share of ``_objective``."""
    own = p.period_cycles(tm)
    return p.block_cycles(tm), own, max(own - floor, 0.0)


def _best_move(plans, tm, floor: float, capacity: int, cost, spans_ok):
    """(gain per crossbar, plan, attribute, value) of the best move, or None if none pays off and fits."""
    terms = [_terms(p, tm, floor) for p in plans]
    j0 = _objective(plans, tm, floor)
    lat, excess = sum(t[0] for t in terms), sum(t[2] for t in terms)
    used = sum(cost(p) for p in plans)
    order = sorted(range(len(plans)), key=lambda i: -terms[i][1])[:2]  # the two busiest operators
    top = [terms[i][1] for i in order] + [floor, floor]
    best = None
    for i, p in enumerate(plans):
        others = max(floor, top[1] if order and order[0] == i else top[0])
        moves = [("replicas", p.replicas + 1)]
        if p.allow_spread and p.spread < p.max_spread:
            moves.append(("spread", min(2 * p.spread, p.max_spread)))
        c0, x0 = cost(p), p.crossbars
        for attr, value in moves:
            old = getattr(p, attr)
            setattr(p, attr, value)
            fits, added = used - c0 + cost(p) <= capacity and spans_ok(p), p.crossbars - x0
            b, own, ex = _terms(p, tm, floor)
            setattr(p, attr, old)
            j = (lat - terms[i][0] + b) + (OBJECTIVE_BATCH - 1) * max(others, own) + (excess - terms[i][2] + ex)
            gain = (j0 - j) / max(added, 1)
            if fits and j < j0 * (1 - 1e-9) and (best is None or gain > best[0]):
                best = (gain, p, attr, value)
    return best


def expand_blocks(plan: Plan) -> list[dict]:
    """The operator's blocks after spreading and replication (unplaced, with ``replica``)."""
    out = []
    for r in range(plan.replicas):
        for b in plan.base:
            width = _width(b["cols"], plan.spread)
            for c0 in range(0, b["cols"], width):
                out.append({**b, "col_start": b["col_start"] + c0, "cols": min(width, b["cols"] - c0), "replica": r})
    return out
