"""A per-query task list under construction (local ids), before it is replicated over the stream.

Each task records the resource it occupies, its duration in cycles, its
energy split by component (pJ), the operator it belongs to and a short phase
name for traces.  A crossbar task's per-input-slice sub-phases (read, ADC
conversions, the final shift-and-add) are kept as one compact record per task,
:class:`SlicePhases` (four integers), not as one entry per slice: a convolution's
crossbar task covers ``m x slices`` of them (issue 18: storing them as tuples
took gigabytes).  ``children(task)`` expands them, in the trace writer only, for
the traced queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.engine.events import DEP_FINISH_TO_START, DEP_START_TO_START, NO_RESOURCE


@dataclass(frozen=True)
class SlicePhases:
    """The sub-phases of one crossbar task: ``steps`` x (``read_cycles`` of DAC drive + read + sample-and-hold,
    then ``conv_cycles`` of ADC conversions), then ``shift_add_cycles``."""

    steps: int
    read_cycles: int
    conv_cycles: int
    shift_add_cycles: int

    @property
    def adc_cycles(self) -> int:
        return self.steps * self.conv_cycles

    def expand(self) -> list[tuple[int, int, str]]:
        """(offset_cycles, dur_cycles, name) of every sub-phase, in time order (reads before conversions)."""
        step = self.read_cycles + self.conv_cycles
        kids = [(k * step, self.read_cycles, "read") for k in range(self.steps)]
        kids += [(k * step + self.read_cycles, self.conv_cycles, "adc") for k in range(self.steps) if self.conv_cycles > 0]
        if self.shift_add_cycles > 0:
            kids.append((self.steps * step, self.shift_add_cycles, "shift-add"))
        return sorted(kids)


@dataclass
class Template:
    res: list[int] = field(default_factory=list)
    dur: list[int] = field(default_factory=list)
    energy: list[dict[str, float]] = field(default_factory=list)
    op: list[int] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    slice_phases: dict[int, SlicePhases] = field(default_factory=dict)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    lag: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    entry: dict[int, int] = field(default_factory=dict)
    exit: dict[int, int] = field(default_factory=dict)
    io_out: dict[str, int] = field(default_factory=dict)

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

    def children(self, tid: int) -> list[tuple[int, int, str]]:
        """(offset_cycles, dur_cycles, name) sub-phases of task ``tid`` shown nested in the trace (none for most)."""
        phases = self.slice_phases.get(tid)
        return phases.expand() if phases else []

    def __len__(self) -> int:
        return len(self.res)
