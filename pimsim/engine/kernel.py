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

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
from pimsim.engine.program import StreamTasks, TaskProgram, single_stream


@njit(cache=True)
def _grown(a, need):
    """``a`` copied into an array of at least ``need`` entries (twice its length or more)."""
    out = np.empty(max(need, 2 * a.shape[0], 16), a.dtype)
    out[:a.shape[0]] = a
    return out


@njit(cache=True)
def _ring_grown(a, head, tail, need):
    """Ring buffer ``a`` (power-of-two length; entries ``head..tail-1`` at ``counter & (len - 1)``) copied into a
    power-of-two one of at least ``need`` entries, each at the same counter."""
    n = a.shape[0]
    while n < need:
        n *= 2
    out = np.empty(n, a.dtype)
    for c in range(head, tail):
        out[c & (n - 1)] = a[c & (a.shape[0] - 1)]
    return out


@njit(cache=True)
def _open_query(q, sl, t_off, npred, xin_ptr, xin_credits, slot_of, left, remaining, start, finish, size):
    """Slot ``sl`` starts holding query ``q``: its template's dependency counts plus its incoming credit edges."""
    k = q % (t_off.shape[0] - 1)
    lo = t_off[k]
    n = t_off[k + 1] - lo
    base = sl * size
    for i in range(n):
        c = npred[lo + i]
        for x in range(xin_ptr[lo + i], xin_ptr[lo + i + 1]):
            if xin_credits[x] <= q:
                c += 1
        remaining[base + i] = c
        start[base + i] = -1
        finish[base + i] = -1
    slot_of[q] = sl
    left[sl] = n


# Scalar state of a run, kept in one int64 array between calls of ``_steps`` (the indices below).
_NOW, _SEQ, _WSEQ, _EVENTS, _FINISHED, _HN, _NHEAD, _NTAIL, _RHEAD, _RTAIL, _DHEAD, _DTAIL, _DISP, _NL, _CRIT_Q, \
    _CRIT_LAT, _NFREE, _WEND, _MAXWCAP = range(19)
_DONE, _GROW_READY, _GROW_HEAP, _GROW_NOW, _GROW_WAIT, _GROW_WINDOW = range(6)


@njit(cache=True, inline="always")
def _sift_up(keys, items, off, c, key, item):
    """Put ``(key, item)`` at free position ``c`` of the 4-ary min-heap stored from ``keys[off]``, moving each
    larger parent down one level (the one sift-up of the resources' wait heaps and of the event heap)."""
    while c > 0:
        parent = (c - 1) >> 2
        pk = keys[off + parent]
        if pk < key:
            break
        keys[off + c] = pk
        items[off + c] = items[off + parent]
        c = parent
    keys[off + c] = key
    items[off + c] = item


