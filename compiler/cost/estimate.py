"""The mapper's estimate of a placed mapping: one query's latency and energy, a stream's makespan, the busiest unit.

The simulator's task structure (``pimsim/program/lower.py``), priced by the
same functions (``pimsim.cost``), list-scheduled at operator granularity
instead of simulated task by task:

- graph inputs cross the chip I/O link into tile 0; values (view outputs part
  by part, ``pimsim.cost.views``) reach the tiles that read them over the NoC,
  cut-through on XY routes (each link held ``ceil(bits / flit)`` cycles, the
  head one hop behind per link);
- a crossbar operator, per (tile, row range) of the blocks of the copies its
  query uses: operand fetch from the buffer banks and a bus broadcast; per
  block the crossbar held ``slices x interval`` and the result ready
  ``pimsim.cost.crossbar.SliceTiming.cycles`` after its start (sample-and-hold
  overlap); partial sums home over the NoC and a vector-unit reduction;
- vector operators (buffer read, vector unit, buffer write), embedding lookups
  (DRAM delay then the channel for the transfer), copies (buffer read and
  write); views cost nothing;
- shared units: each crossbar (blocks of one operator copy that share a fetch,
  a duration and crossbars nobody else uses run in lock-step and are one unit),
  each ADC bank converting for several operators or copy groups (a user's run
  holds it ``pimsim.cost.crossbar.bank_hold_cycles``, ready when its blocks'
  fetches are done, as the simulator's ``adc_bank``),
  each tile's buffer banks, bus and vector unit, each mesh link, the DRAM
  channel or on-chip table memory, the I/O link in each direction.  A task
  takes the earliest gap on its unit at or after it is ready.

A stream of ``B`` queries is the same schedule with query ``q`` using copy
group ``q mod groups`` of each operator, operators taken in order of
readiness, and buffer credits by the simulator's live-range rule
(``pimsim.cost.buffers``, lifetimes from the one-query schedule): a producer
may start query ``q`` after the readers of its values finished query
``q - credits``.  Energy per query is the sum of the one-query tasks' energies
(the simulator's event energies for the same tasks) plus the chip's leakage
over the stream's time per query.  Still operator-granular: the tasks inside
one operator are placed back to back, not interleaved with other queries'.

Input is the compiler's IR after placement (``compiler.ir.graph.OpGraph``):
the nodes' typed records and placement fields.  A written mapping is read as
the same IR (``compiler.ir.from_mapping.graph_from_mapping``), so the
optimiser and the tests share one estimator.
"""

from __future__ import annotations

import bisect
import copy
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from pimsim.cost.actions import Costs, ceil_div
from pimsim.cost.area import chip_leakage_mw
from pimsim.cost.buffers import Resident, allocate_credits, resident_bits
from pimsim.cost.crossbar import (
    adc_bank, bank_hold_cycles, block_energy_pj, block_slice_timing, contended_banks, crossbars_on_banks,
    input_slices, vector_split,
)
from pimsim.cost.products import product_shares
from pimsim.cost.streams import RowStream, row_streams
from pimsim.cost.views import parts_of, resolve_views
from pimsim.spec.units import cycles_to_ns, energy_pj_from_power

from compiler.ir.graph import Node, OpGraph
from compiler.ir.records import CopyWork, EmbeddingShape, ProductShape

IO_TILE = 0


@dataclass(frozen=True)
class Estimate:
    """``latency_cycles``: one query alone.  ``period_cycles``/``bottleneck``: the busiest unit's per-query time
    (a lower bound on the stream's period).  ``dynamic_energy_pj``: one query's task energies.
    ``makespan_cycles(batch)``: the stream schedule (copy groups, shared units, buffer credits), computed on
    first request."""

    latency_cycles: int
    period_cycles: float
    bottleneck: str
    dynamic_energy_pj: float
    leakage_mw: float
    clock_mhz: float
    stream: Callable[[int], tuple[int, list[int]]] | None = field(default=None, compare=False, repr=False)
    unit_busy: dict = field(default_factory=dict, compare=False, repr=False)
    """Per-query busy cycles of every unit (per server, copy groups averaged): ``period_cycles`` is the max."""
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def makespan_cycles(self, batch: int) -> float:
        return self._run(batch)[0]

    def steady_makespan_cycles(self, batch: int, window: int) -> float:
        """``batch`` queries' makespan extrapolated from a ``window``-query schedule: its makespan plus
        ``batch - window`` times its late slope (the last half of its queries' completions), which is the
        steady state once the pipeline is full -- cheaper than scheduling ``batch`` queries."""
        makespan, ends = self._run(window)
        if batch <= window or window < 4:
            return makespan if batch == window else self.makespan_cycles(batch)
        half = window // 2
        slope = (ends[window - 1] - ends[window - 1 - half]) / half
        # a queue that is still growing at the window's end (a saturated unit) is caught by the busiest
        # unit's per-query time, which no stream can beat
        return max(makespan + (batch - window) * slope, self.latency_cycles + (batch - 1) * self.period_cycles)

    def _run(self, batch: int) -> tuple[float, list[int]]:
        if batch == 1 or self.stream is None:
            return self.latency_cycles + (batch - 1) * self.period_cycles, []
        if batch not in self._cache:
            self._cache[batch] = self.stream(batch)
        return self._cache[batch]

    def throughput_per_s(self, batch: int) -> float:
        return batch / self.makespan_cycles(batch) * self.clock_mhz * 1.0e6

    def energy_per_inference_pj(self, batch: int) -> float:
        """Dynamic energy plus the chip's leakage over the stream's time per query."""
        ns = cycles_to_ns(self.makespan_cycles(batch) / batch, self.clock_mhz)
        return self.dynamic_energy_pj + energy_pj_from_power(self.leakage_mw, ns)


