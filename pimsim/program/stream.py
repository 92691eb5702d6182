"""Replicate the per-query template over a stream of queries, with buffer-limited pipelining.

Query ``q`` uses replica ``q mod replicas`` of each operator, so the stream
cycles through ``P = lcm(replicas)`` distinct templates (one lowering each);
the tasks of all queries are laid out with NumPy, not per task in Python.

Pipelining: queries are independent except for shared resources (FIFO by
query index: a task's queueing priority is its query number) and buffer
space.  Buffer limit (credit flow control, :class:`CreditGate`): a stored value
of query ``q`` occupies tile buffers until every reader of it finished; with
``k`` credits its producer (an operator's entry, or a graph input's link
transfer) may start query ``q`` only after the readers of query ``q - k``
finished.  ``k`` comes from value lifetimes (``pimsim.cost.buffers``, chosen in
``pimsim.program.build``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pimsim.engine.program import TaskProgram, build_program
from pimsim.program.template import Template


@dataclass(frozen=True)
class StreamProgram:
    """The engine program plus what the report and the trace need per task.

    ``query[i]``, ``pattern[i]`` and ``local[i]`` locate task ``i`` in
    ``templates[pattern[i]]``; ``energy_pj[i]`` is its total energy.
    """

    program: TaskProgram
    query: np.ndarray
    pattern: np.ndarray
    local: np.ndarray
    energy_pj: np.ndarray
    templates: list[Template]
    query_offset: np.ndarray
    gates: tuple


@dataclass(frozen=True)
class CreditGate:
    """``entry[p]`` of query ``q`` (template ``p``'s local task) waits for ``release[p]`` of query ``q - credits``."""

    name: str
    credits: int
    entry: tuple[int, ...]
    release: tuple[tuple[int, ...], ...]


def replica_period(replicas: list[int], batch: int) -> int:
    period = 1
    for r in replicas:
        period = period * r // math.gcd(period, r)
        if period >= batch:
            return batch
    return period


def layout_stream(templates: list[Template], batch: int, res_cap: list[int], gates=()) -> StreamProgram:
    period = len(templates)
    sizes = np.array([len(t) for t in templates], np.int64)
    q_pattern = np.arange(batch) % period
    q_off = np.zeros(batch + 1, np.int64)
    np.cumsum(sizes[q_pattern], out=q_off[1:])
    n = int(q_off[-1])
    res = np.empty(n, np.int32)
    dur = np.empty(n, np.int64)
    energy = np.empty(n, np.float64)
    query = np.empty(n, np.int64)
    pattern = np.empty(n, np.int32)
    local = np.empty(n, np.int64)
    src, dst, lag, kind = [], [], [], []
    for k, tpl in enumerate(templates):
        qs = np.nonzero(q_pattern == k)[0]
        if qs.size == 0:
            continue
        ids = (q_off[qs][:, None] + np.arange(len(tpl))[None, :]).ravel()
        res[ids] = np.tile(np.asarray(tpl.res, np.int32), qs.size)
        dur[ids] = np.tile(np.asarray(tpl.dur, np.int64), qs.size)
        energy[ids] = np.tile(np.array([sum(e.values()) for e in tpl.energy], np.float64), qs.size)
        query[ids] = np.repeat(qs, len(tpl))
        pattern[ids] = k
        local[ids] = np.tile(np.arange(len(tpl)), qs.size)
        base = q_off[qs][:, None]
        src.append((base + np.asarray(tpl.src, np.int64)[None, :]).ravel())
        dst.append((base + np.asarray(tpl.dst, np.int64)[None, :]).ravel())
        lag.append(np.tile(np.asarray(tpl.lag, np.int64), qs.size))
        kind.append(np.tile(np.asarray(tpl.kind, np.int8), qs.size))
    cs, cd = _credit_edges(q_pattern, q_off, gates)
    src.append(cs)
    dst.append(cd)
    lag.append(np.zeros(cs.size, np.int64))
    kind.append(np.zeros(cs.size, np.int8))
    prog = build_program(res, dur, query, res_cap, np.concatenate(src), np.concatenate(dst),
                         np.concatenate(lag), np.concatenate(kind))
    return StreamProgram(prog, query, pattern, local, energy, templates, q_off, tuple(gates))


def _credit_edges(q_pattern, q_off, gates):
    batch = q_pattern.size
    src, dst = [], []
    for g in gates:
        if g.credits >= batch:
            continue
        qs = np.arange(g.credits, batch)
        prev = qs - g.credits
        entry_local = np.asarray(g.entry, np.int64)[q_pattern[qs]]
        for j in range(len(g.release[0])):
            rel_local = np.array([r[j] for r in g.release], np.int64)[q_pattern[prev]]
            src.append(q_off[prev] + rel_local)
            dst.append(q_off[qs] + entry_local)
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(src), np.concatenate(dst)