@njit(cache=True)
def _steps(S, t_off, task_res, task_dur, task_prio, npred, succ_ptr, succ_mid, succ_task, succ_lag, x_ptr, x_dq,
           x_task, xin_ptr, xin_credits, batch, prio_per_query, n_keep, log_enabled, seq_bits, max_push, max_open,
           size, slot_of, free_slots, left, remaining, start, finish, woff, wcap, wlen, wk, wt, free, pending, hkey,
           hitem, nowk, nowi, readyq, dispq, q_off, q_first, q_last, keep_start, keep_finish, crit_start, crit_finish,
           res_first, res_last, log_time, log_kind, log_task):
    """Process events until the stream is done (returns ``_DONE``) or a buffer lacks room for one more step
    (returns which: the caller grows it and calls again).  The room is checked before each step, so a step is
    never cut in half; growing changes where state lives, not the order of events."""
    n_tpl = t_off.shape[0] - 1
    lmask = np.int64(0xFFFFFFFF)
    now, seq, wseq, events, finished = S[_NOW], S[_SEQ], S[_WSEQ], S[_EVENTS], S[_FINISHED]
    hn, nhead, ntail, rhead, rtail = S[_HN], S[_NHEAD], S[_NTAIL], S[_RHEAD], S[_RTAIL]
    dhead, dtail, disp_r, nl = S[_DHEAD], S[_DTAIL], S[_DISP], S[_NL]
    crit_q, crit_lat, n_free, wend, max_wcap = S[_CRIT_Q], S[_CRIT_LAT], S[_NFREE], S[_WEND], S[_MAXWCAP]
    rmask = readyq.shape[0] - 1
    nmask = nowk.shape[0] - 1
    dsize = dispq.shape[0]
    tshift = seq_bits + 1
    code = _DONE
    while True:
        if rtail - rhead + max_push > readyq.shape[0]:
            code = _GROW_READY
            break
        if hn + max_push > hkey.shape[0]:
            code = _GROW_HEAP
            break
        if ntail - nhead + 1 > nowk.shape[0]:
            code = _GROW_NOW
            break
        if wend + 2 * max_wcap + 4 > wk.shape[0]:
            code = _GROW_WAIT
            break
        if n_free < max_open:
            code = _GROW_WINDOW
            break
        st = -1  # item of the task to start in this step
        e0 = 0  # template edges [e0, e1) and credit edges [x0, x1) of query src_q to notify in this step
        e1 = 0
        x0 = 0
        x1 = 0
        src_q = 0
        retire = -1  # query whose last task finished in this step
        t = now
        if disp_r >= 0:
            r = disp_r
            off = woff[r]
            if free[r] > 0 and wlen[r] > 0:
                st = wt[off]
                free[r] -= 1
                # pop the wait heap's root: sift the last entry down
                m = wlen[r] - 1
                wlen[r] = m
                key = wk[off + m]
                kitem = wt[off + m]
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
                    wt[off + c] = wt[off + best]
                    c = best
                wk[off + c] = key
                wt[off + c] = kitem
            else:
                disp_r = -1
                continue
        else:
            if nhead < ntail and (hn == 0 or nowk[nhead & nmask] < hkey[0]):
                kind = EV_FINISH
                item = nowi[nhead & nmask]
                nhead += 1
            elif hn > 0 and (hkey[0] >> tshift) == now:
                top = hkey[0]
                kind = EV_FINISH if ((top >> seq_bits) & 1) == 0 else EV_SATISFY
                item = hitem[0]
                # pop the heap's root: sift the last entry down
                hn -= 1
                key = hkey[hn]
                kitem = hitem[hn]
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
                    hitem[c] = hitem[best]
                    c = best
                hkey[c] = key
                hitem[c] = kitem
            elif rhead < rtail:
                kind = EV_READY
                item = readyq[rhead & rmask]
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
            if kind == EV_DISPATCH:
                pending[item] = False
                disp_r = item
                continue
            q = item >> 32
            loc = item & lmask
            g = t_off[q % n_tpl] + loc
            if kind == EV_FINISH:
                sl = slot_of[q]
                finish[sl * size + loc] = t
                finished += 1
                if log_enabled:
                    log_time[nl] = t
                    log_kind[nl] = LOG_FINISH
                    log_task[nl] = q_off[q] + loc
                    nl += 1
                r = task_res[g]
                if r >= 0:
                    free[r] += 1
                    res_last[r] = t
                    if not pending[r] and wlen[r] > 0:
                        pending[r] = True
                        dispq[dtail] = r
                        dtail = dtail + 1 if dtail + 1 < dsize else 0
                q_last[q] = t
                left[sl] -= 1
                if left[sl] == 0:
                    retire = q
                src_q = q
                e0 = succ_ptr[g]
                e1 = succ_mid[g]
                x0 = x_ptr[g]
                x1 = x_ptr[g + 1]
            elif kind == EV_SATISFY:
                idx = slot_of[q] * size + loc
                remaining[idx] -= 1
                if remaining[idx] == 0:
                    readyq[rtail & rmask] = item
                    rtail += 1
                continue
            else:  # EV_READY
                if slot_of[q] < 0:  # a task without dependencies: the first of its query
                    n_free -= 1
                    _open_query(q, free_slots[n_free], t_off, npred, xin_ptr, xin_credits, slot_of, left, remaining,
                                start, finish, size)
                if log_enabled:
                    log_time[nl] = t
                    log_kind[nl] = LOG_READY
                    log_task[nl] = q_off[q] + loc
                    nl += 1
                r = task_res[g]
                if r < 0:
                    st = item
                else:
                    if wlen[r] == wcap[r]:  # move the resource's wait heap to a segment twice as large
                        ncap = max(4, 2 * wcap[r])
                        o = woff[r]
                        for j in range(wlen[r]):
                            wk[wend + j] = wk[o + j]
                            wt[wend + j] = wt[o + j]
                        woff[r] = wend
                        wcap[r] = ncap
                        wend += ncap
                        max_wcap = max(max_wcap, ncap)
                    # push (priority, arrival) onto the resource's wait heap: sift up
                    off = woff[r]
                    key = ((task_prio[g] + q * prio_per_query) << 32) | wseq
                    c = wlen[r]
                    wlen[r] = c + 1
                    _sift_up(wk, wt, off, c, key, item)
                    wseq += 1
                    if not pending[r]:
                        pending[r] = True
                        dispq[dtail] = r
                        dtail = dtail + 1 if dtail + 1 < dsize else 0
                    continue
        if st >= 0:
            q = st >> 32
            loc = st & lmask
            g = t_off[q % n_tpl] + loc
            start[slot_of[q] * size + loc] = t
            if q_first[q] < 0:
                q_first[q] = t
            if log_enabled:
                log_time[nl] = t
                log_kind[nl] = LOG_START
                log_task[nl] = q_off[q] + loc
                nl += 1
            r = task_res[g]
            if r >= 0 and res_first[r] < 0:
                res_first[r] = t
            dur = task_dur[g]
            key = (((t + dur) << 1) << seq_bits) | seq
            seq += 1
            if dur == 0:
                nowk[ntail & nmask] = key
                nowi[ntail & nmask] = st
                ntail += 1
            else:
                _sift_up(hkey, hitem, 0, hn, key, st)
                hn += 1
            src_q = q
            e0 = succ_mid[g]
            e1 = succ_ptr[g + 1]
        if e1 > e0:
            base = slot_of[src_q] * size
            qhi = src_q << 32
            for e in range(e0, e1):
                s = succ_task[e]
                lag = succ_lag[e]
                if lag > 0:
                    key = ((((t + lag) << 1) | 1) << seq_bits) | seq
                    seq += 1
                    _sift_up(hkey, hitem, 0, hn, key, qhi | s)
                    hn += 1
                else:
                    remaining[base + s] -= 1
                    if remaining[base + s] == 0:
                        readyq[rtail & rmask] = qhi | s
                        rtail += 1
        for x in range(x0, x1):  # credit edges to later queries (finish-to-start, no lag)
            tq = src_q + x_dq[x]
            if tq >= batch:
                continue
            if slot_of[tq] < 0:
                n_free -= 1
                _open_query(tq, free_slots[n_free], t_off, npred, xin_ptr, xin_credits, slot_of, left, remaining,
                            start, finish, size)
            idx = slot_of[tq] * size + x_task[x]
            remaining[idx] -= 1
            if remaining[idx] == 0:
                readyq[rtail & rmask] = (tq << 32) | x_task[x]
                rtail += 1
        if retire >= 0:  # the query's last task finished: keep what the report needs, free its slot
            sl = slot_of[retire]
            base = sl * size
            n = t_off[retire % n_tpl + 1] - t_off[retire % n_tpl]
            if retire < n_keep:
                keep_start[retire * size:retire * size + n] = start[base:base + n]
                keep_finish[retire * size:retire * size + n] = finish[base:base + n]
            lat = q_last[retire] - q_first[retire]
            if lat > crit_lat or (lat == crit_lat and retire < crit_q):
                crit_lat = lat
                crit_q = retire
                crit_start[:n] = start[base:base + n]
                crit_finish[:n] = finish[base:base + n]
            slot_of[retire] = -2  # done: never opened again
            free_slots[n_free] = sl
            n_free += 1
    S[_NOW], S[_SEQ], S[_WSEQ], S[_EVENTS], S[_FINISHED] = now, seq, wseq, events, finished
    S[_HN], S[_NHEAD], S[_NTAIL], S[_RHEAD], S[_RTAIL] = hn, nhead, ntail, rhead, rtail
    S[_DHEAD], S[_DTAIL], S[_DISP], S[_NL] = dhead, dtail, disp_r, nl
    S[_CRIT_Q], S[_CRIT_LAT], S[_NFREE], S[_WEND], S[_MAXWCAP] = crit_q, crit_lat, n_free, wend, max_wcap
    return code


