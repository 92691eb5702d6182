"""The Numba event kernel: plain ``@njit(cache=True)`` functions over arrays.

Semantics (identical to ``pimsim.engine.reference``, checked by a property test):

- events are processed in ``(time_cycles, EVENT_PRIORITY[kind], sequence)``
  order (see ``pimsim.engine.events``); FINISH and SATISFY, which lie in the
  future, wait in an array-backed 4-ary heap keyed by one integer
  ``((time * 2 + priority) << seq_bits) | sequence``; READY and DISPATCH happen "now" and wait in two FIFOs that are
  drained after the heap's events of the current cycle;
- a task with no incoming edges is ready at cycle 0 (queued in task-id order);
- when a task's last dependency is met it is queued READY at that time;
  READY either starts the task at once (``NO_RESOURCE``) or adds it to its
  resource's wait heap, ordered by ``(task_prio, arrival sequence)``, and
  queues one DISPATCH for the resource (unless one is pending);
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
    LOG_FINISH,
    LOG_READY,
    LOG_START,
)
from pimsim.engine.program import TaskProgram

@njit(cache=True, inline="always")  # NOTE: inlined for performance (no array refcounting per call)
def _heap_push(hkey, hpay, n, key, pay):
    """Append (key, payload) at index ``n`` of a 4-ary min-heap and sift it up; returns the new size.

    ``key = ((time * 2 + priority) << seq_bits) | sequence`` (priority 0 FINISH, 1 SATISFY) orders by
    (time, priority, sequence) with one integer comparison; ``payload = task * 2 + kind``.
    """
    c = n
    while c > 0:
        parent = (c - 1) >> 2
        if hkey[parent] < key:
            break
        hkey[c] = hkey[parent]
        hpay[c] = hpay[parent]
        c = parent
    hkey[c] = key
    hpay[c] = pay
    return n + 1


@njit(cache=True, inline="always")  # NOTE: inlined for performance (no array refcounting per call)
def _heap_pop(hkey, hpay, n):
    """Remove the root (the caller read it first) by sifting the last entry down; returns the new size."""
    n -= 1
    key = hkey[n]
    pay = hpay[n]
    c = 0
    while True:
        first = 4 * c + 1
        if first >= n:
            break
        best = first
        last = min(first + 4, n)
        for j in range(first + 1, last):
            if hkey[j] < hkey[best]:
                best = j
        if key < hkey[best]:
            break
        hkey[c] = hkey[best]
        hpay[c] = hpay[best]
        c = best
    hkey[c] = key
    hpay[c] = pay
    return n


@njit(cache=True, inline="always")  # NOTE: inlined for performance (no array refcounting per call)
def _wait_push(wk, wt, off, n, key, task):
    """Per-resource 4-ary wait heap in ``[off, off+n)`` of shared arrays; ``key = task_prio << 32 | arrival seq``."""
    c = n
    while c > 0:
        parent = (c - 1) >> 2
        if wk[off + parent] < key:
            break
        wk[off + c] = wk[off + parent]
        wt[off + c] = wt[off + parent]
        c = parent
    wk[off + c] = key
    wt[off + c] = task
    return n + 1


@njit(cache=True, inline="always")  # NOTE: inlined for performance (no array refcounting per call)
def _wait_pop(wk, wt, off, n):
    """Remove the head (the caller read ``wt[off]`` first); returns the new size."""
    n -= 1
    key = wk[off + n]
    task = wt[off + n]
    c = 0
    while True:
        first = 4 * c + 1
        if first >= n:
            break
        best = first
        last = min(first + 4, n)
        for j in range(first + 1, last):
            if wk[off + j] < wk[off + best]:
                best = j
        if key < wk[off + best]:
            break
        wk[off + c] = wk[off + best]
        wt[off + c] = wt[off + best]
        c = best
    wk[off + c] = key
    wt[off + c] = task
    return n


@njit(cache=True)
def run_kernel(task_res, task_dur, task_prio, res_cap, npred, succ_ptr, succ_task, succ_lag, succ_kind, log_enabled,
               seq_bits):
    """Simulate the task graph; returns (start, finish, n_events, log_time, log_kind, log_task).

    ``start``/``finish`` are -1 for tasks that never ran (a dependency cycle).
    """
    n = task_res.shape[0]
    n_res = res_cap.shape[0]
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
    wk = np.empty(n, np.int64)
    wt = np.empty(n, np.int64)
    free = res_cap.astype(np.int64)
    pending = np.zeros(n_res, np.bool_)
    cap = n + succ_task.shape[0] + 1
    hkey = np.empty(cap, np.int64)
    hpay = np.empty(cap, np.int64)
    tshift = seq_bits + 1
    readyq = np.empty(n, np.int64)  # each task becomes ready once: a plain array FIFO
    dispq = np.empty(n_res + 1, np.int64)  # ring buffer; a resource is queued at most once at a time
    nlog = 3 * n if log_enabled else 0
    log_time = np.empty(nlog, np.int64)
    log_kind = np.empty(nlog, np.int8)
    log_task = np.empty(nlog, np.int64)
    nl = 0
    hn = 0
    seq = 0
    wseq = 0
    events = 0
    rhead = 0
    rtail = 0
    dhead = 0
    dtail = 0
    dsize = n_res + 1
    now = 0
    for i in range(n):
        if remaining[i] == 0:
            readyq[rtail] = i
            rtail += 1
    while True:
        if hn > 0 and (hkey[0] >> tshift) == now:
            kind = EV_FINISH if ((hkey[0] >> seq_bits) & 1) == 0 else EV_SATISFY
            item = hpay[0] >> 1
            hn = _heap_pop(hkey, hpay, hn)
        elif rhead < rtail:
            kind = EV_READY
            item = readyq[rhead]
            rhead += 1
        elif dhead != dtail:
            kind = EV_DISPATCH
            item = dispq[dhead]
            dhead = dhead + 1 if dhead + 1 < dsize else 0
        elif hn > 0:
            now = hkey[0] >> tshift
            continue
        else:
            break
        events += 1
        t = now
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
                    dispq[dtail] = r
                    dtail = dtail + 1 if dtail + 1 < dsize else 0
            # NOTE: notification inlined for performance; mirrors the start-to-start loop in _start.
            for e in range(succ_ptr[item], succ_ptr[item + 1]):
                if succ_kind[e] == DEP_START_TO_START:
                    continue
                s = succ_task[e]
                if succ_lag[e] > 0:
                    hn = _heap_push(hkey, hpay, hn, ((((t + succ_lag[e]) << 1) | 1) << seq_bits) | seq, s * 2 + 1)
                    seq += 1
                else:
                    remaining[s] -= 1
                    if remaining[s] == 0:
                        readyq[rtail] = s
                        rtail += 1
        elif kind == EV_SATISFY:
            remaining[item] -= 1
            if remaining[item] == 0:
                readyq[rtail] = item
                rtail += 1
        elif kind == EV_READY:
            if log_enabled:
                log_time[nl] = t
                log_kind[nl] = LOG_READY
                log_task[nl] = item
                nl += 1
            r = task_res[item]
            if r < 0:
                hn, seq, rtail, nl = _start(item, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining,
                                            start, hkey, hpay, hn, seq, seq_bits, readyq, rtail, log_enabled, log_time,
                                            log_kind, log_task, nl)
            else:
                wlen[r] = _wait_push(wk, wt, woff[r], wlen[r], (task_prio[item] << 32) | wseq, item)
                wseq += 1
                if not pending[r]:
                    pending[r] = True
                    dispq[dtail] = r
                    dtail = dtail + 1 if dtail + 1 < dsize else 0
        else:
            r = item
            pending[r] = False
            while free[r] > 0 and wlen[r] > 0:
                task = wt[woff[r]]
                wlen[r] = _wait_pop(wk, wt, woff[r], wlen[r])
                free[r] -= 1
                hn, seq, rtail, nl = _start(task, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining,
                                            start, hkey, hpay, hn, seq, seq_bits, readyq, rtail, log_enabled, log_time,
                                            log_kind, log_task, nl)
    return start, finish, events, log_time[:nl], log_kind[:nl], log_task[:nl]


@njit(cache=True, inline="always")  # NOTE: inlined for performance (no array refcounting per call)
def _start(task, t, task_dur, succ_ptr, succ_task, succ_lag, succ_kind, remaining, start, hkey, hpay, hn,
           seq, seq_bits, readyq, rtail, log_enabled, log_time, log_kind, log_task, nl):
    start[task] = t
    if log_enabled:
        log_time[nl] = t
        log_kind[nl] = LOG_START
        log_task[nl] = task
        nl += 1
    hn = _heap_push(hkey, hpay, hn, (((t + task_dur[task]) << 1) << seq_bits) | seq, task * 2)
    seq += 1
    for e in range(succ_ptr[task], succ_ptr[task + 1]):
        if succ_kind[e] != DEP_START_TO_START:
            continue
        s = succ_task[e]
        if succ_lag[e] > 0:
            hn = _heap_push(hkey, hpay, hn, ((((t + succ_lag[e]) << 1) | 1) << seq_bits) | seq, s * 2 + 1)
            seq += 1
        else:
            remaining[s] -= 1
            if remaining[s] == 0:
                readyq[rtail] = s
                rtail += 1
    return hn, seq, rtail, nl


def heap_key_bits(program: TaskProgram) -> int:
    """Bits of the heap sequence number; raises if time could overflow the rest of the 63-bit key.

    A program cannot outlast running all its tasks and lags one after another, so
    ``sum(dur) + sum(lag)`` bounds every event time.
    """
    seq_bits = max(1, int(program.n_tasks + program.n_edges + 1).bit_length())
    horizon = int(program.task_dur.sum()) + int(program.succ_lag.sum())
    if horizon >= 1 << (62 - seq_bits):
        raise ValueError(f"program too long for the kernel's packed keys: {horizon} cycles, "
                         f"{program.n_tasks} tasks, {program.n_edges} edges")
    return seq_bits


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
        program.succ_task, program.succ_lag, program.succ_kind, log, heap_key_bits(program))
    out = {"start_cycles": start, "finish_cycles": finish, "events": int(events)}
    if log:
        out["log"] = (lt, lk.astype(np.int64), li)
    return out
