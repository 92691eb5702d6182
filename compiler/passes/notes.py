"""What the placement passes chose, as typed records for ``pimcompile --report``.

``place`` (naive) and ``optimize`` (optimized) fill ``CompileNotes`` on the
compile options (``compiler.passes.pipeline.CompileOptions.notes``); the driver
prints them (``compiler.passes.optimize.summary_lines``).  ``Score`` is one
candidate placement as the mapper's estimate (``compiler.cost.estimate``) priced
it; ``CandidateNotes`` is what that candidate did.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Score:
    """A candidate placement's estimate: one query's latency, an ``OBJECTIVE_BATCH``-query stream, energy."""

    label: str
    latency_cycles: int
    stream_cycles: float
    energy_pj: float

    def key(self, objective: str) -> tuple:
        if objective == "latency":
            return (self.latency_cycles, self.stream_cycles, self.energy_pj)
        if objective == "energy":
            return (self.energy_pj, self.stream_cycles, self.latency_cycles)
        if objective == "edp":
            return (self.energy_pj * self.latency_cycles, self.stream_cycles, self.latency_cycles)
        return (self.stream_cycles, self.latency_cycles, self.energy_pj)


@dataclass
class CandidateNotes:
    """What one candidate placement did: its placement in words, products spread over vector units (operator
    -> tiles), copies (operator -> (copies per query, groups)) and column spreading (operator -> crossbars)."""

    placement: str
    vector_split: dict[str, list[int]] = field(default_factory=dict)
    replicated: dict[str, tuple[int, int]] = field(default_factory=dict)
    spread: dict[str, int] = field(default_factory=dict)


@dataclass
class CompileNotes:
    """Facts of one compile for the report.  Every strategy: the embedding tables' bytes and, when they did not
    fit on chip, the spill in words.  ``optimized`` only: each dynamic product's implementation (operator ->
    words), operators whose ADC resolution was lowered, tile kinds (operator -> kind; several kinds only) and spills to a further kind, the
    objective, every candidate's score, the chosen one and what it did."""

    embedding_bytes: int = 0
    embedding_spill: str | None = None
    dynamic_implementation: dict[str, str] = field(default_factory=dict)
    adc_lowered_ops: int = 0
    tile_kinds: dict[str, str] = field(default_factory=dict)
    tile_kind_spills: list[str] = field(default_factory=list)
    objective: str = "throughput"
    candidates: list[Score] = field(default_factory=list)
    chosen: Score | None = None
    choice: CandidateNotes | None = None
