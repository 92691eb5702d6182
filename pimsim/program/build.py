"""Mapping -> engine program for a stream of ``batch`` queries, after checking the mapping fits.

Fit checks (beyond ``pimsim.spec.mapping.check_mapping``, which already
rejects blocks on missing tiles, PEs or crossbars, overlapping cells and
inconsistent copies): every view must be addressable (``pimsim.cost.views``)
and every value resident in a tile buffer (an operator's inputs where it
runs, its outputs at its home tile) must fit that buffer on its own.  Errors
name the operator and the tile.

Buffer credits (live ranges, ``pimsim.cost.buffers``): one query is lowered
and simulated alone; a credit reserves a value's space from the moment its
producer (an operator, or a graph input's I/O-link transfer) starts until the
last reader of the value finished, so that window in the one-query run is the
value's lifetime, the same for every tile it is resident on (home tile and
tiles it is sent to).  Each producer is gated by the fewest credits among the
values it writes.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from pimsim.cost.actions import Costs
from pimsim.cost.buffers import Resident, allocate_credits, mapping_fit_error, resident_sizes
from pimsim.cost.views import ViewError, resolve_views
from pimsim.program.lower import QueryLowering
from pimsim.program.resources import ResourceTable
from pimsim.program.stream import CreditGate, StreamProgram, replica_period, stream_tasks
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping
from pimsim.spec.units import bytes_to_bits


def view_parts(mapping: Mapping, source: str) -> dict:
    """The stored values every view addresses; a view that cannot be addressed is a SpecError naming it."""
    consts = {v.name for v in mapping.values if v.constant}
    try:
        return resolve_views(mapping.operators, {v.name: v.size_bits for v in mapping.values}, consts)
    except ViewError as exc:
        raise SpecError(source, str(exc)) from None


def copy_groups(mapping: Mapping) -> list[int]:
    """Per operator, its copy groups that serve alternate queries (query q uses group q mod groups; 1 without
    weight copies): the stream repeats with period ``lcm`` of them (``replica_period``)."""
    return [op.groups if op.kind == "mvm" else 1 for op in mapping.operators]


class Lowered:
    """The per-query lowerings of one mapping, built once and reused by every stream of it (one lowering per
    run: ``pimsim run --batch N`` simulates the query alone and then the stream, the CLI's estimate lowers one
    query first, ``--duration-ms`` runs a pilot stream; each reuses the templates of the ones before).

    ``lower(period)`` lowers replicas ``0..period-1`` on first use, in that order, into one resource table,
    so resource ids are those of a fresh lowering of the same period (replica ``k``'s lowering only adds the
    resources it uses first)."""

    def __init__(self, mapping: Mapping, costs: Costs, source: str):
        self.mapping, self.costs = mapping, costs
        self.parts = view_parts(mapping, source)
        self.table = ResourceTable()
        self.groups = copy_groups(mapping)
        self.lowerings: list[QueryLowering] = []
        self.resources: list[int] = []  # resources the first k + 1 lowerings use
        self.lower(1)
        self.residents = check_fit(mapping, self.lowerings[0], source)
        self.single_finish: np.ndarray | None = None  # the one-query run's finish cycles, once simulated

    def lower(self, period: int) -> list[QueryLowering]:
        for k in range(len(self.lowerings), period):
            lw = QueryLowering(self.mapping, self.costs, self.table, {oi: k % g for oi, g in enumerate(self.groups)},
                               self.parts)
            lw.build()
            self.lowerings.append(lw)
            self.resources.append(len(self.table.keys))
        return self.lowerings[:period]

    def table_of(self, period: int) -> ResourceTable:
        """The resource table of replicas ``0..period-1`` alone (what a fresh lowering of them would hold), a copy:
        lowering more replicas later does not change it."""
        n = self.resources[period - 1]
        t = self.table
        return ResourceTable({k: v for k, v in t.ids.items() if v < n}, t.keys[:n], t.capacity[:n])


LOWERED_CACHE = 4
"""Mappings whose lowerings are kept (the latest ones used): a sweep over many mappings holds this many."""
_LOWERED: OrderedDict[tuple[int, int], tuple] = OrderedDict()
"""(id(mapping), id(costs)) -> (mapping, costs, its :class:`Lowered`); mappings are frozen (pydantic
``frozen=True``), so a lowering stays valid for its mapping; the entry holds the mapping, so its id is not reused
while cached."""


def lowered(mapping: Mapping, costs: Costs, source: str = "mapping") -> Lowered:
    """The cached :class:`Lowered` of ``mapping`` under ``costs`` (built, and fit-checked, on first use)."""
    key = (id(mapping), id(costs))
    hit = _LOWERED.get(key)
    if hit is not None and hit[0] is mapping and hit[1] is costs:
        _LOWERED.move_to_end(key)
        return hit[2]
    lw = Lowered(mapping, costs, source)
    _LOWERED[key] = (mapping, costs, lw)
    while len(_LOWERED) > LOWERED_CACHE:
        _LOWERED.popitem(last=False)
    return lw


def lower_mapping(mapping: Mapping, costs: Costs, batch: int, source: str = "mapping",
                  single_finish=None) -> tuple[StreamProgram, ResourceTable]:
    """Lower ``mapping`` for ``batch`` queries; raises SpecError (naming operator and tile) if it does not fit.

    ``single_finish``: finish cycles of the one-query program (``batch=1``), if already simulated; the buffer
    credits of a stream come from it (simulated here, once per mapping, when not given).
    """
    lw = lowered(mapping, costs, source)
    period = replica_period(lw.groups, batch)
    lowerings = lw.lower(period)
    table = lw.table_of(period)
    gates: list[CreditGate] = []
    if batch > 1:
        if single_finish is None:
            if lw.single_finish is None:
                from pimsim.engine.kernel import simulate_stream

                one = simulate_stream(stream_tasks([lowerings[0].t], 1, lw.table_of(1).capacity).tasks, 1)
                lw.single_finish = one.kept(0)[1][:len(lowerings[0].t)]
            single_finish = lw.single_finish
        gates = credit_gates(mapping, lowerings, lw.residents, single_finish)
    return stream_tasks([x.t for x in lowerings], batch, table.capacity, gates), table


def buffer_bits(arch, tile: int) -> int:
    """Capacity of tile ``tile``'s buffer (its kind's ``tile.buffer``)."""
    return bytes_to_bits(arch.tile_arch(tile).tile.buffer.capacity_bytes)


def check_fit(mapping: Mapping, lw: QueryLowering, source: str) -> list[tuple[int, str, str, int]]:
    """Every buffer resident of one query as (tile, key, stored value, bits); rejects a value larger than a whole
    buffer by the compiler's own decision (``pimsim.cost.buffers.mapping_fit_error``)."""
    problem = mapping_fit_error(mapping)
    if problem is not None:
        raise SpecError(source, problem)
    sizes = resident_sizes(mapping)
    out = []
    for key, where in lw.avail.items():
        value = lw.key_value.get(key, key)
        shared = lw.avail[value] if value != key else {}
        for tile, task in where.items():
            if tile in shared and shared[tile] == task:
                continue  # a range inside its value's own storage: not a second resident
            bits = lw.key_bits.get(key, sizes.get(key, 0))
            out.append((tile, key, value, bits))
    return out


