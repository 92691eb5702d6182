"""The Numba event kernel: plain ``@njit(cache=True)`` functions over arrays.

Semantics (identical to ``pimsim.engine.reference``, checked by a property test):

- the event queue is an array-backed binary heap ordered by
  ``(time_cycles, EVENT_PRIORITY[kind], sequence)``; ``sequence`` increases on
  every push, so the order is total and runs are deterministic;
- a task with no incoming edges is ready at cycle 0 (pushed in task-id order);
- when a task's last dependency is met a READY event is pushed at that time;
  READY either starts the task at once (``NO_RESOURCE``) or appends it to its
  resource's wait heap, ordered by ``(task_prio, arrival sequence)``, and
  schedules one DISPATCH for the resource;
- DISPATCH starts waiting tasks while the resource has free servers;
- starting a task pushes its FINISH at ``start + dur`` and notifies its
  start-to-start successors; FINISH frees the server (and schedules a DISPATCH)
  and notifies its finish-to-start successors.  A notification with a lag is
  an EV_SATISFY event ``lag`` cycles later; without a lag it counts at once.

Everything is integer cycles.  The optional event log records
``(time, LOG_*, task)`` for every ready/start/finish.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pimsim.engine.events import (
    DEP_START_TO_START,
    EV_DISPATCH,
    EV_FINISH,
    EV_READY,
    EV_SATISFY,
    EVENT_PRIORITY,
    LOG_FINISH,
    LOG_READY,
    LOG_START,
)
from pimsim.engine.program import TaskProgram

_PRIO = EVENT_PRIORITY  # module-level constant array, frozen into the compiled code


@njit(cache=True)
def _less(ht, hp, hs, i, j):
    if ht[i] != ht[j]:
        return ht[i] < ht[j]
    if hp[i] != hp[j]:
        return hp[i] < hp[j]
    return hs[i] < hs[j]


@njit(cache=True)
def _swap(a, i, j):
    t = a[i]
    a[i] = a[j]
    a[j] = t


@njit(cache=True)
def _heap_push(ht, hp, hs, hk, hi, n, t, p, s, k, item):
    """Append one entry at index ``n`` and sift it up; returns the new size."""
    ht[n] = t
    hp[n] = p
    hs[n] = s
    hk[n] = k
    hi[n] = item
    c = n
    while c > 0:
        parent = (c - 1) >> 1
        if not _less(ht, hp, hs, c, parent):
            break
        _swap(ht, c, parent)
        _swap(hp, c, parent)
        _swap(hs, c, parent)
        _swap(hk, c, parent)
        _swap(hi, c, parent)
        c = parent
    return n + 1


@njit(cache=True)
def _heap_pop(ht, hp, hs, hk, hi, n):
    """Move the last entry to the root and sift it down (the caller read the root first); returns new size."""
    n -= 1
    ht[0] = ht[n]
    hp[0] = hp[n]
    hs[0] = hs[n]
    hk[0] = hk[n]
    hi[0] = hi[n]
    c = 0
    while True:
        left = 2 * c + 1
        if left >= n:
            break
        best = left
        if left + 1 < n and _less(ht, hp, hs, left + 1, left):
            best = left + 1
        if not _less(ht, hp, hs, best, c):
            break
        _swap(ht, c, best)
        _swap(hp, c, best)
        _swap(hs, c, best)
        _swap(hk, c, best)
        _swap(hi, c, best)
        c = best
    return n


@njit(cache=True)
def _wait_push(wp, ws, wt, off, n, prio, seq, task):
    """Per-resource wait heap living in ``[off, off+n)`` of shared arrays; keys (prio, seq)."""
    c = n
    wp[off + c] = prio
    ws[off + c] = seq
    wt[off + c] = task
    while c > 0:
        parent = (c - 1) >> 1
        a = off + c
        b = off + parent
        if wp[a] > wp[b] or (wp[a] == wp[b] and ws[a] > ws[b]):
            break
        _swap(wp, a, b)
        _swap(ws, a, b)
        _swap(wt, a, b)
        c = parent
    return n + 1


@njit(cache=True)
def _wait_pop(wp, ws, wt, off, n):
    n -= 1
    wp[off] = wp[off + n]
    ws[off] = ws[off + n]
    wt[off] = wt[off + n]
    c = 0
    while True:
        left = 2 * c + 1
        if left >= n:
            break
        best = left
        r = left + 1
        if r < n and (wp[off + r] < wp[off + left] or (wp[off + r] == wp[off + left] and ws[off + r] < ws[off + left])):
            best = r
        a = off + best
        b = off + c
        if wp[a] > wp[b] or (wp[a] == wp[b] and ws[a] > ws[b]):
            break
        _swap(wp, a, b)
        _swap(ws, a, b)
        _swap(wt, a, b)
        c = best
    return n


@njit(cache=True)
def run_kernel(task_res, task_dur, task_prio, res_cap, npred, succ_ptr, succ_task, succ_lag, succ_kind,
               prio_of_kind, log_enabled):
    """Simulate the task graph; returns (start, finish, n_events, log_time, log_kind, log_task).

    ``start``/``finish`` are -1 for tasks that never ran (a dependency cycle).
    """
    n = task_res.shape[0]
    n_res = res_cap.shape[0]
    n_edges = succ_task.shape[0]
    remaining = npred.copy()
    start = np.full(n, -1, np.int64)
    finish = np.full(n, -1, np.int64)
    # Wait-queue segments: resource r owns [woff[r], woff[r] + count of its tasks).
    woff = np.zeros(n_res + 1, np.int64)
    for i in range(n):
        if task_res[i] >= 0:
            woff[task_res[i] + 1] += 1
    for r in range(n_res):
        woff[r + 1] += woff[r]
    wlen = np.zeros(n_res, np.int64)
    wp = np.empty(n, np.int64)
    ws = np.empty(n, np.int64)
    wt = np.empty(n, np.int64)
    free = res_cap.astype(np.int64)
    pending = np.zeros(n_res, np.bool_)
    cap = 2 * n + n_edges + n_res + 1
    ht = np.empty(cap, np.int64)
    hp = np.empty(cap, np.int64)
    hs = np.empty(cap, np.int64)
    hk = np.empty(cap, np.int64)
    hi = np.empty(cap, np.int64)
    nlog = 3 * n if log_enabled else 0
    log_time = np.empty(nlog, np.int64)
    log_kind = np.empty(nlog, np.int8)
    log_task = np.empty(nlog, np.int64)
    nl = 0
    hn = 0
    seq = 0
    wseq = 0
    events = 0
    for i in range(n):
        if remaining[i] == 0:
            hn = _heap_push(ht, hp, hs, hk, hi, hn, 0, prio_of_kind[EV_READY], seq, EV_READY, i)
            seq += 1
    while hn > 0:
        t = ht[0]
        kind = hk[0]
        item = hi[0]
        hn = _heap_pop(ht, hp, hs, hk, hi, hn)
        events += 1
        if kind == EV_FINISH:
            finish[item] = t
            if log_enabled:
                log_time[nl] = t
                log_kind[nl] = LOG_FINISH
                log_task[nl] = item
                nl += 1
            r = task_res[item]
            if r >= 0:
                free[r] += 1
                if not pending[r] and wlen[r] > 0:
                    pending[r] = True
                    hn = _heap_push(ht, hp, hs, hk, hi, hn, t, prio_of_kind[EV_DISPATCH], seq, EV_DISPATCH, r)
                    seq += 1
            # NOTE: notification inlined (not a helper) for performance; mirrors the start-to-start loop below.
            for e in range(succ_ptr[item], succ_ptr[item + 1]):
                if succ_kind[e] == DEP_START_TO_START:
                    continue
                s = succ_task[e]
                if succ_lag[e] > 0:
                    hn = _heap_push(ht, hp, hs, hk, hi, hn, t + succ_lag[e], prio_of_kind[EV_SATISFY], seq, EV_SATISFY, s)
                    seq += 1
                else:
                    remaining[s] -= 1
                    if remaining[s] == 0:
                        hn = _heap_push(ht, hp, hs, hk, hi, hn, t, prio_of_kind[EV_READY], seq, EV_READY, s)
                        seq += 1
        elif kind == EV_SATISFY:
            remaining[item] -= 1
            if remaining[item] == 0:
                hn = _heap_push(ht, hp, hs, hk, hi, hn, t, prio_of_kind[EV_READY], seq, EV_READY, item)
                seq += 1
        elif kind == EV_READY:
            if log_enabled:
                log_time[nl] = t
                log_kind[nl] = LOG_READY
                log_task[nl] = item
                nl += 1
            r = task_res[item]
            if r < 0:
                hn, seq, nl = _start(item, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining, start,
                                     ht, hp, hs, hk, hi, hn, seq, prio_of_kind, log_enabled, log_time, log_kind,
                                     log_task, nl)
            else:
                wlen[r] = _wait_push(wp, ws, wt, woff[r], wlen[r], task_prio[item], wseq, item)
                wseq += 1
                if not pending[r]:
                    pending[r] = True
                    hn = _heap_push(ht, hp, hs, hk, hi, hn, t, prio_of_kind[EV_DISPATCH], seq, EV_DISPATCH, r)
                    seq += 1
        else:
            r = item
            pending[r] = False
            while free[r] > 0 and wlen[r] > 0:
                task = wt[woff[r]]
                wlen[r] = _wait_pop(wp, ws, wt, woff[r], wlen[r])
                free[r] -= 1
                hn, seq, nl = _start(task, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining, start,
                                     ht, hp, hs, hk, hi, hn, seq, prio_of_kind, log_enabled, log_time, log_kind,
                                     log_task, nl)
    return start, finish, events, log_time[:nl], log_kind[:nl], log_task[:nl]


@njit(cache=True)
def _start(task, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining, start, ht, hp, hs, hk, hi, hn,
           seq, prio_of_kind, log_enabled, log_time, log_kind, log_task, nl):
    start[task] = t
    if log_enabled:
        log_time[nl] = t
        log_kind[nl] = LOG_START
        log_task[nl] = task
        nl += 1
    hn = _heap_push(ht, hp, hs, hk, hi, hn, t + task_dur[task], prio_of_kind[EV_FINISH], seq, EV_FINISH, task)
    seq += 1
    for e in range(succ_ptr[task], succ_ptr[task + 1]):
        if succ_kind[e] != DEP_START_TO_START:
            continue
        s = succ_task[e]
        if succ_lag[e] > 0:
            hn = _heap_push(ht, hp, hs, hk, hi, hn, t + succ_lag[e], prio_of_kind[EV_SATISFY], seq, EV_SATISFY, s)
            seq += 1
        else:
            remaining[s] -= 1
            if remaining[s] == 0:
                hn = _heap_push(ht, hp, hs, hk, hi, hn, t, prio_of_kind[EV_READY], seq, EV_READY, s)
                seq += 1
    return hn, seq, nl


def simulate_program(program: TaskProgram, log: bool = False):
    """Run a program through the Numba kernel.

    Returns
    -------
    dict
        ``start_cycles``, ``finish_cycles`` (int64[n]), ``events`` (int), and
        when ``log`` is true ``log`` = (time_cycles, LOG_* code, task) arrays.
    """
    start, finish, events, lt, lk, li = run_kernel(
        program.task_res, program.task_dur, program.task_prio, program.res_cap, program.npred, program.succ_ptr,
        program.succ_task, program.succ_lag, program.succ_kind, _PRIO, log)
    out = {"start_cycles": start, "finish_cycles": finish, "events": int(events)}
    if log:
        out["log"] = (lt, lk.astype(np.int64), li)
    return out
