"""The Numba event kernel: plain ``@njit(cache=True)`` functions over arrays.

Semantics (identical to ``pimsim.engine.reference``, checked by a property test):

- events are processed in ``(time_cycles, EVENT_PRIORITY[kind], sequence)``
  order (see ``pimsim.engine.events``); FINISH and SATISFY, which lie in the
  future, wait in an array-backed 4-ary heap keyed by one integer
  ``((time * 2 + priority) << seq_bits) | sequence``; READY and DISPATCH happen "now" and wait in two FIFOs that are
  drained after the heap's events of the current cycle; FINISH events of zero-duration tasks also happen "now"
  and wait in a third FIFO merged with the heap by key (they are created in sequence order);
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
    EV_DISPATCH,
    EV_FINISH,
    EV_READY,
    EV_SATISFY,
    LOG_FINISH,
    LOG_READY,
    LOG_START,
)
from pimsim.engine.program import TaskProgram


@njit(cache=True)
def run_kernel(task_res, task_dur, task_prio, res_cap, npred, succ_ptr, succ_mid, succ_task, succ_lag, log_enabled,
               seq_bits):
    """Simulate the task graph; returns (start, finish, n_events, log_time, log_kind, log_task).

    ``start``/``finish`` are -1 for tasks that never ran (a dependency cycle).

    NOTE: one function with the heap operations written out, no helper calls: passing an array to a
    function (even an ``inline="always"`` one) costs an atomic reference-count increment and decrement
    per call, which profiling showed to be half of the kernel's time.  Each loop iteration does one
    step of an event (one DISPATCH that starts k tasks takes k iterations, counted as one event), so
    starting a task and notifying successors each appear once in the loop.

    Main heap: a 4-ary min-heap of keys ``((time * 2 + priority) << seq_bits) | sequence`` (priority 0
    FINISH, 1 SATISFY), ordering (time, priority, sequence) with one integer comparison; the event's
    task is ``seq_item[sequence]``.  Wait heaps: resource ``r`` owns the 4-ary min-heap
    ``wk[woff[r]:woff[r] + wlen[r]]`` of keys ``task_prio << 32 | arrival``; the task is ``wseq_task[arrival]``.
    """
    n = task_res.shape[0]
    n_res = res_cap.shape[0]
    remaining = npred.copy()
    start = np.full(n, -1, np.int64)
    finish = np.full(n, -1, np.int64)
    woff = np.zeros(n_res + 1, np.int64)
    for i in range(n):
        if task_res[i] >= 0:
            woff[task_res[i] + 1] += 1
    for r in range(n_res):
        woff[r + 1] += woff[r]
    wlen = np.zeros(n_res, np.int64)
    wk = np.empty(n, np.int64)
    wseq_task = np.empty(n, np.int32)  # each task queues once
    free = res_cap.astype(np.int64)
    pending = np.zeros(n_res, np.bool_)
    cap = n + succ_task.shape[0] + 1
    hkey = np.empty(cap, np.int64)
    seq_item = np.empty(cap, np.int32)
    seq_mask = (np.int64(1) << seq_bits) - 1
    tshift = seq_bits + 1
    # Zero-duration FINISH events happen "now" and are created in sequence order, so they wait in a FIFO
    # merged with the heap by key instead of sifting through the heap (same order, less work).
    nowq = np.empty(n, np.int64)
    nhead = 0
    ntail = 0
    readyq = np.empty(n, np.int32)  # each task becomes ready once: a plain array FIFO
    dispq = np.empty(n_res + 1, np.int32)  # ring buffer; a resource is queued at most once at a time
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
    disp_r = -1  # resource whose DISPATCH is still handing out servers
    for i in range(n):
        if remaining[i] == 0:
            readyq[rtail] = i
            rtail += 1
    while True:
        st = -1  # task to start in this step
        e0 = 0  # successor edges [e0, e1) to notify in this step
        e1 = 0
        t = now
        if disp_r >= 0:
            r = disp_r
            off = woff[r]
            if free[r] > 0 and wlen[r] > 0:
                st = wseq_task[wk[off] & 0xFFFFFFFF]
                free[r] -= 1
                # pop the wait heap's root: sift the last entry down
                m = wlen[r] - 1
                wlen[r] = m
                key = wk[off + m]
                c = 0
                while True:
                    first = 4 * c + 1
                    if first >= m:
                        break
                    best = first
                    bk = wk[off + first]
                    for j in range(first + 1, min(first + 4, m)):
                        kj = wk[off + j]
                        if kj < bk:
                            best = j
                            bk = kj
                    if key < bk:
                        break
                    wk[off + c] = bk
                    c = best
                wk[off + c] = key
            else:
                disp_r = -1
                continue
        else:
            if nhead < ntail and (hn == 0 or nowq[nhead] < hkey[0]):
                kind = EV_FINISH
                item = seq_item[nowq[nhead] & seq_mask]
                nhead += 1
            elif hn > 0 and (hkey[0] >> tshift) == now:
                top = hkey[0]
                kind = EV_FINISH if ((top >> seq_bits) & 1) == 0 else EV_SATISFY
                item = seq_item[top & seq_mask]
                # pop the heap's root: sift the last entry down
                hn -= 1
                key = hkey[hn]
                c = 0
                while True:
                    first = 4 * c + 1
                    if first >= hn:
                        break
                    best = first
                    bk = hkey[first]
                    for j in range(first + 1, min(first + 4, hn)):
                        kj = hkey[j]
                        if kj < bk:
                            best = j
                            bk = kj
                    if key < bk:
                        break
                    hkey[c] = bk
                    c = best
                hkey[c] = key
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
                e0 = succ_ptr[item]
                e1 = succ_mid[item]
            elif kind == EV_SATISFY:
                remaining[item] -= 1
                if remaining[item] == 0:
                    readyq[rtail] = item
                    rtail += 1
                continue
            elif kind == EV_READY:
                if log_enabled:
                    log_time[nl] = t
                    log_kind[nl] = LOG_READY
                    log_task[nl] = item
                    nl += 1
                r = task_res[item]
                if r < 0:
                    st = item
                else:
                    # push (task_prio, arrival) onto the resource's wait heap: sift up
                    off = woff[r]
                    key = (task_prio[item] << 32) | wseq
                    c = wlen[r]
                    wlen[r] = c + 1
                    while c > 0:
                        parent = (c - 1) >> 2
                        pk = wk[off + parent]
                        if pk < key:
                            break
                        wk[off + c] = pk
                        c = parent
                    wk[off + c] = key
                    wseq_task[wseq] = item
                    wseq += 1
                    if not pending[r]:
                        pending[r] = True
                        dispq[dtail] = r
                        dtail = dtail + 1 if dtail + 1 < dsize else 0
                    continue
            else:
                pending[item] = False
                disp_r = item
                continue
        if st >= 0:
            start[st] = t
            if log_enabled:
                log_time[nl] = t
                log_kind[nl] = LOG_START
                log_task[nl] = st
                nl += 1
            dur = task_dur[st]
            key = (((t + dur) << 1) << seq_bits) | seq
            seq_item[seq] = st
            seq += 1
            if dur == 0:
                nowq[ntail] = key
                ntail += 1
            else:
                c = hn
                hn += 1
                while c > 0:
                    parent = (c - 1) >> 2
                    pk = hkey[parent]
                    if pk < key:
                        break
                    hkey[c] = pk
                    c = parent
                hkey[c] = key
            e0 = succ_mid[st]
            e1 = succ_ptr[st + 1]
        for e in range(e0, e1):
            s = succ_task[e]
            lag = succ_lag[e]
            if lag > 0:
                key = ((((t + lag) << 1) | 1) << seq_bits) | seq
                seq_item[seq] = s
                seq += 1
                c = hn
                hn += 1
                while c > 0:
                    parent = (c - 1) >> 2
                    pk = hkey[parent]
                    if pk < key:
                        break
                    hkey[c] = pk
                    c = parent
                hkey[c] = key
            else:
                remaining[s] -= 1
                if remaining[s] == 0:
                    readyq[rtail] = s
                    rtail += 1
    return start, finish, events, log_time[:nl], log_kind[:nl], log_task[:nl]


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
        program.succ_mid, program.succ_task, program.succ_lag, log, heap_key_bits(program))
    out = {"start_cycles": start, "finish_cycles": finish, "events": int(events)}
    if log:
        out["log"] = (lt, lk.astype(np.int64), li)
    return out