@njit(cache=True)
def run_kernel(t_off, task_res, task_dur, task_prio, npred, succ_ptr, succ_mid, succ_task, succ_lag, x_ptr, x_dq,
               x_task, xin_ptr, xin_credits, res_cap, batch, prio_per_query, n_keep, log_enabled, seq_bits):
    """Simulate a stream (``pimsim.engine.program.StreamTasks``' fields); returns, in this order:

    ``q_first``, ``q_last`` (int64[batch]: each query's first task start and last task finish), ``keep_start``,
    ``keep_finish`` (int64[n_keep x size]: every task of queries ``q < n_keep`` at ``q x size + local``, -1 for
    a task that never ran; ``size`` the largest template), ``crit_q`` (the query with the longest
    ``q_last - q_first``, the lowest on ties), ``crit_start``, ``crit_finish`` (int64[size]: its tasks),
    ``res_first``, ``res_last`` (int64[resources]: first start and last finish on each resource, -1 if unused),
    ``events``, ``finished`` (tasks that ran), ``slots`` (query slots allocated), the bytes of its work arrays at
    the end (besides these returns and the log), and the event log
    ``(time, LOG_*, stream task id)``.

    State is held per query slot, only for queries in flight: a query takes a free slot when its first task
    becomes ready or a credit edge reaches it, and gives it back when its last task finished; slots, queues
    and heaps grow (by doubling, between steps) when a step might not fit.  The event order is the one the
    module docstring states, with the same heap keys, sequence numbers and wait-heap keys as the program laid
    out whole (``pimsim.program.stream.layout_stream``), so where the state lives does not change the schedule.

    The event loop (``_steps``) is one function with the heap operations written out: passing an array to a
    function costs an atomic reference-count increment and decrement per call, and so does an array variable
    reassigned inside a loop (profiling showed either to be half of the kernel's time); only rare operations
    (opening a query) are calls, and buffers are replaced out here, between calls of ``_steps``.  Each loop
    iteration does one step of an event (one DISPATCH that starts k tasks takes k iterations, counted as one
    event).  Event items and wait-heap entries are ``query << 32 | local``.

    Main heap: a 4-ary min-heap of keys ``((time * 2 + priority) << seq_bits) | sequence`` (priority 0
    FINISH, 1 SATISFY) with the items alongside.  Wait heaps: resource ``r`` owns the 4-ary min-heap
    ``wk[woff[r]:woff[r] + wlen[r]]`` of keys ``prio << 32 | arrival`` (items in ``wt``), in a segment of a
    shared pool that moves to the pool's end, twice as large, when full.
    """
    n_tpl = t_off.shape[0] - 1
    size = 1
    max_push = 1
    max_open = 1
    for k in range(n_tpl):
        size = max(size, t_off[k + 1] - t_off[k])
    for i in range(t_off[n_tpl]):
        max_push = max(max_push, succ_ptr[i + 1] - succ_ptr[i] + x_ptr[i + 1] - x_ptr[i] + 1)
        max_open = max(max_open, x_ptr[i + 1] - x_ptr[i])
    n_total = 0
    for q in range(batch):
        n_total += t_off[q % n_tpl + 1] - t_off[q % n_tpl]
    n_res = res_cap.shape[0]
    S = np.zeros(19, np.int64)
    S[_DISP] = -1
    S[_CRIT_Q] = -1
    S[_CRIT_LAT] = -1
    q_first = np.full(batch, -1, np.int64)
    q_last = np.full(batch, -1, np.int64)
    keep_start = np.full(n_keep * size, -1, np.int64)
    keep_finish = np.full(n_keep * size, -1, np.int64)
    crit_start = np.full(size, -1, np.int64)
    crit_finish = np.full(size, -1, np.int64)
    res_first = np.full(n_res, -1, np.int64)
    res_last = np.full(n_res, -1, np.int64)
    slot_of = np.full(batch, -1, np.int64)
    slots = max(2, max_open)
    free_slots = np.arange(slots - 1, -1, -1).astype(np.int64)  # a stack: slot 0 is handed out first
    S[_NFREE] = slots
    left = np.zeros(slots, np.int64)
    remaining = np.zeros(slots * size, np.int32)
    start = np.full(slots * size, -1, np.int64)
    finish = np.full(slots * size, -1, np.int64)
    woff = np.zeros(n_res, np.int64)
    wcap = np.zeros(n_res, np.int64)
    wlen = np.zeros(n_res, np.int64)
    wk = np.empty(1024, np.int64)
    wt = np.empty(1024, np.int64)
    free = res_cap.astype(np.int64)
    pending = np.zeros(n_res, np.bool_)
    cap = 64
    while cap < 2 * max_push:
        cap *= 2
    hkey = np.empty(cap, np.int64)
    hitem = np.empty(cap, np.int64)
    nowk = np.empty(64, np.int64)
    nowi = np.empty(64, np.int64)
    readyq = np.empty(cap, np.int64)
    dispq = np.empty(n_res + 1, np.int32)  # ring buffer; a resource is queued at most once at a time
    nlog = 3 * n_total if log_enabled else 0
    log_time = np.empty(nlog, np.int64)
    log_kind = np.empty(nlog, np.int8)
    log_task = np.empty(nlog, np.int64)
    q_off = np.zeros(batch + 1 if log_enabled else 1, np.int64)
    if log_enabled:
        for q in range(batch):
            q_off[q + 1] = q_off[q] + t_off[q % n_tpl + 1] - t_off[q % n_tpl]
    # Tasks without dependencies are ready at cycle 0, in stream order.
    rtail = 0
    for q in range(batch):
        k = q % n_tpl
        for i in range(t_off[k], t_off[k + 1]):
            if npred[i] != 0:
                continue
            gated = False
            for x in range(xin_ptr[i], xin_ptr[i + 1]):
                if xin_credits[x] <= q:
                    gated = True
            if not gated:
                if rtail == readyq.shape[0]:
                    readyq = _ring_grown(readyq, 0, rtail, rtail + 1)
                readyq[rtail] = (q << 32) | (i - t_off[k])
                rtail += 1
    S[_RTAIL] = rtail
    while True:
        code = _steps(S, t_off, task_res, task_dur, task_prio, npred, succ_ptr, succ_mid, succ_task, succ_lag, x_ptr,
                      x_dq, x_task, xin_ptr, xin_credits, batch, prio_per_query, n_keep, log_enabled, seq_bits,
                      max_push, max_open, size, slot_of, free_slots, left, remaining, start, finish, woff, wcap,
                      wlen, wk, wt, free, pending, hkey, hitem, nowk, nowi, readyq, dispq, q_off, q_first, q_last,
                      keep_start, keep_finish, crit_start, crit_finish, res_first, res_last, log_time, log_kind,
                      log_task)
        if code == _DONE:
            break
        if code == _GROW_READY:
            readyq = _ring_grown(readyq, S[_RHEAD], S[_RTAIL], 2 * readyq.shape[0])
        elif code == _GROW_HEAP:
            hkey = _grown(hkey, 2 * hkey.shape[0])
            hitem = _grown(hitem, 2 * hitem.shape[0])
        elif code == _GROW_NOW:
            nowk = _ring_grown(nowk, S[_NHEAD], S[_NTAIL], 2 * nowk.shape[0])
            nowi = _ring_grown(nowi, S[_NHEAD], S[_NTAIL], 2 * nowi.shape[0])
        elif code == _GROW_WAIT:
            wk = _grown(wk, 2 * wk.shape[0] + 2 * S[_MAXWCAP] + 4)
            wt = _grown(wt, wk.shape[0])
        else:  # _GROW_WINDOW: twice the slots; the new ones go on the free stack
            more = max(slots, max_open)
            left = _grown(left, slots + more)
            remaining = _grown(remaining, (slots + more) * size)
            start = _grown(start, (slots + more) * size)
            finish = _grown(finish, (slots + more) * size)
            stack = np.empty(slots + more, np.int64)
            n_free = S[_NFREE]
            stack[:n_free] = free_slots[:n_free]
            for j in range(more):
                stack[n_free + j] = slots + more - 1 - j
            free_slots = stack
            S[_NFREE] = n_free + more
            slots += more
    for q in range(min(n_keep, batch)):  # queries that never finished (a dependency cycle): keep what ran
        sl = slot_of[q]
        if sl >= 0:
            n = t_off[q % n_tpl + 1] - t_off[q % n_tpl]
            keep_start[q * size:q * size + n] = start[sl * size:sl * size + n]
            keep_finish[q * size:q * size + n] = finish[sl * size:sl * size + n]
    work = 8 * (S.size + slot_of.size + free_slots.size + left.size + start.size + finish.size + woff.size + wcap.size
                + wlen.size + wk.size + wt.size + free.size + hkey.size + hitem.size + nowk.size + nowi.size
                + readyq.size + q_off.size) + 4 * (remaining.size + dispq.size) + pending.size
    return (q_first, q_last, keep_start, keep_finish, S[_CRIT_Q], crit_start, crit_finish, res_first, res_last,
            S[_EVENTS], S[_FINISHED], slots, work, log_time[:S[_NL]], log_kind[:S[_NL]], log_task[:S[_NL]])


