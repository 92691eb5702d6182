"""Event kinds, their priorities, and event-log codes shared by the kernel and its twin.

The engine is a discrete-event simulator over *tasks*.  A task occupies one
server of one resource (a crossbar, an ADC group, a buffer port, a NoC link, a
vector unit, ...) for a whole number of cycles.  Tasks wait for their
dependencies, then queue at their resource; a resource with ``capacity`` servers
runs at most that many tasks at once.

Ordering: events are processed in ``(time_cycles, priority, sequence)``
order; the sequence number increases by one on every push, so two runs of the
same program process events in the same order (SimPy's ``(time, priority,
eid)`` rule).  At one instant, finishing work is processed first (it frees
servers), then arriving lagged dependencies, then newly ready tasks (in the
order they became ready), and only then are free servers handed out
(resources in the order they asked), so every task that becomes ready at time
``t`` competes for its resource at ``t`` on its priority, not on the accident
of event order.

Implementation note: READY and DISPATCH events always occur "now" (they are
created by events at the current time), so both engines keep them in two FIFOs
instead of the timed heap; only FINISH and SATISFY (future times) use the
heap.  This is the same order as one heap keyed as above, with less work.
"""

from __future__ import annotations

import numpy as np

EV_FINISH = 0
"""A task ends: its server is released and its finish-to-start successors are notified."""

EV_SATISFY = 1
"""A dependency with a lag (e.g. a NoC hop latency) arrives at its successor."""

EV_READY = 2
"""All dependencies of a task are met: it joins its resource's wait queue (or starts, if it has no resource)."""

EV_DISPATCH = 3
"""A resource hands its free servers to waiting tasks, lowest (task priority, arrival order) first."""

EVENT_NAMES = ("finish", "satisfy", "ready", "dispatch")

EVENT_PRIORITY = np.array([0, 1, 2, 3], dtype=np.int64)
"""Priority of each event kind at equal time (lower first), indexed by kind."""

LOG_READY = 0
"""Event-log code: the task became ready (time = ready time)."""

LOG_START = 1
"""Event-log code: the task started on a server of its resource."""

LOG_FINISH = 2
"""Event-log code: the task finished."""

LOG_NAMES = ("ready", "start", "finish")

NO_RESOURCE = -1
"""Resource id of a task that needs no hardware (a join or a pure delay): it starts when ready."""

DEP_FINISH_TO_START = 0
"""Edge kind: the successor may start ``lag`` cycles after the predecessor finishes."""

DEP_START_TO_START = 1
"""Edge kind: the successor may start ``lag`` cycles after the predecessor starts (cut-through)."""