class _Units:
    """Busy intervals of the units (k servers each), each interval tagged with the query that holds it.

    A task takes the earliest gap at or after its ready time on any server, so
    an operator later in schedule order but ready earlier is not queued behind
    a later-starting one (the simulator's units serve tasks as they become ready).
    """

    def __init__(self):
        self.busy: dict[tuple, list[list[tuple[int, int, int]]]] = {}
        self.total: dict[tuple, int] = defaultdict(int)
        self.log: list[tuple[tuple, list, tuple[int, int, int]]] = []  # placements since ``begin`` (for ``undo``)
        self.serial = 0  # the current attempt (``begin``): intervals carry it, so a node never waits on itself
        self.last: tuple[list, int] = ([], 0)  # (lane, start) of the last placement

    def run(self, key: tuple, ready: int, dur: int, servers: int = 1) -> int:
        """Place a ``dur``-cycle task ready at ``ready`` on ``key``; returns its finish."""
        lanes = self.busy.get(key)
        if lanes is None:
            lanes = self.busy[key] = [[] for _ in range(servers)]
        if len(lanes) == 1:  # the common case
            lane, start = lanes[0], _first_gap(lanes[0], ready, dur)
        else:
            start, i = min((_first_gap(ln, ready, dur), i) for i, ln in enumerate(lanes))
            lane = lanes[i]
        if dur > 0:
            item = (start, start + dur, self.serial)
            if not lane or lane[-1][0] < start:  # appending when the task goes last (time order)
                lane.append(item)
            else:
                bisect.insort(lane, item)
            self.total[key] += dur
            self.log.append((key, lane, item))
        self.last = (lane, start)
        return start + dur

    def held_by_others(self, lane: list, t0: int, t1: int) -> bool:
        """Whether a task placed by another attempt holds ``lane`` somewhere in [t0, t1)."""
        k = max(bisect.bisect_left(lane, (t0,)) - 1, 0)
        while k < len(lane) and lane[k][0] < t1:
            if lane[k][1] > t0 and lane[k][2] != self.serial:
                return True
            k += 1
        return False

    def begin(self) -> None:
        self.log.clear()
        self.serial += 1

    def undo(self) -> None:
        """Remove every placement since ``begin``."""
        for key, lane, item in reversed(self.log):
            lane.pop(bisect.bisect_left(lane, item))
            self.total[key] -= item[1] - item[0]
        self.log.clear()


class _Unbounded(_Units):
    """Units that never make a task wait (every task starts when ready): the dependence-only span the simulator
    takes as an operator's row span (``pimsim.program.lower._span_cycles`` ignores resource contention)."""

    def run(self, key: tuple, ready: int, dur: int, servers: int = 1) -> int:
        self.last = ([], ready)
        return ready + dur


def _first_gap(lane: list[tuple[int, int, int]], ready: int, dur: int) -> int:
    """Earliest start >= ready of a ``dur``-long gap in a sorted list of disjoint busy intervals."""
    if not lane or lane[-1][1] <= ready:
        return ready
    t = ready
    for k in range(max(bisect.bisect_left(lane, (ready,)) - 1, 0), len(lane)):
        a, b = lane[k][0], lane[k][1]
        if b <= t:
            continue
        if a >= t + dur:
            return t
        t = b
    return t