def heap_key_bits(stream: StreamTasks) -> int:
    """Bits of the heap sequence number; raises if time could overflow the rest of the 63-bit key.

    A program cannot outlast running all its tasks and lags one after another, so
    ``sum(dur) + sum(lag)`` bounds every event time.
    """
    n_tasks = stream.n_tasks
    seq_bits = max(1, int(n_tasks + stream.n_edges + 1).bit_length())
    horizon = stream.horizon_cycles()
    if horizon >= 1 << (62 - seq_bits):
        raise ValueError(f"program too long for the kernel's packed keys: {horizon} cycles, "
                         f"{n_tasks} tasks, {stream.n_edges} edges")
    if n_tasks >= 1 << 31 or stream.batch >= 1 << 31:
        raise ValueError("at most 2**31 - 1 tasks and queries (the kernel packs them in 32 bits each)")
    return seq_bits


@dataclass(frozen=True)
class StreamResult:
    """What :func:`simulate_stream` keeps of a run (``run_kernel``'s returns, named)."""

    first_start: np.ndarray
    last_finish: np.ndarray
    kept_start: np.ndarray
    kept_finish: np.ndarray
    critical_query: int
    critical_start: np.ndarray
    critical_finish: np.ndarray
    resource_first_start: np.ndarray
    resource_last_finish: np.ndarray
    events: int
    finished: int
    slots: int
    buffer_bytes: int
    """The kernel's work arrays at the end of the run: query slots, queues and heaps (not the returns)."""
    size: int
    log: tuple | None

    def kept(self, q: int) -> tuple[np.ndarray, np.ndarray]:
        """(start, finish) cycles of every task of kept query ``q`` (``size`` entries, unused ones -1)."""
        lo = q * self.size
        return self.kept_start[lo:lo + self.size], self.kept_finish[lo:lo + self.size]


