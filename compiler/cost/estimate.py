"""The mapper's analytical performance estimate: one query's latency and the stream's bottleneck.

Latency: list scheduling of one query in schedule order, each operator
starting when its inputs have arrived (NoC cut-through: hops x hop latency +
flits) and its unit is free; per operator the same task structure the
simulator lowers (``pimsim/program/lower.py``): operand fetch from the tile
buffer and bus transfer per (tile, row range), one crossbar task per block
(``m x input slices x (read + ADC conversions) + 1`` cycles), partial sums sent
home, vector-unit reduction, result write.  Shared units modelled within one
query: each crossbar, each tile's bus, vector unit and buffer banks, the
DRAM channel and the chip I/O link (one server each, banks: ``buffer.banks``).

Throughput: pipelined queries are limited by the busiest unit, so the period
per query is the largest per-query busy time of any unit (a crossbar block of
an operator with ``r`` replicas serves every ``r``-th query), and a stream of
``B`` queries takes ``latency + (B - 1) x period``.  Not modelled: NoC link
contention, buffer-credit stalls (the simulator models both), so the estimate
is optimistic where those bind.

Inputs are duck-typed operator views (``ops.OpView``) built from the IR or
from a written mapping, so the optimiser and the test share one estimator.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from compiler.cost.ops import OpView
from compiler.cost.timing import ArchTiming, ceil_div, xy_links

IO_TILE = 0


@dataclass(frozen=True)
class Estimate:
    """``latency_cycles``: one query alone.  ``period_cycles``/``bottleneck``: the busiest unit's per-query
    time (a lower bound on the stream's period).  ``makespan_cycles(batch)``: the stream schedule of
    ``compiler.cost.stream`` (replicas, shared units, buffer credits), computed on first request."""

    latency_cycles: int
    period_cycles: float
    bottleneck: str
    crossbars_used: int
    tiles_used: int
    stream: Callable[[int], int] | None = field(default=None, compare=False, repr=False)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def makespan_cycles(self, batch: int) -> float:
        if batch == 1 or self.stream is None:
            return self.latency_cycles + (batch - 1) * self.period_cycles
        if batch not in self._cache:
            self._cache[batch] = self.stream(batch)
        return self._cache[batch]

    def throughput_per_s(self, clock_mhz: float, batch: int) -> float:
        return batch / self.makespan_cycles(batch) * clock_mhz * 1.0e6


class _Units:
    """Busy intervals of the units one query occupies (k servers each).

    A task takes the earliest gap at or after its ready time on any server, so
    an operator later in schedule order but ready earlier is not queued behind
    a later-starting one (the simulator's units serve tasks as they become ready).
    """

    def __init__(self):
        self.busy: dict[tuple, list[list[tuple[int, int]]]] = {}

    def run(self, key: tuple, ready: int, dur: int, servers: int = 1) -> int:
        lanes = self.busy.get(key)
        if lanes is None:
            lanes = self.busy[key] = [[] for _ in range(servers)]
        if len(lanes) == 1:  # the common case, and appending when the task goes last (time order)
            lane = lanes[0]
            start = _first_gap(lane, ready, dur)
            if dur > 0:
                if not lane or lane[-1][0] < start:
                    lane.append((start, start + dur))
                else:
                    bisect.insort(lane, (start, start + dur))
            return start + dur
        best = None
        for lane in lanes:
            start = _first_gap(lane, ready, dur)
            if best is None or start < best[0]:
                best = (start, lane)
        start, lane = best
        if dur > 0:
            bisect.insort(lane, (start, start + dur))
        return start + dur


def _first_gap(lane: list[tuple[int, int]], ready: int, dur: int) -> int:
    """Earliest start >= ready of a ``dur``-long gap in a sorted list of disjoint busy intervals."""
    if not lane or lane[-1][1] <= ready:
        return ready
    t = ready
    for k in range(max(bisect.bisect_left(lane, (ready, ready)) - 1, 0), len(lane)):
        a, b = lane[k]
        if b <= t:
            continue
        if a >= t + dur:
            return t
        t = b
    return t


def estimate(ops: list[OpView], value_bits: dict[str, int], inputs: list[str], outputs: list[str],
             arch) -> Estimate:
    """Latency and bottleneck period of a mapping given as operator views (see module docstring)."""
    from compiler.cost.stream import stream_makespan

    tm = ArchTiming(arch)
    _mark_shared_crossbars(ops)
    lat, avail = _latency(ops, value_bits, inputs, outputs, tm)
    slots = _slots(ops, avail, value_bits, arch)
    busy = _busy_per_query(ops, value_bits, inputs, tm)
    key = max(busy, key=busy.get) if busy else ("none",)
    xbars = {(b["tile"], b["pe"], b["crossbar"]) for op in ops for b in op.blocks}
    tiles = {op.tile for op in ops if op.kind in ("mvm", "dynamic_mvm")} | {t for t, _, _ in xbars}
    return Estimate(lat, float(busy.get(key, 0.0)), "/".join(str(k) for k in key), len(xbars), len(tiles),
                    stream=lambda b: stream_makespan(ops, value_bits, inputs, outputs, arch, b, slots))


def _mark_shared_crossbars(ops) -> None:
    """Crossbars holding blocks of more than one operator or copy (packing, replicas sharing a crossbar)."""
    owners: dict[tuple, set] = defaultdict(set)
    for op in ops:
        for b in op.blocks:
            owners[(b["tile"], b["pe"], b["crossbar"])].add((op.name, b.get("replica", 0)))
    shared = {("xbar",) + k for k, v in owners.items() if len(v) > 1}
    for op in ops:
        op.shared_crossbars = shared
        op._groups = None


def _latency(ops, value_bits, inputs, outputs, tm: ArchTiming) -> tuple[int, dict]:
    """One query's latency, and where each value is resident (value -> {tile: time})."""
    units = _Units()
    avail: dict[str, dict[int, int]] = {}
    for name in inputs:
        avail[name] = {IO_TILE: units.run(("io", "in"), 0, tm.io_cycles(value_bits[name]))}

    def deliver(name: str, tile: int) -> int:
        where = avail[name]
        if tile not in where:
            src = next(iter(where))
            where[tile] = transfer(tm, units, src, tile, value_bits[name], where[src])
        return where[tile]

    for i in _ready_order(ops, avail):
        op = ops[i]
        tiles = sorted({b["tile"] for b in op.current_blocks()}) if op.on_crossbars else [op.tile]
        entry = max([deliver(n, t) for n in op.inputs if n in avail for t in tiles], default=0)
        done = _op_finish(op, entry, value_bits, tm, units)
        for name in op.outputs:
            avail[name] = {op.tile: done}
    end = 0
    for name in outputs:
        end = max(end, units.run(("io", "out"), deliver(name, IO_TILE), tm.io_cycles(value_bits[name])))
    return end, avail


def _ready_order(ops, avail):
    """Operator indices in order of readiness (the units serve tasks as they become ready, not in
    schedule order): a generator that yields the earliest-ready operator whose producers are done;
    ``avail`` is read after each yield, so producers' finish times are known."""
    import heapq

    producer = {name: i for i, op in enumerate(ops) for name in op.outputs}
    users: dict[int, list[int]] = defaultdict(list)
    waiting = []
    for i, op in enumerate(ops):
        deps = {producer[n] for n in op.inputs if n in producer}
        waiting.append(len(deps))
        for d in deps:
            users[d].append(i)
    heap = [(0, i) for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(heap)
    while heap:
        _, i = heapq.heappop(heap)
        yield i
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                ready = max(min(avail[n].values()) for n in ops[u].inputs if n in avail)
                heapq.heappush(heap, (ready, u))


def _slots(ops, avail, value_bits, arch) -> list[int]:
    """Buffer credits (``pimsim/program/stream.py``): queries' worth of resident values each operator's
    home buffer holds, ``capacity bits // bits resident on that tile per query`` (at least 1)."""
    cap = arch.tile.buffer.capacity_bytes * 8
    foot: dict[int, int] = defaultdict(int)
    for name, where in avail.items():
        for tile in where:
            foot[tile] += value_bits[name]
    return [max(1, cap // max(foot.get(op.tile, 0), 1)) for op in ops]


def _op_finish(op: OpView, entry: int, value_bits, tm: ArchTiming, units: _Units) -> int:
    banks = tm.arch.tile.buffer.banks
    io = op.__dict__.get("_io_bits")
    if io is None or io[0] is not value_bits:  # asked once per query by the stream estimate
        io = op._io_bits = (value_bits, sum(value_bits[n] for n in op.inputs if n in value_bits
                                            and n not in op.constants), sum(value_bits[n] for n in op.outputs))
    _, in_bits, out_bits = io
    h = op.tile
    if op.kind == "view":
        return entry
    if op.kind == "copy":
        return units.run(("buf", h), entry, 2 * tm.buffer_cycles(op.bits), banks)
    if op.on_crossbars:
        t = _crossbar_finish(op, entry, tm, units)
    elif op.kind == "embedding":
        bits = op.tables * op.lookups * op.dim * op.precision["output_bits"]
        key = ("emb", h) if op.storage == "onchip" else ("emb", "dram")
        delay, hold = tm.embedding_access(op.storage, bits)
        t = units.run(key, entry + delay, hold)
        adds = op.tables * (op.lookups - 1) * op.dim
        if adds > 0:
            t = units.run(("vec", h), t, tm.vector_cycles({"add": adds}))
    else:
        t = units.run(("buf", h), entry, tm.buffer_cycles(in_bits), banks)
        t = units.run(("vec", h), t, tm.vector_cycles(op.vector_ops()))
    return units.run(("buf", h), t, tm.buffer_cycles(out_bits), banks)


def _crossbar_finish(op: OpView, entry: int, tm: ArchTiming, units: _Units) -> int:
    banks = tm.arch.tile.buffer.banks
    finals: dict[int, int] = defaultdict(int)
    psum: dict[int, int] = defaultdict(int)
    fetched: dict[tuple, int] = {}  # one operand fetch per (tile, row range), broadcast on the bus
    for g in _block_groups(op, tm):
        if g["write"] or g["fetch"] not in fetched:
            t = units.run(("buf", g["tile"]), entry, tm.buffer_cycles(g["bits"]), banks)
            fetched[g["fetch"]] = units.run(("bus", g["tile"]), t, tm.bus_cycles(g["bits"]))
        t = fetched[g["fetch"]]
        if g["write_cycles"]:
            t = units.run(g["unit"], t, g["write_cycles"])
        t = units.run(g["unit"], t, g["cycles"])
        finals[g["tile"]] = max(finals[g["tile"]], t)
        psum[g["tile"]] += g["psum_bits"]
    done = max([t if tile == op.tile else transfer(tm, units, tile, op.tile, psum[tile], t)
                for tile, t in sorted(finals.items())], default=entry)
    adds = sum(b["cols"] for b in op.current_blocks()) * op.m - op.n * op.m * op.count
    return units.run(("vec", op.tile), done, tm.vector_cycles({"add": adds})) if adds > 0 else done


def _block_groups(op: OpView, tm: ArchTiming) -> list[dict]:
    """The operator's crossbar work for one query, cached on the view.  Blocks that share an operand
    fetch, have the same duration and sit on crossbars no other block uses run in lock-step, so they
    are one unit here (exact for the schedule, and far fewer units for spread operators)."""
    cached = getattr(op, "_groups", None)
    if cached is not None:
        return cached
    p, write = op.precision, op.kind == "dynamic_mvm"
    groups: dict[tuple, dict] = {}
    for b in op.current_blocks():
        bits = b["rows"] * p["input_bits"] * op.m
        if write:
            bits += b["rows"] * b["cols"] * (p.get("weight_bits") or p["input_bits"])
        cycles = tm.block_cycles(op.m, p["input_bits"], physical_cols(b), p.get("adc_bits"))
        wcyc = b["rows"] * tm.write_row_cycles if write else 0
        xb = ("xbar", b["tile"], b["pe"], b["crossbar"])
        fetch = (b["tile"], b["row_start"], b["rows"])
        lockstep = not write and xb not in op.shared_crossbars
        key = ("lockstep", op.name, fetch, cycles) if lockstep else ("own", len(groups))
        g = groups.setdefault(key, {"tile": b["tile"], "fetch": fetch, "bits": bits, "write": write,
                                    "unit": (("xgroup", op.name) + key[2:]) if lockstep else xb,
                                    "cycles": cycles, "write_cycles": wcyc, "psum_bits": 0})
        g["psum_bits"] += b["cols"] * op.m * p["output_bits"]
    op._groups = list(groups.values())
    return op._groups


def transfer(tm: ArchTiming, units: _Units, src: int, dst: int, bits: int, ready: int) -> int:
    """Cut-through message: each link held ceil(bits / flit) cycles, the head one hop behind per link."""
    flits = ceil_div(bits, tm.arch.tile.router.flit_bits)
    hop = tm.arch.tile.router.hop_latency_cycles
    links = xy_links(tm.arch, src, dst)
    if not links:
        return ready
    t = ready - hop
    for link in links:
        t = units.run(("noc",) + link, t + hop, flits) - flits
    return t + flits + hop


def physical_cols(b: dict) -> int:
    return b["cols"] * b["slice_count"] * b["sign_columns"]


def _busy_per_query(ops, value_bits, inputs, tm: ArchTiming) -> dict[tuple, float]:
    """Per-query busy cycles of each unit in steady state (replicas share the load)."""
    busy: dict[tuple, float] = defaultdict(float)
    busy[("io", "in")] = sum(tm.io_cycles(value_bits[n]) for n in inputs)
    for op in ops:
        if op.on_crossbars:
            p, r = op.precision, op.replicas
            for b in op.blocks:
                cyc = tm.block_cycles(op.m, p["input_bits"], physical_cols(b), p.get("adc_bits"))
                if op.kind == "dynamic_mvm":
                    cyc += b["rows"] * tm.write_row_cycles
                busy[("xbar", b["tile"], b["pe"], b["crossbar"])] += cyc / r
        elif op.kind == "embedding":
            bits = op.tables * op.lookups * op.dim * op.precision["output_bits"]
            busy[("emb", op.tile if op.storage == "onchip" else "dram")] += tm.embedding_access(op.storage, bits)[1]
        elif op.kind in ("vector", "dynamic_mvm"):
            busy[("vec", op.tile)] += tm.vector_cycles(op.vector_ops())
    for link, flits in noc_link_flits(ops, value_bits, inputs, tm.arch).items():
        busy[("noc",) + link] += flits
    return dict(busy)


def noc_link_flits(ops, value_bits, inputs, arch) -> dict[tuple[int, int], float]:
    """Flits each mesh link carries per query (averaged over replicas): operands to every tile with blocks,
    partial sums to the home tile, as the simulator routes them (XY, one message per value and tile)."""
    flit = arch.tile.router.flit_bits
    load: dict[tuple[int, int], float] = defaultdict(float)
    home = {n: IO_TILE for n in inputs}

    def send(src: int, dst: int, bits: int, weight: float) -> None:
        for link in xy_links(arch, src, dst):
            load[link] += weight * ceil_div(bits, flit)

    for op in ops:
        acts = [n for n in op.inputs if n in home]
        for r in range(op.replicas if op.on_crossbars else 1):
            blocks = [b for b in op.blocks if b.get("replica", 0) == r] if op.on_crossbars else []
            tiles = sorted({b["tile"] for b in blocks}) or [op.tile]
            for name in acts:
                for t in tiles:
                    if t != home[name]:
                        send(home[name], t, value_bits[name], 1.0 / op.replicas)
            psum: dict[int, int] = defaultdict(int)
            for b in blocks:
                psum[b["tile"]] += b["cols"] * op.m * op.precision["output_bits"]
            for t, bits in psum.items():
                if t != op.tile:
                    send(t, op.tile, bits, 1.0 / op.replicas)
        for name in op.outputs:
            home[name] = op.tile
    return load
