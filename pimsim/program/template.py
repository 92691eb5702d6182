"""A per-query task list under construction (local ids), before it is replicated over the stream.

Each task records the resource it occupies, its duration in cycles, its
energy split by component (pJ), the operator it belongs to and a short phase
name for traces.  Optional ``children`` are (offset_cycles, dur_cycles, name)
sub-phases shown nested inside the task in the trace (e.g. the per-input-slice
crossbar read and ADC conversions inside one crossbar task).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.engine.events import DEP_FINISH_TO_START, DEP_START_TO_START, NO_RESOURCE


@dataclass
class Template:
    res: list[int] = field(default_factory=list)
    dur: list[int] = field(default_factory=list)
    energy: list[dict[str, float]] = field(default_factory=list)
    op: list[int] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    children: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    lag: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    entry: dict[int, int] = field(default_factory=dict)
    exit: dict[int, int] = field(default_factory=dict)
    io_in: dict[str, int] = field(default_factory=dict)
    io_out: dict[str, int] = field(default_factory=dict)
    readers: dict[str, list[int]] = field(default_factory=dict)
    """Stored value -> tasks after which this query no longer needs it (its readers' exits, output link)."""

    def task(self, res: int, dur: int, op: int, phase: str, after=(), energy: dict[str, float] | None = None,
             lag: int = 0) -> int:
        """Add a task that may start ``lag`` cycles after every task in ``after`` finished; returns its id."""
        if dur < 0:
            raise ValueError(f"{phase}: negative duration {dur}")
        tid = len(self.res)
        self.res.append(res)
        self.dur.append(int(dur))
        self.energy.append(dict(energy or {}))
        self.op.append(op)
        self.phase.append(phase)
        for a in after:
            self.edge(a, tid, lag)
        return tid

    def join(self, op: int, phase: str, after=()) -> int:
        """A zero-length task without hardware: a synchronisation point."""
        return self.task(NO_RESOURCE, 0, op, phase, after)

    def edge(self, a: int, b: int, lag: int = 0, start_to_start: bool = False) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.lag.append(int(lag))
        self.kind.append(DEP_START_TO_START if start_to_start else DEP_FINISH_TO_START)

    def __len__(self) -> int:
        return len(self.res)
