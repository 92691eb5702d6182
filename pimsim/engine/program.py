"""The engine's input: a task graph as a struct of NumPy arrays.

A program is generic: it knows nothing about crossbars.  ``pimsim.program``
lowers a mapping into one; ``pimsim.engine.kernel`` (Numba) and
``pimsim.engine.reference`` (pure Python) run it with identical semantics.

Times are integer cycles of the architecture clock; energies are float pJ and
stay outside the kernel (they do not change the schedule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pimsim.engine.events import DEP_FINISH_TO_START, DEP_START_TO_START, NO_RESOURCE


@dataclass(frozen=True)
class TaskProgram:
    """Tasks, resources and dependency edges, ready for the kernel.

    Attributes
    ----------
    task_res : int32[n]
        Resource each task occupies, or ``NO_RESOURCE``.
    task_dur : int64[n]
        Cycles the task holds its server.
    task_prio : int64[n]
        Queueing priority at its resource, 0 <= prio < 2**31 (lower first; ties by arrival order).
    res_cap : int32[r]
        Servers per resource (tasks it runs at once).
    npred : int32[n]
        Incoming edge count per task.
    succ_ptr : int64[n+1]
        CSR offsets of each task's outgoing edges.
    succ_mid : int64[n]
        First start-to-start edge of each task: within a task's range the
        finish-to-start edges come first (``[succ_ptr[i], succ_mid[i])``), then the
        start-to-start ones (``[succ_mid[i], succ_ptr[i+1])``), each kind in input order.
        Only the order *within* a kind matters to the semantics, so the kernel
        walks one kind's edges without testing every edge's kind.
    succ_task, succ_lag, succ_kind : int32/int64/int8[e]
        Edge target, lag in cycles, and ``DEP_*`` kind, grouped by source task.
    """

    task_res: np.ndarray
    task_dur: np.ndarray
    task_prio: np.ndarray
    res_cap: np.ndarray
    npred: np.ndarray
    succ_ptr: np.ndarray
    succ_mid: np.ndarray
    succ_task: np.ndarray
    succ_lag: np.ndarray
    succ_kind: np.ndarray

    @property
    def n_tasks(self) -> int:
        return int(self.task_res.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.succ_task.shape[0])


def build_program(task_res, task_dur, task_prio, res_cap, edge_src, edge_dst, edge_lag=None, edge_kind=None):
    """Assemble a :class:`TaskProgram` from flat edge lists (sorted stably by (source, kind) into CSR).

    Raises
    ------
    ValueError
        On a negative duration or lag, a task naming a missing resource, a
        resource without servers, or an edge to a task that does not exist.
    """
    task_res = np.ascontiguousarray(task_res, dtype=np.int32)
    task_dur = np.ascontiguousarray(task_dur, dtype=np.int64)
    task_prio = np.ascontiguousarray(task_prio, dtype=np.int64)
    res_cap = np.ascontiguousarray(res_cap, dtype=np.int32)
    src = np.asarray(edge_src, dtype=np.int64)
    dst = np.asarray(edge_dst, dtype=np.int64)
    lag = np.zeros(src.shape[0], np.int64) if edge_lag is None else np.asarray(edge_lag, dtype=np.int64)
    kind = np.full(src.shape[0], DEP_FINISH_TO_START, np.int8) if edge_kind is None else np.asarray(edge_kind, np.int8)
    n = task_res.shape[0]
    _check(task_res, task_dur, res_cap, src, dst, lag, n)
    _check_limits(task_prio, n, kind)
    key = src * 2 + kind  # (source, kind): each task's finish-to-start edges first
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=2 * n).reshape(n, 2) if n else np.zeros((0, 2), np.int64)
    succ_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts.sum(axis=1), out=succ_ptr[1:])
    succ_mid = succ_ptr[:-1] + counts[:, DEP_FINISH_TO_START]
    npred = np.bincount(dst, minlength=n).astype(np.int32) if n else np.zeros(0, np.int32)
    return TaskProgram(task_res, task_dur, task_prio, res_cap, npred, succ_ptr, succ_mid,
                       np.ascontiguousarray(dst[order], dtype=np.int32), np.ascontiguousarray(lag[order]),
                       np.ascontiguousarray(kind[order]))


def check_program(p: TaskProgram) -> None:
    """The checks of :func:`build_program`, on a program assembled in CSR form directly (``pimsim.program.stream``);
    also that its CSR offsets are consistent."""
    n = p.n_tasks
    if p.succ_ptr.shape[0] != n + 1 or p.succ_mid.shape[0] != n or p.npred.shape[0] != n:
        raise ValueError("succ_ptr, succ_mid and npred must match the task count")
    if n and (p.succ_ptr[0] != 0 or p.succ_ptr[-1] != p.n_edges or np.any(p.succ_mid < p.succ_ptr[:-1])
              or np.any(p.succ_mid > p.succ_ptr[1:])):
        raise ValueError("inconsistent CSR offsets")
    _check(p.task_res, p.task_dur, p.res_cap, p.succ_task, p.succ_task, p.succ_lag, n)  # edge sources: by the CSR
    _check_limits(p.task_prio, n, p.succ_kind)


def _check_limits(task_prio, n, kind) -> None:
    if n and (task_prio.min() < 0 or task_prio.max() >= 1 << 31):
        raise ValueError("task priorities must lie in [0, 2**31)")
    if n >= 1 << 31:
        raise ValueError("at most 2**31 - 1 tasks (the kernel keeps task ids in int32 queues)")
    if kind.shape[0] and (kind.min() < DEP_FINISH_TO_START or kind.max() > DEP_START_TO_START):
        raise ValueError("an edge has an unknown kind")


def _check(task_res, task_dur, res_cap, src, dst, lag, n) -> None:
    if task_dur.shape[0] != n:
        raise ValueError("task_dur and task_res differ in length")
    if n and task_dur.min() < 0:
        raise ValueError(f"task {int(np.argmin(task_dur))} has a negative duration")
    if n and (task_res.max() >= res_cap.shape[0] or task_res.min() < NO_RESOURCE):
        raise ValueError("a task names a resource that does not exist")
    if res_cap.shape[0] and res_cap.min() < 1:
        raise ValueError(f"resource {int(np.argmin(res_cap))} has no servers")
    if src.shape[0] and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError("an edge names a task that does not exist")
    if lag.shape[0] and lag.min() < 0:
        raise ValueError("an edge has a negative lag")


@dataclass(frozen=True)
class StreamTasks:
    """A stream of ``batch`` queries over ``P`` task templates, the engine's input without a per-task array.

    Query ``q`` runs template ``q mod P``: its tasks are that template's tasks (``t_off[k] <= i < t_off[k + 1]``
    in the ``task_*`` arrays; local id ``i - t_off[k]``), with queueing priority
    ``task_prio[i] + q x prio_per_query``.  Template edges join tasks of the same query: the CSR
    ``succ_ptr``/``succ_mid``/``succ_task`` (local targets)/``succ_lag`` as in :class:`TaskProgram`, indexed by
    template task.  Credit edges join queries: template task ``i`` of query ``q`` has finish-to-start, lag-0
    edges ``x_ptr[i] <= x < x_ptr[i + 1]`` to local task ``x_task[x]`` of query ``q + x_dq[x]`` (if that
    query exists), notified after its template finish-to-start edges; template task ``i`` of query ``q`` has
    one incoming credit edge per ``xin_credits[x] <= q``, ``xin_ptr[i] <= x < xin_ptr[i + 1]``.

    This is exactly the :class:`TaskProgram` whose task ``query_offset[q] + local`` is local task ``local`` of
    query ``q`` and whose CSR lists, per task, its template finish-to-start edges, its credit edges, then its
    template start-to-start edges (``pimsim.program.stream.layout_stream`` builds that program;
    ``tests/pimsim/program`` compares the two runs).
    """

    t_off: np.ndarray
    task_res: np.ndarray
    task_dur: np.ndarray
    task_prio: np.ndarray
    npred: np.ndarray
    succ_ptr: np.ndarray
    succ_mid: np.ndarray
    succ_task: np.ndarray
    succ_lag: np.ndarray
    x_ptr: np.ndarray
    x_dq: np.ndarray
    x_task: np.ndarray
    xin_ptr: np.ndarray
    xin_credits: np.ndarray
    res_cap: np.ndarray
    batch: int
    prio_per_query: int

    @property
    def query_offset(self) -> np.ndarray:
        """First stream task of each query, and the task count at the end (int64[batch + 1])."""
        sizes = np.diff(self.t_off)
        out = np.zeros(self.batch + 1, np.int64)
        np.cumsum(sizes[np.arange(self.batch) % sizes.size], out=out[1:])
        return out

    @property
    def n_tasks(self) -> int:
        return int(self.query_offset[-1])

    @property
    def n_edges(self) -> int:
        """Edges of the whole stream: template edges of every query plus the credit edges that exist."""
        per_template = np.diff(self.succ_ptr[self.t_off])
        q = np.arange(self.batch)
        k = q % (self.t_off.size - 1)
        n = int(per_template[k].sum())
        for x in range(self.x_dq.size):
            i = int(np.searchsorted(self.x_ptr, x, side="right") - 1)
            tpl = int(np.searchsorted(self.t_off, i, side="right") - 1)
            n += int(np.count_nonzero((k == tpl) & (q + self.x_dq[x] < self.batch)))
        return n

    def horizon_cycles(self) -> int:
        """Every task and lag of the stream one after another: a bound of the last event's time."""
        per_k = np.array([int(self.task_dur[a:b].sum()) + int(self.succ_lag[self.succ_ptr[a]:self.succ_ptr[b]].sum())
                          for a, b in zip(self.t_off[:-1], self.t_off[1:])], np.int64)
        counts = np.bincount(np.arange(self.batch) % per_k.size, minlength=per_k.size)
        return int((per_k * counts).sum())


def single_stream(p: TaskProgram) -> StreamTasks:
    """``p`` as a stream of one query over one template (its own priorities, no credit edges)."""
    n = p.n_tasks
    return StreamTasks(np.array([0, n], np.int64), p.task_res, p.task_dur, p.task_prio, p.npred, p.succ_ptr,
                       p.succ_mid, p.succ_task, p.succ_lag, np.zeros(n + 1, np.int64), np.zeros(0, np.int64),
                       np.zeros(0, np.int32), np.zeros(n + 1, np.int64), np.zeros(0, np.int64), p.res_cap, 1, 0)
