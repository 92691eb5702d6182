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
from functools import cached_property

import numpy as np

from pimsim.engine.events import DEP_FINISH_TO_START, DEP_START_TO_START
from pimsim.engine.program import StreamTasks, TaskProgram, check_program
from pimsim.program.template import Template


@dataclass(frozen=True)
class StreamProgram:
    """A stream of queries as the engine runs it (``tasks``: the templates and the credit edges, nothing per task)
    plus what the report and the trace need to locate a task.

    Stream task ``i`` is local task ``i - query_offset[q]`` of query ``q`` (``query_offset[q] <= i <
    query_offset[q + 1]``), which runs template ``templates[q mod len(templates)]``.  ``program`` lays the whole
    stream out as one :class:`TaskProgram` (memory grows with batch x tasks: for tests, benchmarks and
    ``pimsim.engine.reference``).
    """

    tasks: StreamTasks
    templates: list[Template]
    query_offset: np.ndarray
    gates: tuple
    res_cap: tuple

    @property
    def batch(self) -> int:
        return int(self.query_offset.size - 1)

    @cached_property
    def program(self) -> TaskProgram:
        return layout_stream(self.templates, self.batch, list(self.res_cap), self.gates)

    def locate(self, task: int) -> tuple[int, int, int]:
        """(query, template index, local id) of stream task ``task``."""
        q = int(np.searchsorted(self.query_offset, task, side="right")) - 1
        return q, q % len(self.templates), task - int(self.query_offset[q])

    def task_energy_pj(self, tasks: np.ndarray) -> np.ndarray:
        """Total energy (pJ, all components) of the stream tasks ``tasks`` (float64, same shape)."""
        tasks = np.asarray(tasks, np.int64)
        q = np.searchsorted(self.query_offset, tasks, side="right") - 1
        pattern = q % len(self.templates)
        local = tasks - self.query_offset[q]
        out = np.empty(tasks.shape, np.float64)
        for k, tpl in enumerate(self.templates):
            sel = pattern == k
            out[sel] = template_arrays(tpl).energy_pj[local[sel]]
        return out

    def kept_tasks(self, result, queries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(stream task ids, resources, start cycles, finish cycles) of every task of the first ``queries``
        queries, from a run that kept them (``pimsim.engine.kernel.simulate_stream(keep_queries=...)``)."""
        parts: list[list[np.ndarray]] = [[], [], [], []]
        for q in range(min(queries, self.batch)):
            a = template_arrays(self.templates[q % len(self.templates)])
            n = a.res.size
            start, finish = result.kept(q)
            for part, arr in zip(parts, (self.query_offset[q] + np.arange(n), a.res, start[:n], finish[:n])):
                part.append(arr)
        tasks, res, start, finish = (np.concatenate(p).astype(d) if p else np.zeros(0, d)
                                     for p, d in zip(parts, (np.int64, np.int32, np.int64, np.int64)))
        return tasks, res, start, finish


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


@dataclass(frozen=True)
class TemplateArrays:
    """One template's tasks and edges as arrays, its edges sorted stably by (source, kind) as the engine's CSR
    wants them (``pimsim.engine.program.build_program``); built once per template (:func:`template_arrays`)."""

    res: np.ndarray  # int32[n]
    dur: np.ndarray  # int64[n]
    energy_pj: np.ndarray  # float64[n]: all components
    npred: np.ndarray  # int32[n]
    n_fs: np.ndarray  # int64[n]: finish-to-start edges out of each task
    degree: np.ndarray  # int64[n]: edges out of each task
    src: np.ndarray  # int64[e], sorted by (source, kind), stably
    dst: np.ndarray  # int64[e]
    lag: np.ndarray  # int64[e]
    kind: np.ndarray  # int8[e]
    ss: np.ndarray  # bool[e]: a start-to-start edge
    rank: np.ndarray  # int64[e]: position among its source's edges of its kind
    adc_cycles: int  # ADC conversion cycles of the tasks' slice sub-phases (``SlicePhases.adc_cycles``), summed
    shift_add_cycles: int  # the same for their shift-and-add sub-phases


def template_arrays(tpl: Template) -> TemplateArrays:
    """:class:`TemplateArrays` of ``tpl``, cached on it (a lowered template is not extended any more; the cache
    is keyed by its task and edge counts all the same)."""
    key = (len(tpl.res), len(tpl.src))
    hit = tpl.arrays_cache
    if hit is not None and hit[0] == key:
        return hit[1]
    n = len(tpl.res)
    src = np.asarray(tpl.src, np.int64)
    kind = np.asarray(tpl.kind, np.int8)
    order = np.argsort(src * 2 + kind, kind="stable")
    src, kind = src[order], kind[order]
    ss = kind == DEP_START_TO_START
    n_fs = np.bincount(src[~ss], minlength=n).astype(np.int64)
    degree = np.bincount(src, minlength=n).astype(np.int64)
    first = np.zeros(n + 1, np.int64)
    np.cumsum(degree, out=first[1:])
    rank = np.arange(src.size, dtype=np.int64) - first[src] - np.where(ss, n_fs[src], 0)
    dst = np.asarray(tpl.dst, np.int64)[order]
    arrays = TemplateArrays(
        np.asarray(tpl.res, np.int32), np.asarray(tpl.dur, np.int64),
        np.array([sum(e.values()) for e in tpl.energy], np.float64),
        np.bincount(dst, minlength=n).astype(np.int32), n_fs, degree, src, dst,
        np.asarray(tpl.lag, np.int64)[order], kind, ss, rank,
        sum(p.adc_cycles for p in tpl.slice_phases.values()), sum(p.shift_add_cycles for p in tpl.slice_phases.values()))
    tpl.arrays_cache = (key, arrays)
    return arrays


def layout_stream(templates: list[Template], batch: int, res_cap: list[int], gates=()) -> TaskProgram:
    """The whole engine program of ``batch`` queries (memory grows with batch x tasks; the simulator runs
    :func:`stream_tasks` instead, the tests compare the two): query ``q`` runs ``templates[q mod P]``, plus the credit edges.

    The CSR is assembled per query from each template's sorted edges (no sort over the whole stream); it is the
    program ``pimsim.engine.program.build_program`` builds from the flat lists (each query's template edges, in
    query order, then the credit edges by gate, release task and query), which ``tests/pimsim/program`` checks:
    per source task, its template finish-to-start edges, then its credit edges (finish-to-start, lag 0), then
    its template start-to-start edges.
    """
    period = len(templates)
    arrays = [template_arrays(t) for t in templates]
    sizes = np.array([a.res.size for a in arrays], np.int64)
    q_pattern = np.arange(batch) % period
    q_off = np.zeros(batch + 1, np.int64)
    np.cumsum(sizes[q_pattern], out=q_off[1:])
    n = int(q_off[-1])
    res = np.empty(n, np.int32)
    dur = np.empty(n, np.int64)
    npred = np.empty(n, np.int32)
    degree = np.empty(n, np.int64)
    n_fs = np.empty(n, np.int64)
    query = np.repeat(np.arange(batch, dtype=np.int64), sizes[q_pattern])
    for q in range(batch):
        a, lo, hi = arrays[q_pattern[q]], q_off[q], q_off[q + 1]
        res[lo:hi], dur[lo:hi], npred[lo:hi] = a.res, a.dur, a.npred
        degree[lo:hi], n_fs[lo:hi] = a.degree, a.n_fs
    cs, cd = _credit_edges(q_pattern, q_off, gates)
    c_rank = np.zeros(cs.size, np.int64)
    if cs.size:
        np.add.at(degree, cs, 1)
        np.add.at(npred, cd, 1)
        order = np.argsort(cs, kind="stable")
        sorted_src = cs[order]
        starts = np.flatnonzero(np.r_[True, sorted_src[1:] != sorted_src[:-1]])
        c_rank[order] = np.arange(cs.size) - np.repeat(starts, np.diff(np.r_[starts, cs.size]))
    succ_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(degree, out=succ_ptr[1:])
    del degree
    succ_mid = succ_ptr[:-1] + n_fs  # template finish-to-start edges, then the credit edges (also finish-to-start)
    if cs.size:
        np.add.at(succ_mid, cs, 1)
    n_edges = int(succ_ptr[-1])
    succ_task = np.empty(n_edges, np.int32)
    succ_lag = np.empty(n_edges, np.int64)
    succ_kind = np.empty(n_edges, np.int8)
    from pimsim.engine.assemble import place_template_edges

    e_off = np.zeros(period + 1, np.int64)
    np.cumsum([a.src.size for a in arrays], out=e_off[1:])
    cat = {f: np.concatenate([getattr(a, f) for a in arrays]) for f in ("src", "dst", "lag", "kind", "ss", "rank")}
    place_template_edges(q_pattern, q_off, e_off, cat["src"], cat["dst"], cat["lag"], cat["kind"], cat["ss"],
                         cat["rank"], succ_ptr, succ_mid, succ_task, succ_lag, succ_kind)
    if cs.size:
        pos = succ_ptr[cs] + n_fs[cs] + c_rank
        succ_task[pos] = cd
        succ_lag[pos] = 0
        succ_kind[pos] = DEP_FINISH_TO_START
    del n_fs
    prog = TaskProgram(res, dur, query, np.ascontiguousarray(res_cap, dtype=np.int32), npred, succ_ptr, succ_mid,
                       succ_task, succ_lag, succ_kind)
    check_program(prog)
    return prog


def stream_tasks(templates: list[Template], batch: int, res_cap: list[int], gates=()) -> StreamProgram:
    """The stream of :func:`layout_stream` without laying it out: the templates' arrays once, the credit edges
    per template (``pimsim.engine.program.StreamTasks``); its size grows with the templates, not the batch."""
    period = len(templates)
    arrays = [template_arrays(t) for t in templates]
    sizes = np.array([a.res.size for a in arrays], np.int64)
    t_off = np.zeros(period + 1, np.int64)
    np.cumsum(sizes, out=t_off[1:])
    e_sizes = np.array([a.src.size for a in arrays], np.int64)
    e_off = np.zeros(period + 1, np.int64)
    np.cumsum(e_sizes, out=e_off[1:])
    succ_ptr = np.zeros(int(t_off[-1]) + 1, np.int64)
    np.cumsum(np.concatenate([a.degree for a in arrays]), out=succ_ptr[1:])
    n_fs = np.concatenate([a.n_fs for a in arrays])
    # Credit edges (``_credit_edges``): release task j of query q - c (template p) -> the entry of query q.
    out_edges: list[list[tuple[int, int, int]]] = [[] for _ in range(period)]  # (local source, dq, local target)
    in_credits: list[list[tuple[int, int]]] = [[] for _ in range(period)]  # (local entry, credits)
    for g in gates:
        if g.credits >= batch:
            continue
        for j in range(len(g.release[0])):
            for p in range(period):
                out_edges[p].append((g.release[p][j], g.credits, g.entry[(p + g.credits) % period]))
                in_credits[p].append((g.entry[p], g.credits))
    x_src, x_dq, x_task, xin_task, xin_c = [], [], [], [], []
    for p in range(period):
        for (src, dq, tgt) in sorted(out_edges[p], key=lambda e: e[0]):  # stable: (gate, j) order per source
            x_src.append(t_off[p] + src)
            x_dq.append(dq)
            x_task.append(tgt)
        for (entry, c) in in_credits[p]:
            xin_task.append(t_off[p] + entry)
            xin_c.append(c)
    n = int(t_off[-1])
    x_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(np.asarray(x_src, np.int64), minlength=n), out=x_ptr[1:])
    entries = np.asarray(xin_task, np.int64)
    order = np.argsort(entries, kind="stable")
    xin_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(entries, minlength=n), out=xin_ptr[1:])
    st = StreamTasks(
        t_off, np.concatenate([a.res for a in arrays]), np.concatenate([a.dur for a in arrays]),
        np.zeros(n, np.int64), np.concatenate([a.npred for a in arrays]), succ_ptr,
        succ_ptr[:-1] + n_fs, np.concatenate([a.dst for a in arrays]).astype(np.int32),
        np.concatenate([a.lag for a in arrays]), x_ptr, np.asarray(x_dq, np.int64), np.asarray(x_task, np.int32),
        xin_ptr, np.asarray(xin_c, np.int64)[order], np.ascontiguousarray(res_cap, dtype=np.int32), int(batch), 1)
    return StreamProgram(st, templates, st.query_offset, tuple(gates), tuple(res_cap))


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
