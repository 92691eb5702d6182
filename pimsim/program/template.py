"""A per-query task list under construction (local ids), before it is replicated over the stream.

Each task records the resource it occupies, its duration in cycles, its
energy split by component (pJ), the operator it belongs to and a short phase
name for traces.  The per-input-slice sub-phases of a crossbar task (reads and
ADC conversions) and of its ADC drain task (the rest of the last conversions,
the shift-and-add) are kept as one compact record per task,
:class:`SlicePhases` (the block's memoised ``SliceTiming`` and a slice count),
not as one entry per slice: a convolution's crossbar task covers
``m x slices`` of them (issue 18: storing them as tuples took gigabytes).
``children(task)`` expands them with ``SliceTiming.phases`` /
``drain_phases``, in the trace writer only, for the traced queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.cost.crossbar import SliceTiming
from pimsim.engine.events import DEP_FINISH_TO_START, DEP_START_TO_START, NO_RESOURCE


@dataclass(frozen=True)
class SlicePhases:
    """The sub-phases of one crossbar task (``slices`` > 0 slices of ``timing`` in a row) or of its ADC drain
    task (``slices`` = 0), as ``pimsim.cost.crossbar.SliceTiming`` lays them out."""

    timing: SliceTiming
    slices: int

    @property
    def is_drain(self) -> bool:
        return self.slices == 0

    @property
    def adc_cycles(self) -> int:
        """Cycles of ADC conversion inside this task: the drain holds the last sensing step's remaining
        ``drain - shift_add`` cycles, the crossbar task the rest of ``slices x steps x convert_cycles``."""
        t = self.timing
        rest = t.drain_cycles - t.shift_add_cycles
        return rest if self.is_drain else self.slices * t.steps * t.convert_cycles - rest

    @property
    def shift_add_cycles(self) -> int:
        """The run's one shift-and-add (the one that retires its last slice) sits in the drain."""
        return self.timing.shift_add_cycles if self.is_drain else 0

    def expand(self) -> list[tuple[int, int, str]]:
        """(offset_cycles, dur_cycles, name) of every sub-phase, in time order."""
        return self.timing.drain_phases() if self.is_drain else self.timing.phases(self.slices)


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
    io_in: dict[str, int] = field(default_factory=dict)
    io_out: dict[str, int] = field(default_factory=dict)
    readers: dict[str, list[int]] = field(default_factory=dict)
    """Stored value -> tasks after which this query no longer needs it (its readers' exits, output link)."""
    arrays_cache: tuple | None = field(default=None, repr=False, compare=False)
    """((tasks, edges), arrays) kept by ``pimsim.program.stream.template_arrays``."""

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
