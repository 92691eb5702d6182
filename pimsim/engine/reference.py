"""The pure-Python twin of the kernel: slow, readable, built on ``heapq``.

It implements exactly the semantics documented in ``pimsim.engine.kernel``
(same event kinds, priorities, sequence numbers and wait-queue order), so the
property test in ``tests/pimsim/engine`` can demand identical event logs.  It runs a
whole program (every task of every query in one array); the kernel runs a stream
keeping state for the queries in flight only, and ``tests/pimsim/program/test_stream_layout.py``
demands the twin's event log from it on a laid-out stream.
Use it to read what the kernel does, and as the baseline of
``benchmarks/engine_kernel.py``.
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from pimsim.engine.events import (
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

_PRIORITY = tuple(EVENT_PRIORITY.tolist())  # a tuple: indexing a NumPy array per event is slow in Python


class _Engine:
    def __init__(self, p: TaskProgram, log: bool):
        self.res = p.task_res.tolist()
        self.dur = p.task_dur.tolist()
        self.prio = p.task_prio.tolist()
        self.remaining = p.npred.tolist()
        # Edges as Python lists: finish-to-start ones of task i are succ[ptr[i]:mid[i]], start-to-start ones
        # succ[mid[i]:ptr[i + 1]] (see TaskProgram.succ_mid).
        self.ptr = p.succ_ptr.tolist()
        self.mid = p.succ_mid.tolist()
        self.succ = p.succ_task.tolist()
        self.lag = p.succ_lag.tolist()
        self.free = p.res_cap.tolist()
        self.waiting: list[list[tuple[int, int, int]]] = [[] for _ in self.free]  # heaps of (prio, seq, task)
        self.pending = [False] * len(self.free)
        self.start = [-1] * p.n_tasks
        self.finish = [-1] * p.n_tasks
        self.queue: list[tuple[int, int, int, int, int]] = []  # FINISH and SATISFY (future times)
        self.ready: deque[int] = deque()  # READY happens now, in the order tasks became ready
        self.dispatch: deque[int] = deque()  # DISPATCH happens now, after every READY of this cycle
        self.now = 0
        self.seq = 0
        self.wseq = 0
        self.log: list[tuple[int, int, int]] | None = [] if log else None

    def push(self, time: int, kind: int, item: int) -> None:
        heapq.heappush(self.queue, (time, _PRIORITY[kind], self.seq, kind, item))
        self.seq += 1

    def record(self, time: int, code: int, task: int) -> None:
        if self.log is not None:
            self.log.append((time, code, task))

    def notify(self, time: int, task: int, on_start: bool) -> None:
        if on_start:
            first, last = self.mid[task], self.ptr[task + 1]
        else:
            first, last = self.ptr[task], self.mid[task]
        for succ, lag in zip(self.succ[first:last], self.lag[first:last]):
            if lag > 0:
                self.push(time + lag, EV_SATISFY, succ)
            else:
                self.satisfy(time, succ)

    def satisfy(self, time: int, task: int) -> None:
        self.remaining[task] -= 1
        if self.remaining[task] == 0:
            self.ready.append(task)

    def begin(self, time: int, task: int) -> None:
        self.start[task] = time
        self.record(time, LOG_START, task)
        self.push(time + self.dur[task], EV_FINISH, task)
        self.notify(time, task, on_start=True)

    def ask_dispatch(self, time: int, r: int) -> None:
        if not self.pending[r] and self.waiting[r]:
            self.pending[r] = True
            self.dispatch.append(r)

    def step(self, time: int, kind: int, item: int) -> None:
        if kind == EV_FINISH:
            self.finish[item] = time
            self.record(time, LOG_FINISH, item)
            r = self.res[item]
            if r >= 0:
                self.free[r] += 1
                self.ask_dispatch(time, r)
            self.notify(time, item, on_start=False)
        elif kind == EV_SATISFY:
            self.satisfy(time, item)
        elif kind == EV_READY:
            self.record(time, LOG_READY, item)
            r = self.res[item]
            if r < 0:
                self.begin(time, item)
            else:
                heapq.heappush(self.waiting[r], (self.prio[item], self.wseq, item))
                self.wseq += 1
                self.ask_dispatch(time, r)
        else:
            self.pending[item] = False
            while self.free[item] > 0 and self.waiting[item]:
                _, _, task = heapq.heappop(self.waiting[item])
                self.free[item] -= 1
                self.begin(time, task)

    def next_event(self) -> tuple[int, int] | None:
        """(kind, item) of the next event in (time, priority, sequence) order, advancing ``now``."""
        while True:
            if self.queue and self.queue[0][0] == self.now:
                _, _, _, kind, item = heapq.heappop(self.queue)
                return kind, item
            if self.ready:
                return EV_READY, self.ready.popleft()
            if self.dispatch:
                return EV_DISPATCH, self.dispatch.popleft()
            if not self.queue:
                return None
            self.now = self.queue[0][0]

    def run(self) -> int:
        self.ready.extend(i for i, n in enumerate(self.remaining) if n == 0)
        events = 0
        while (ev := self.next_event()) is not None:
            events += 1
            self.step(self.now, *ev)
        return events


def simulate_program_reference(program: TaskProgram, log: bool = False) -> dict:
    """Same contract as :func:`pimsim.engine.kernel.simulate_program`."""
    eng = _Engine(program, log)
    events = eng.run()
    out = {"start_cycles": np.array(eng.start, np.int64), "finish_cycles": np.array(eng.finish, np.int64),
           "events": events}
    if log:
        arr = np.array(eng.log, np.int64).reshape(-1, 3)
        out["log"] = (arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())
    return out
