"""Stream estimate: ``batch`` queries list-scheduled at operator granularity, with replicas and buffer credits.

The single-query schedule of ``compiler.cost.estimate`` extended to a stream,
with the simulator's three stream rules (``pimsim/program/stream.py``):
query ``q`` uses copy ``q mod replicas`` of each operator; units are shared by
all queries (each task takes the earliest gap on its unit at or after it is
ready); and buffer credits -- an operator may start query ``q`` only after
every consumer of its outputs (and the output link, for graph outputs) has
finished query ``q - slots``, ``slots = buffer bits // bits resident on its
home tile per query`` (>= 1).  Operators are taken in order of readiness.
The makespan is the last query's last output.  Still operator-granular: the
tasks inside one operator are placed back to back, not interleaved with other
queries' tasks.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import replace

from compiler.cost.estimate import IO_TILE, _op_finish, _Units, transfer
from compiler.cost.timing import ArchTiming


def _replica_views(op):
    if not op.on_crossbars or op.replicas == 1:
        return [op]
    views = [replace(op, blocks=[{**b, "replica": 0} for b in op.blocks if b.get("replica", 0) == r])
             for r in range(op.replicas)]
    for r, v in enumerate(views):
        v.name = f"{op.name}#{r}"  # distinct lock-step units per copy (compiler.cost.estimate._block_groups)
        v._groups = None
    return views


def stream_makespan(ops, value_bits, inputs, outputs, arch, batch: int, slots: list[int]) -> int:
    """Cycles until the last of ``batch`` queries leaves the chip (``slots[i]``: credit of operator i)."""
    tm, units = ArchTiming(arch), _Units()
    producer = {name: i for i, op in enumerate(ops) for name in op.outputs}
    consumers = defaultdict(set)
    for j, op in enumerate(ops):
        for name in op.inputs:
            if name in producer:
                consumers[producer[name]].add(j)
    variants = [_replica_views(op) for op in ops]
    deps = [{producer[n] for n in op.inputs if n in producer} for op in ops]
    avail = [dict() for _ in range(batch)]
    for q in range(batch):
        for name in inputs:
            avail[q][name] = {IO_TILE: units.run(("io", "in"), 0, tm.io_cycles(value_bits[name]))}
    waiting = {}
    release = defaultdict(int)  # (q, i) -> time the outputs' buffer space is free
    left = {}  # (q, i) -> consumers of i still to finish query q
    heap, end = [], 0

    def need(q: int, i: int) -> int:
        return len(deps[i]) + (1 if q - slots[i] >= 0 else 0)

    def ready_at(q: int, i: int) -> int:
        t = max([min(avail[q][n].values()) for n in ops[i].inputs if n in avail[q]], default=0)
        return max(t, release[q - slots[i], i]) if q - slots[i] >= 0 else t

    def arm(q: int, i: int) -> None:
        waiting[q, i] = waiting.get((q, i), need(q, i)) - 1
        if waiting[q, i] == 0:
            heapq.heappush(heap, (ready_at(q, i), q, i))

    for q in range(batch):
        for i in range(len(ops)):
            waiting[q, i] = need(q, i)
            left[q, i] = len(consumers[i])
            if waiting[q, i] == 0:
                heapq.heappush(heap, (ready_at(q, i), q, i))
    while heap:
        ready, q, i = heapq.heappop(heap)
        done = _run_op(ops[i], variants[i][q % len(variants[i])], q, avail, value_bits, tm, units, ready)
        for name in ops[i].outputs:
            if name in outputs:
                out = units.run(("io", "out"), _deliver(avail[q], name, IO_TILE, value_bits, tm, units),
                                tm.io_cycles(value_bits[name]))
                release[q, i] = max(release[q, i], out)
                end = max(end, out)
        release[q, i] = max(release[q, i], done)
        if not consumers[i]:
            _credit_freed(q, i, slots, batch, arm)
        for p in deps[i]:
            release[q, p] = max(release[q, p], done)
            left[q, p] -= 1
            if left[q, p] == 0:
                _credit_freed(q, p, slots, batch, arm)
        for j in consumers[i]:
            arm(q, j)
    return end


def _credit_freed(q: int, i: int, slots, batch: int, arm) -> None:
    if q + slots[i] < batch:
        arm(q + slots[i], i)


def _deliver(avail_q, name, tile, value_bits, tm, units) -> int:
    where = avail_q[name]
    if tile not in where:
        src = next(iter(where))
        where[tile] = transfer(tm, units, src, tile, value_bits[name], where[src])
    return where[tile]


def _run_op(op, view, q, avail, value_bits, tm, units, ready: int) -> int:
    tiles = view.__dict__.get("_tiles")
    if tiles is None:  # the same for every query that uses this copy
        tiles = view._tiles = sorted({b["tile"] for b in view.current_blocks()}) if view.on_crossbars else [op.tile]
    entry = max([_deliver(avail[q], n, t, value_bits, tm, units) for n in op.inputs if n in avail[q]
                 for t in tiles], default=0)
    entry = max(entry, ready)  # ready includes the buffer credit
    done = _op_finish(view, entry, value_bits, tm, units)
    for name in op.outputs:
        avail[q][name] = {op.tile: done}
    return done
