"""The pass pipeline: the compiler's table of contents (code_style_examples.md G6).

Each pass is ``pass_name(graph, arch, opts) -> OpGraph``; with ``verify_each``
(tests, ``--debug``) the IR verifier runs after every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.ir.graph import OpGraph
from compiler.ir.verify import verify
from compiler.passes.fold import fold_constants
from compiler.passes.partition import partition
from compiler.passes.notes import CompileNotes
from compiler.passes.optimize import optimize
from compiler.passes.place import place
from compiler.passes.precision import assign_precision
from compiler.passes.schedule import schedule
from compiler.passes.tile import tile_weights


@dataclass
class CompileOptions:
    strategy: str = "optimized"  # "naive" = the issue-6 baseline
    policy: object | None = None  # compiler.precision_policy.PrecisionPolicy
    area_budget_mm2: float | None = None  # optimized: tiles allowed (compiler.passes.optimize); None = whole chip
    objective: str = "throughput"  # optimized: what the pick among candidates optimises (optimize.OBJECTIVES)
    pipeline: str = "layer"  # mapping.pipeline: "element" streams feature maps row by row (pimsim.cost.streams);
    # compiler.api.compile_graph resolves its "auto" (compiler.api.default_pipeline)
    verify_each: bool = False
    notes: CompileNotes = field(default_factory=CompileNotes)  # facts for the report (spills, optimize's choice)


PASSES = (
    ("fold", fold_constants),  # drop folded nodes and Identities, fuse Gather+Reduce into EmbeddingBag, DCE
    ("partition", partition),  # operator class: mvm / dynamic_mvm / embedding / vector / copy / view
    ("precision", assign_precision),  # QDQ > --precision policy > arch defaults (naive: arch defaults); the
    # tile kind of each mvm (chip.tile_kinds: compiler.passes.optimize.kinds) and its ADC bits
    ("tile", tile_weights),  # weight matrices -> crossbar blocks (rows, cols, bit slices, sign) of its kind
    ("place", lambda g, a, o: (place if o.strategy == "naive" else optimize)(g, a, o)),  # blocks -> (tile, pe,
    # crossbar) on tiles of the op's kind; home tile for every op; embedding storage.  optimized:
    # compiler.passes.optimize (issue 6)
    ("schedule", schedule),  # deterministic topological order
)


def run_passes(graph: OpGraph, arch, opts: CompileOptions) -> OpGraph:
    if opts.verify_each:
        verify(graph, "frontend")
    for name, fn in PASSES:
        graph = fn(graph, arch, opts)
        if opts.verify_each:
            verify(graph, name)
    return graph