def credit_gates(mapping: Mapping, lowerings: list[QueryLowering], residents, finish) -> list[CreditGate]:
    """Credit gates of every producer from the one-query finish times (module docstring)."""
    tpl = lowerings[0].t
    producers = [(op.name, list(op.outputs), [lw.t.entry[oi] for lw in lowerings],
                  [_release(lw, op.outputs, lw.t.exit[oi]) for lw in lowerings])
                 for oi, op in enumerate(mapping.operators) if op.kind != "view"]
    producers += [(name, [name], [lw.t.io_in[name] for lw in lowerings],
                   [_release(lw, [name], lw.t.io_in[name]) for lw in lowerings]) for name in mapping.inputs]
    window = {}
    for _, values, entry, release in producers:
        start = int(finish[entry[0]]) - tpl.dur[entry[0]]
        for v in values:
            window[v] = max(max(int(finish[r]) for r in release[0]) - start, 1)
    items = [Resident(tile, key, bits, window[value]) for tile, key, value, bits in residents]
    credits = allocate_credits(items, lambda tile: buffer_bits(mapping.arch, tile))
    by_value: dict[str, int] = {}
    for (tile, key, value, _), item in zip(residents, items):
        k = credits[tile, key]
        by_value[value] = min(by_value.get(value, k), k)
    gates = []
    for name, values, entry, release in producers:
        written = [by_value[v] for v in values if v in by_value]
        if written:
            gates.append(CreditGate(name, min(written), tuple(entry), tuple(release)))
    return gates


def _release(lw: QueryLowering, values, fallback: int) -> tuple[int, ...]:
    tasks = [r for v in values for r in lw.t.readers.get(v, [])]
    return tuple(tasks) or (fallback,)