BLAS_PROBE = "scipy.linalg.cython_blas"
"""What numba's CPU target imports, on its first compile or cache load in a process, only to learn whether a BLAS
is there (``numba.np.arraymath._HAVE_BLAS``, numba 0.68: it picks BLAS or a loop for ``np.vdot``/inner
products); importing it loads ``scipy.linalg`` (0.3-0.5 s measured at load ~2, issue 18)."""


@contextmanager
def no_blas_probe() -> Iterator[None]:
    """Load the kernel with numba's BLAS probe answered "absent" without importing scipy, for a process that runs
    only this kernel (``pimsim run``): the kernel does no linear algebra, so its cached machine code and results
    do not depend on the answer.  The module is hidden only while the block runs (``sys.modules[name] = None``
    makes that one import fail at once, parents untouched) and only when nothing imported it before; afterwards
    scipy imports normally, but numba keeps its answer: later jitted ``np.vdot`` calls in the same process use
    numba's loop instead of BLAS."""
    if BLAS_PROBE in sys.modules:
        yield
        return
    sys.modules[BLAS_PROBE] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if BLAS_PROBE in sys.modules and sys.modules[BLAS_PROBE] is None:
            del sys.modules[BLAS_PROBE]


def simulate_stream(stream: StreamTasks, keep_queries: int = 0, log: bool = False) -> StreamResult:
    """Run a stream through the Numba kernel, keeping every task's times for queries ``< keep_queries`` only."""
    keep = min(int(keep_queries), stream.batch)
    out = run_kernel(stream.t_off, stream.task_res, stream.task_dur, stream.task_prio, stream.npred,
                     stream.succ_ptr, stream.succ_mid, stream.succ_task, stream.succ_lag, stream.x_ptr, stream.x_dq,
                     stream.x_task, stream.xin_ptr, stream.xin_credits, stream.res_cap, stream.batch,
                     stream.prio_per_query, keep, log, heap_key_bits(stream))
    size = max(1, int(np.diff(stream.t_off).max(initial=1)))
    first, last, kept_start, kept_finish, critical, c_start, c_finish, r_first, r_last = out[:9]
    events, finished, slots, buffer_bytes = (int(x) for x in out[9:13])
    lt, lk, li = out[13:16]
    return StreamResult(first, last, kept_start, kept_finish, int(critical), c_start, c_finish, r_first, r_last,
                        events, finished, slots, buffer_bytes, size, (lt, lk.astype(np.int64), li) if log else None)


def simulate_program(program: TaskProgram, log: bool = False):
    """Run a program through the Numba kernel (as a stream of one query).

    Returns
    -------
    dict
        ``start_cycles``, ``finish_cycles`` (int64[n]), ``events`` (int), and
        when ``log`` is true ``log`` = (time_cycles, LOG_* code, task) arrays.
    """
    res = simulate_stream(single_stream(program), 1, log)
    n = program.n_tasks
    out = {"start_cycles": res.kept_start[:n].copy(), "finish_cycles": res.kept_finish[:n].copy(),
           "events": res.events}
    if log:
        out["log"] = res.log
    return out