class Model:
    """A placed mapping as the estimator sees it: operators, value sizes, view parts, who reads what, and the
    per-node work derived from them (memoised per node name: copy groups' blocks, fetches, bank runs)."""

    def __init__(self, graph: OpGraph, arch, pipeline: str):
        self.graph, self.arch = graph, arch
        # placed nodes: home tiles, block tiles and precision are set (``compiler.ir.verify`` at stage ``place``),
        # which their types (optional until then) cannot say
        self.ops: list[Any] = [_placed(n) for n in graph.nodes]
        ops = self.ops
        self.bits = graph.query_bits()
        self.inputs, self.outputs = list(graph.inputs), list(graph.outputs)
        self.costs = Costs.of(arch)
        self.consts = graph.constants()
        streams = _row_streams(graph, ops, self.bits, pipeline)
        # value -> bits it holds in a buffer (a line buffer when streamed)
        self.resident = resident_bits(ops, self.bits, {n: v.bits or 32 for n, v in graph.values.items()},
                                      self.consts, self.outputs, streams)
        self.memo: dict[tuple, Any] = {}
        self.parts = resolve_views(ops, self.bits, self.consts)
        n_ops, n_in = len(ops), len(self.inputs)
        self.n_nodes = n_ops + n_in + len(self.outputs)
        producer = {v: i for i, op in enumerate(ops) if op.kind != "view" for v in op.outputs}
        producer.update({v: n_ops + j for j, v in enumerate(self.inputs)})
        self.stored_by = producer  # stored value -> producing node
        self.reads: list[list[str]] = [[] for _ in range(self.n_nodes)]
        for i, op in enumerate(ops):
            if op.kind != "view":
                self.reads[i] = [n for n in op.inputs if n not in self.consts]
        for o, name in enumerate(self.outputs):
            self.reads[n_ops + n_in + o] = [name]
        self.deps = [sorted({producer[p.value] for name in self.reads[x] for p in self.parts_of(name)})
                     for x in range(self.n_nodes)]
        self.dependents: list[list[int]] = [[] for _ in range(self.n_nodes)]
        self.readers: dict[int, list[int]] = defaultdict(list)  # producing node -> nodes reading its values
        for x, deps in enumerate(self.deps):
            for d in deps:
                self.dependents[d].append(x)
                self.readers[d].append(x)
        self.written = {x: [v for v in (ops[x].outputs if x < n_ops else [self.inputs[x - n_ops]])]
                        for x in range(n_ops + n_in) if x >= n_ops or ops[x].kind != "view"}
        self.rows = self._row_deps(streams)
        self.feeds_rows = {d for deps in self.rows.values() for d in deps}
        self._mark_shared_crossbars()

    def _row_deps(self, streams: dict[int, dict[str, RowStream]]) -> dict[int, dict[int, tuple]]:
        """Node -> {producing operator node it reads row by row -> (rows first, input rows, own rows)}: every
        read of that producer's values streamed (``pimsim.cost.streams``, as the simulator's lowering)."""
        out: dict[int, dict[int, tuple]] = {}
        for x, ins in streams.items():
            got: dict[int, tuple] = {}
            for name, st in ins.items():
                d = self.stored_by.get(st.stored)
                if d is None or d >= len(self.ops):
                    continue  # a graph input arrives whole
                others = [n for n in self.reads[x] if n not in ins and any(p.value == st.stored
                                                                            for p in self.parts_of(n))]
                if not others:
                    prev = got.get(d)
                    got[d] = max(prev, (st.first_rows, st.rows, st.out_rows)) if prev else (
                        st.first_rows, st.rows, st.out_rows)
            if got:
                out[x] = got
        return out

    def parts_of(self, name: str):
        return parts_of(self.parts, name, self.bits)

    def group_blocks(self, op: Node, group: int) -> list[tuple[Any, int]]:
        """(block, input vectors it reads per query) of the copies of crossbar operator ``op`` in copy group
        ``group`` (the simulator's ``QueryLowering.copy_blocks``); placed ``Block`` records, typed as ``ops``."""
        key = (op.name, "group", group)
        if key not in self.memo:
            per = op.copies_per_query if op.kind == "mvm" else 1
            first, vectors = group * per, vector_split(_shape(op).m, per)
            self.memo[key] = [(b, vectors[b.replica - first]) for b in op.blocks if first <= b.replica < first + per]
        return self.memo[key]

    def kind(self, x: int) -> str:
        n_ops, n_in = len(self.ops), len(self.inputs)
        return "op" if x < n_ops else "input" if x < n_ops + n_in else "output"

    def _mark_shared_crossbars(self) -> None:
        """Crossbars holding blocks of more than one operator or copy (packing, copies sharing a crossbar)."""
        owners: dict[tuple, set] = defaultdict(set)
        for op in self.ops:
            for b in op.blocks:
                owners[(b.tile, b.pe, b.crossbar)].add((op.name, b.replica))
        self.shared = {k for k, v in owners.items() if len(v) > 1}
        self.contended = contended_banks(self.arch, (
            ((op.name, b.replica // (op.copies_per_query if op.kind == "mvm" else 1)), b.tile, b.pe,
             b.crossbar) for op in self.ops for b in op.blocks))


class _Wait(Exception):
    """A node's first task must wait for unit ``key``: it queues there and is tried again at ``time`` or later."""

    def __init__(self, key: tuple, time: int):
        self.key, self.time = key, time


class _Schedule:
    """One run of the list scheduler over ``batch`` queries (module docstring)."""

    def __init__(self, model: Model, batch: int, credits: dict[int, int] | None, record: bool):
        self.m, self.c, self.arch = model, model.costs, model.arch
        self.units = _Units()
        self.batch, self.credits, self.record = batch, credits or {}, record
        self.energy_pj = 0.0
        self.avail: list[dict[str, dict[int, int]]] = [dict() for _ in range(batch)]  # part key -> tile -> when
        self.key_value: dict[str, str] = {}
        self.start: dict[int, int] = {}  # (query 0) node -> start of its producer task
        self.row_span: dict[tuple[int, int], int] = {}  # (query, node) -> cycles over which it writes its rows
        self.began_at: dict[tuple[int, int], int] = {}  # (query, node) -> its entry
        self.own_span = 0  # the node just placed: its entry to its last task's end, before any row tail
        self.added: list[tuple[dict, Any]] = []  # entries set by the attempt in progress (undone if it waits)
        self.now, self.began, self.rank = 0, 0, (0, 0, 0)
        self.queues: dict[tuple, list] = {}  # unit -> heap of (query, ready, node) waiting for it

    def attempt(self, q: int, x: int, ready: int, now: int) -> int | _Wait:
        """Place node ``x`` of query ``q``, ready at ``ready``, at time ``now``: its finish, or a :class:`_Wait`
        when one of its first tasks cannot start now -- the unit is held past ``now`` by another node, or
        an older node queues for it -- and then nothing is placed."""
        self.units.begin()
        self.now, self.added, energy, self.rank = now, [], self.energy_pj, (q, ready, x)
        try:
            t = self.run_node(q, x, ready)
        except _Wait as wait:
            self.units.undo()
            for d, k in reversed(self.added):
                del d[k]
            self.energy_pj = energy
            return wait
        if q == 0 and self.m.kind(x) != "output":
            self.start.setdefault(x, self.began)
        if x in self.m.feeds_rows or x in self.m.rows:
            self.began_at[q, x] = self.began
            self.row_span[q, x] = max([self.own_span] + [self.row_span[q, d] for d in self.m.rows.get(x, ())])
        return t

    def first(self, key: tuple, ready: int, dur: int, servers: int = 1) -> int:
        """``units.run`` for a task that starts an operator's (or message's) work: if it has to wait past both
        its ready time and ``now`` behind another node's task, the node is retried when the unit is free
        (``attempt``), after the nodes that become ready meanwhile: the simulator queues it, and serves the
        oldest query first."""
        queue = self.queues.get(key)
        if queue and queue[0] < self.rank:  # an older node waits for this unit: it goes first
            raise _Wait(key, max(ready, self.now))
        end = self.units.run(key, ready, dur, servers)
        lane, start = self.units.last
        t0 = max(ready, self.now)
        if start > t0 and self.units.held_by_others(lane, t0, start):
            raise _Wait(key, start)
        return end

    def _set(self, d: dict, k, v) -> None:
        if k not in d:
            self.added.append((d, k))
        d[k] = v

    # -- data movement -------------------------------------------------------------------------------------
    def deliver(self, q: int, name: str, tile: int) -> int:
        """When every part of ``name`` is in ``tile``'s buffer: missing parts come from the tile they were
        written to, one message per source tile (as the simulator)."""
        avail, t = self.avail[q], 0
        missing: dict[int, list] = {}  # source tile -> parts to send
        for p in self.m.parts_of(name):
            where = avail.get(p.key)
            if where is None:  # a range: addressable wherever its value was written, from the same moment
                where = dict(avail[p.value])
                self._set(avail, p.key, where)
                self.key_value[p.key] = p.value
            if tile in where:
                t = max(t, where[tile])
            else:
                missing.setdefault(next(iter(where)), []).append(p)
        for src, parts in missing.items():
            ready = max(avail[p.key][src] for p in parts)
            arrived = self.transfer(src, tile, sum(p.bits for p in parts), ready)
            for p in parts:
                self._set(avail[p.key], tile, arrived)
            t = max(t, arrived)
        return t

    def transfer(self, src: int, dst: int, bits: int, ready: int) -> int:
        """Cut-through message: each link held ceil(bits / flit) cycles, the head one hop behind per link."""
        links = self.arch.xy_route(src, dst)
        if not links:
            return ready
        flits, hop = ceil_div(bits, self.arch.tile.router.flit_bits), self.c.hop_cycles
        if self.record:
            self.energy_pj += len(links) * self.c.hop_pj(flits) + self.c.at(dst).buffer_write_pj(bits)
        t = self.first(("noc",) + links[0], ready, flits) - flits
        for link in links[1:]:
            t = self.first(("noc",) + link, t + hop, flits) - flits
        return t + flits + hop

    def buf(self, tile: int, ready: int, bits: int, write: bool, first: bool = False) -> int:
        c = self.c.at(tile)  # the tile's kind's buffer (chip.tile_kinds)
        if self.record:
            self.energy_pj += c.buffer_write_pj(bits) if write else c.buffer_read_pj(bits)
        return self.first(("buf", tile), ready, c.buffer_cycles(bits), c.arch.tile.buffer.banks)

    def vec(self, tile: int, ready: int, ops: dict[str, int]) -> int:
        ops = {k: v for k, v in ops.items() if v > 0}
        c = self.c.at(tile)
        if self.record:
            self.energy_pj += c.vector_pj(ops)
        return self.first(("vec", tile), ready, c.vector_cycles(ops))

    # -- nodes ---------------------------------------------------------------------------------------------
    def run_node(self, q: int, x: int, ready: int) -> int:
        kind = self.m.kind(x)
        if kind == "input":
            name = self.m.inputs[x - len(self.m.ops)]
            bits = self.m.bits[name]
            if self.record:
                self.energy_pj += self.c.io_pj(bits)
            dur = self.c.io_cycles(bits)
            end = self.first(("io", "in"), ready, dur)
            self._set(self.avail[q], name, {IO_TILE: end})
            self.began = end - dur
            return end
        if kind == "output":
            name = self.m.outputs[x - len(self.m.ops) - len(self.m.inputs)]
            bits = sum(p.bits for p in self.m.parts_of(name))
            if self.record:
                self.energy_pj += self.c.io_pj(bits)
            return self.first(("io", "out"), max(ready, self.deliver(q, name, IO_TILE)), self.c.io_cycles(bits))
        op = self.m.ops[x]
        group = q % op.groups
        tiles = (sorted({b.tile for b, _ in self.m.group_blocks(op, group)}) if op.on_crossbars
                 else [op.tile] + list(op.vector_tiles))
        rows = self.m.rows.get(x, {})
        streamed = {n for n in self.m.reads[x] if any(self.m.stored_by.get(p.value) in rows
                                                      for p in self.m.parts_of(n))}
        entry = max([ready] + [self.deliver(q, n, t) for n in self.m.reads[x] if n not in streamed for t in tiles])
        self.began = entry
        done = self._operator(op, group, entry)
        if x in self.m.feeds_rows or rows:
            self.own_span = self._unloaded_cycles(op, group)
        if rows:  # the last output row waits for the last input row (pimsim.program.lower)
            tail = ceil_div(self.own_span, next(iter(rows.values()))[2])
            done = max([done] + [self.deliver(q, n, t) + tail for n in streamed for t in tiles])
        for name in op.outputs:
            self._set(self.avail[q], name, {op.tile: done})
        return done

    def _operator(self, op, group: int, entry: int) -> int:
        h = op.tile
        c = self.c.at(h)
        p = op.params
        if isinstance(p, CopyWork):
            bits = self.m.graph.copy_bits(op, p)
            if self.record:
                self.energy_pj += c.buffer_read_pj(bits) + c.buffer_write_pj(bits)
            return self.first(("buf", h), entry, 2 * c.buffer_cycles(bits), c.arch.tile.buffer.banks)
        if op.on_crossbars:
            t = self._crossbar(op, group, entry)
        elif isinstance(p, EmbeddingShape):
            rows, storage = p.tables * p.lookups, op.storage or "dram"
            bits = rows * p.dim * op.precision.output_bits
            if self.record:
                self.energy_pj += c.embedding_pj(storage, rows, bits)
            delay, hold = c.embedding_access(storage, rows, bits)
            key = ("emb", h) if storage == "onchip" else ("emb", "dram")
            t = self.first(key, entry + delay, hold)
            adds = p.tables * (p.lookups - 1) * p.dim
            if adds > 0:
                t = self.vec(h, t, {"add": adds})
        elif op.vector_tiles:
            return self._product(op, entry)
        else:
            in_bits = sum(p.reads for n in op.inputs if n not in self.m.consts for p in self.m.parts_of(n))
            t = self.vec(h, self.buf(h, entry, in_bits, False, first=True), op.vector_ops())
        return self.buf(h, t, sum(self.m.bits[n] for n in op.outputs), True)

    def _unloaded_cycles(self, op, group: int) -> int:
        """The operator's span on units that never make it wait, as the simulator's row span
        (``pimsim.program.lower``: dependences only), so a Relu waiting for the buffer banks its convolution
        holds does not slow the rows it passes on.  Placed on scratch units, nothing recorded."""
        saved = (self.units, self.queues, self.now, self.record, self.energy_pj)
        self.units, self.queues, self.now, self.record = _Unbounded(), {}, 0, False
        try:
            return self._operator(op, group, 0)
        finally:
            self.units, self.queues, self.now, self.record, self.energy_pj = saved

    def _product(self, op, entry: int) -> int:
        """A product of activations shared by several vector units (``pimsim.cost.products``)."""
        acts = [n for n in op.inputs if n not in self.m.consts]
        bits = [sum(p.reads for p in self.m.parts_of(n)) for n in acts]
        done = 0
        p = _shape(op)
        for sh in product_shares(p.count, p.m, p.k, p.n, [op.tile] + list(op.vector_tiles), bits[0],
                                 sum(bits[1:]), sum(self.m.bits[n] for n in op.outputs)):
            t = self.vec(sh.tile, self.buf(sh.tile, entry, sh.read_bits, False, first=True), sh.ops)
            t = (self.buf(op.tile, t, sh.out_bits, True) if sh.tile == op.tile
                 else self.transfer(sh.tile, op.tile, sh.out_bits, t))
            done = max(done, t)
        return done

    def _crossbar(self, op, group: int, entry: int) -> int:
        finals: dict[int, int] = defaultdict(int)
        psum: dict[int, int] = defaultdict(int)
        fetched: list[int] = []
        for g in _fetch_groups(self.m, op, group):
            t = self.buf(g["tile"], entry, g["bits"], False, first=True)
            c = self.c.at(g["tile"])
            if self.record:
                self.energy_pj += c.bus_pj(g["bits"])
            t = self.first(("bus", g["tile"]), t, c.bus_cycles(g["bits"]))
            fetched.append(t)
            for u in g["units"]:
                ready = t
                if u["write_cycles"]:
                    ready = self.first(u["unit"], ready, u["write_cycles"])
                start = self.first(u["unit"], ready, u["occupancy"]) - u["occupancy"]
                finals[g["tile"]] = max(finals[g["tile"]], start + u["cycles"])
                if self.record:
                    self.energy_pj += u["energy_pj"]
            psum[g["tile"]] += g["psum_bits"]
        for u in _bank_units(self.m, op, group):  # contended ADC banks: held whole by each user's run
            ready = max(fetched[i] for i in u["fetches"]) + u["write_cycles"]
            start = self.first(u["unit"], ready, u["occupancy"]) - u["occupancy"]
            finals[u["tile"]] = max(finals[u["tile"]], start + u["cycles"])
            if self.record:
                self.energy_pj += u["energy_pj"]
        done = max([t if tile == op.tile else self.transfer(tile, op.tile, psum[tile], t)
                    for tile, t in sorted(finals.items())], default=entry)
        p = _shape(op)
        adds = sum(b.cols * v for b, v in self.m.group_blocks(op, group)) - p.n * p.m * p.count
        return self.vec(op.tile, done, {"add": adds}) if adds > 0 else done


def _fetch_groups(model: Model, op, group: int) -> list[dict]:
    """The operator's crossbar work for one query of copy group ``group``, memoised on the model: per (tile, row
    range) one fetch of every copy's vectors, and the blocks as units.  Blocks that share the fetch and a
    duration and sit on crossbars no other block uses run in lock-step, so they are one unit here (exact for
    the schedule, and far fewer units for spread and copied operators)."""
    key = (op.name, "fetch", group)
    if key in model.memo:
        return model.memo[key]
    p = op.precision
    write = op.kind == "dynamic_mvm"
    groups: dict[tuple, dict] = {}
    pairs = model.group_blocks(op, group)
    banks = crossbars_on_banks(model.arch, [(b.tile, b.pe, b.crossbar) for b, _ in pairs])
    on_contended: dict[tuple[int, int, int], list] = {}
    for b, vectors in pairs:
        c = model.costs.at(b.tile)  # the block's tile kind: its crossbar, DAC, ADC (chip.tile_kinds)
        arch = c.arch
        per_slice = input_slices(arch, p.input_bits)
        fetch = (b.tile, b.row_start, b.rows)
        g_key = fetch if not write else (fetch, len(groups))
        g = groups.setdefault(g_key, {"tile": b.tile, "copies": {}, "units": {}, "psum_bits": 0, "bits": 0})
        g["copies"][b.replica] = vectors
        if write:
            g["bits"] = b.rows * p.input_bits * vectors + b.rows * b.cols * (p.weight_bits or p.input_bits)
        cols = b.cols * b.slice_count * b.sign_columns
        slices = vectors * per_slice
        on_bank = banks[b.tile, b.pe, adc_bank(arch, b.crossbar)]
        timing = block_slice_timing(c, arch, b.rows, cols, p.adc_bits, on_bank)
        xb = (b.tile, b.pe, b.crossbar)
        energy = sum(block_energy_pj(c, arch, b.rows, cols, slices, p.adc_bits).values())
        if write:  # programming the rows first (pimsim/program/crossbar.py lower_block)
            energy += b.rows * c.write_row_pj * cols / arch.pe.crossbar.cols
        g["psum_bits"] += b.cols * vectors * p.output_bits
        bank = (b.tile, b.pe, adc_bank(arch, b.crossbar))
        if bank in model.contended:  # placed per bank by _bank_units
            on_contended.setdefault(bank, []).append((list(groups).index(g_key), b, timing, slices, energy,
                                                      b.rows * c.write_row_cycles if write else 0))
            continue
        lockstep = not write and xb not in model.shared
        ukey = ("lockstep", slices, timing) if lockstep else ("own", xb, len(g["units"]))
        u = g["units"].setdefault(ukey, {"unit": ("xgroup", op.name, group, fetch) + ukey[1:] if lockstep
                                         else ("xbar",) + xb, "occupancy": timing.occupancy(slices),
                                         "cycles": timing.cycles(slices), "energy_pj": 0.0,
                                         "write_cycles": b.rows * c.write_row_cycles if write else 0})
        u["energy_pj"] += energy
    out = []
    for fetch, g in groups.items():
        rows = (fetch[0] if write else fetch)[2]
        if not write:
            g["bits"] = rows * p.input_bits * sum(g["copies"].values())
        out.append({"tile": g["tile"], "bits": g["bits"], "units": list(g["units"].values()),
                    "psum_bits": g["psum_bits"]})
    model.memo[key] = out
    model.memo[(op.name, "banks", group)] = [_bank_unit(bank, members) for bank, members in on_contended.items()]
    return out


def _bank_units(model: Model, op, group: int) -> list[dict]:
    """The operator's runs on contended ADC banks for copy group ``group`` (computed with ``_fetch_groups``)."""
    _fetch_groups(model, op, group)
    return model.memo[(op.name, "banks", group)]


def _bank_unit(bank: tuple[int, int, int], members: list) -> dict:
    """One user's run on a contended bank, as the simulator lowers it (``pimsim.program.crossbar``): ready when
    the fetches of its blocks are done (and their rows written, in parallel on their crossbars), it holds the
    bank ``bank_hold_cycles``; a block's result is ready its ``cycles`` after its crossbar starts, blocks on one
    crossbar back to back."""
    before: dict[int, int] = {}
    cycles = 0
    for _, b, timing, slices, _, _ in members:
        x = b.crossbar
        cycles = max(cycles, before.get(x, 0) + timing.cycles(slices))
        before[x] = before.get(x, 0) + timing.occupancy(slices)
    return {"unit": ("bank",) + bank, "tile": bank[0], "fetches": sorted({m[0] for m in members}),
            "occupancy": bank_hold_cycles((m[1].crossbar, m[2].occupancy(m[3])) for m in members),
            "cycles": cycles, "energy_pj": sum(m[4] for m in members),
            "write_cycles": max(m[5] for m in members)}


def _simulate(model: Model, batch: int, credits: dict[int, int] | None, record: bool) -> tuple[int, _Schedule, dict]:
    """List-schedule ``batch`` queries; returns (makespan, the schedule, finish per (query, node))."""
    s = _Schedule(model, batch, credits, record)
    n = model.n_nodes
    finish: dict[tuple[int, int], int] = {}
    waiting: dict[tuple[int, int], int] = {}
    ready_at: dict[tuple[int, int], int] = defaultdict(int)
    left: dict[tuple[int, int], int] = {}
    heap: list[tuple[int, int, int, int]] = []
    gated = {x: k for x, k in s.credits.items() if k < batch}

    def arm(q: int, x: int, t: int) -> None:
        ready_at[q, x] = max(ready_at[q, x], t)
        waiting[q, x] -= 1
        if waiting[q, x] == 0:
            heapq.heappush(heap, (ready_at[q, x], q, ready_at[q, x], x))

    for q in range(batch):
        for x in range(n):
            if x < len(model.ops) and model.ops[x].kind == "view":
                continue
            waiting[q, x] = len(model.deps[x]) + (1 if x in gated and q >= gated[x] else 0) + 1
            arm(q, x, 0)
    end = 0
    wake_ids: dict[tuple, int] = {}
    wake_keys: list[tuple] = []
    pending: dict[tuple, int] = {}  # unit -> time of its scheduled wake (every unit with waiters has one)
    wake = batch  # a wake sorts after every node ready at the same time

    def schedule_wake(key: tuple, t: int) -> None:
        if key not in wake_ids:
            wake_ids[key] = len(wake_keys)
            wake_keys.append(key)
        if pending.get(key, t + 1) > t:
            pending[key] = t
            heapq.heappush(heap, (t, wake, 0, wake_ids[key]))

    while heap:
        now, q, arrived, x = heapq.heappop(heap)
        woken = None
        if q == wake:  # a unit's wake: its best waiter tries again
            woken = wake_keys[x]
            if pending.get(woken) != now:
                continue  # superseded by an earlier wake
            del pending[woken]
            q, arrived, x = heapq.heappop(s.queues[woken])
        got = s.attempt(q, x, arrived, now)
        if isinstance(got, _Wait):  # queues at the unit; tried again when it may be free
            heapq.heappush(s.queues.setdefault(got.key, []), (q, arrived, x))
            schedule_wake(got.key, got.time)
        if woken is not None and s.queues[woken] and woken not in pending:
            schedule_wake(woken, now)  # the next waiter tries at once (and learns when the unit is free)
        if isinstance(got, _Wait):
            continue
        t = got
        finish[q, x] = t
        end = max(end, t)
        for y in model.dependents[x]:
            rows = model.rows.get(y, {}).get(x)
            if rows is None:
                arm(q, y, t)
            else:  # y starts once the rows it needs first exist (pimsim.program.lower, row pipelining)
                arm(q, y, s.began_at[q, x] + ceil_div(s.row_span[q, x] * rows[0], rows[1]))
        for d in model.deps[x]:
            left[q, d] = left.get((q, d), len(model.readers[d])) - 1
            if left[q, d] == 0:
                _release(model, gated, q, d, max(finish[q, r] for r in model.readers[d]), arm, batch)
        if not model.readers.get(x) and x in model.written:
            _release(model, gated, q, x, t, arm, batch)
    return end, s, finish


def _release(model, gated, q: int, x: int, t: int, arm, batch: int) -> None:
    """Query ``q``'s hold on ``x``'s values ended at ``t``: its credit returns to query ``q + credits``."""
    k = gated.get(x)
    if k is not None and q + k < batch:
        arm(q + k, x, t)


def estimate(graph: OpGraph, arch, pipeline: str = "layer") -> Estimate:
    """Latency, energy and stream estimate of the placed IR ``graph`` compiled with ``pipeline`` (module
    docstring): under ``element`` operators read the row streams ``pimsim.cost.streams`` finds and values
    hold their resident bits (line buffers); under ``layer`` every input waits whole.  The nodes are read as
    placed now: the stream schedule, computed on request, does not see later changes to them."""
    model = Model(graph, arch, pipeline)
    latency, one, finish = _simulate(model, 1, None, record=True)
    credits = _credits(model, one, finish)
    busy = _busy_per_query(model, one)
    key = max(busy, key=lambda k: busy[k]) if busy else ("none",)
    return Estimate(latency, float(busy.get(key, 0.0)), "/".join(str(k) for k in key), one.energy_pj,
                    chip_leakage_mw(arch), arch.clock_mhz,
                    stream=lambda b: _stream(model, b, credits), unit_busy=busy)


def _stream(model: Model, batch: int, credits) -> tuple[int, list[int]]:
    """(makespan, each query's completion in query order) of ``batch`` queries."""
    end, _, finish = _simulate(model, batch, credits, record=False)
    ends = [0] * batch
    for (q, _), t in finish.items():
        ends[q] = max(ends[q], t)
    return end, sorted(ends)


def _credits(model: Model, one: _Schedule, finish) -> dict[int, int]:
    """Credits per producing node by the simulator's live-range rule (``pimsim/program/build.py``)."""
    window = {}
    for x, values in model.written.items():
        readers = model.readers.get(x)
        end = max(finish[0, r] for r in readers) if readers else finish[0, x]
        for v in values:
            window[v] = max(end - one.start.get(x, 0), 1)
    items, owner = [], []
    for key, where in one.avail[0].items():
        value = one.key_value.get(key, key)
        if value not in window:
            continue
        shared = one.avail[0][value] if value != key else {}
        bits = model.resident.get(key, model.bits[key]) if key == value else next(p.bits for p in model.parts[key])
        for tile, t in where.items():
            if shared.get(tile) == t and key != value:
                continue
            items.append(Resident(tile, key, bits, window[value]))
            owner.append(model.stored_by[value])
    got = allocate_credits(items, lambda tile: model.costs.at(tile).arch.tile.buffer.capacity_bytes * 8)
    credits: dict[int, int] = {}
    for item, x in zip(items, owner):
        k = got[item.tile, item.key]
        credits[x] = min(credits.get(x, k), k)
    return credits


def _busy_per_query(model: Model, one: _Schedule) -> dict[tuple, float]:
    """Per-query busy cycles of each unit in steady state: a copy group's crossbars serve every
    ``groups``-th query; the other units are busy as in the one-query schedule."""
    groups = {op.name: op.groups for op in model.ops}
    out = {}
    for key, total in one.units.total.items():
        share = groups.get(key[1], 1) if key[0] == "xgroup" else 1
        servers = model.costs.at(key[1]).arch.tile.buffer.banks if key[0] == "buf" else 1
        out[key] = total / share / servers
    for op in model.ops:  # crossbars of groups query 0 did not use carry the same load
        if op.groups > 1 and op.on_crossbars:
            for b, _ in model.group_blocks(op, 0):
                k = ("xbar", b.tile, b.pe, b.crossbar)
                if k in out:
                    out[k] = out[k] / op.groups
    for key in [k for k in out if k[0] == "noc"]:  # query 0's links; the groups' average replaces them
        del out[key]
    out.update(_noc_load_per_query(model))
    return out


def _noc_load_per_query(model: Model) -> dict[tuple, float]:
    """Cycles each mesh link is held per query, averaged over the copy groups: each value part sent once to
    each tile that reads it (in the fraction of queries whose group reads it there), partial sums and shared
    products' rows sent home, graph outputs sent to the I/O tile."""
    arch, flit = model.arch, model.arch.tile.router.flit_bits
    home = {v: (IO_TILE if x >= len(model.ops) else model.ops[x].tile) for v, x in model.stored_by.items()}
    load: dict[tuple, float] = defaultdict(float)
    wanted: dict[tuple, float] = defaultdict(float)  # (part key, source, destination, bits) -> query share

    def send(src: int, dst: int, bits: int, weight: float) -> None:
        for link in arch.xy_route(src, dst):
            load[("noc",) + link] += weight * ceil_div(bits, flit)

    def receive(names, tiles, weight: float) -> None:
        for tile in tiles:
            for name in names:
                for p in model.parts_of(name):
                    if home[p.value] != tile:
                        wanted[p.key, home[p.value], tile, p.bits] += weight

    for x, op in enumerate(model.ops):
        if op.kind == "view":
            continue
        for g in range(op.groups):
            pairs = model.group_blocks(op, g) if op.on_crossbars else []
            tiles = sorted({b.tile for b, _ in pairs}) or [op.tile] + list(op.vector_tiles)
            receive(model.reads[x], tiles, 1.0 / op.groups)
            psum: dict[int, int] = defaultdict(int)
            for b, v in pairs:
                psum[b.tile] += b.cols * v * op.precision.output_bits
            for t, bits in psum.items():
                if t != op.tile:
                    send(t, op.tile, bits, 1.0 / op.groups)
        if op.vector_tiles:
            out_bits = sum(model.bits[n] for n in op.outputs)
            m = _shape(op).m
            for sh_tile, rows in zip([op.tile] + list(op.vector_tiles), vector_split(m, 1 + len(op.vector_tiles))):
                if sh_tile != op.tile:
                    send(sh_tile, op.tile, ceil_div(out_bits * rows, m), 1.0)
    receive(model.outputs, [IO_TILE], 1.0)
    for (_, src, dst, bits), share in wanted.items():
        send(src, dst, bits, min(share, 1.0))
    return dict(load)


def _placed(node: Node) -> Node:
    """A copy of ``node`` as placed now (its blocks and vector units listed anew: the optimiser moves nodes after
    estimating them) without the unnamed optional inputs and outputs, which no task reads or writes."""
    out = copy.copy(node)
    out.inputs, out.outputs = [n for n in node.inputs if n], [n for n in node.outputs if n]
    out.blocks, out.vector_tiles = list(node.blocks), list(node.vector_tiles)
    return out


def _shape(op: Node) -> ProductShape:
    """A crossbar operator's or product's sizes, an ``mvm``'s (``MvmShape``) as one product (``count`` 1)."""
    p = op.params
    if isinstance(p, ProductShape):
        return p
    return ProductShape(1, p.m, p.k, p.n)  # type: ignore[union-attr]


def _row_streams(graph: OpGraph, ops: list[Node], bits: dict[str, int],
                 pipeline: str) -> dict[int, dict[str, RowStream]]:
    """The operators' row streams under ``pipeline: element`` (``pimsim.cost.streams``, as the simulator's
    lowering); none under ``layer``."""
    if pipeline != "element":
        return {}
    return row_streams(ops, {n: v.query_shape for n, v in graph.values.items()}, bits, graph.constants())
