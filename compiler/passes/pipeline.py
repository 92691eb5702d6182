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
    notes: dict = field(default_factory=dict)  # facts for the report (crossbars used, spills)


PASSES = (
    ("fold", fold_constants),  # drop folded nodes and Identities, fuse Gather+Reduce into EmbeddingBag, DCE
    ("partition", partition),  # operator class: mvm / dynamic_mvm / embedding / vector / copy / view
    ("precision", assign_precision),  # QDQ > --precision policy > arch defaults (naive: arch defaults)
    ("tile", tile_weights),  # weight matrices -> crossbar blocks (rows, cols, bit slices, sign)
    ("place", lambda g, a, o: (place if o.strategy == "naive" else optimize)(g, a, o)),  # blocks -> (tile, pe,
    # crossbar); home tile for every op; embedding storage.  optimized: compiler.passes.optimize (issue 6)
    ("schedule", schedule),  # deterministic topological order
)


def refuse_tile_kinds(arch, source: str) -> None:
    """The passes tile, pack and place for one kind of tile (``arch.pe``, ``arch.tile``): an architecture with
    several (``chip.tile_kinds``) is refused by name rather than mapped with one kind's figures.  The simulator
    executes such mappings (hand-built ones: tests/pimsim/program/test_arch_execution.py)."""
    if arch.heterogeneous:
        from pimsim.spec.errors import SpecError

        names = ", ".join(k.name for k in arch.tile_kinds)
        raise SpecError(source, f"chip.tile_kinds ({names}): the compiler does not place operators by tile kind "
                                "yet (one kind per architecture)")


def run_passes(graph: OpGraph, arch, opts: CompileOptions) -> OpGraph:
    refuse_tile_kinds(arch, f"arch {arch.name}")
    if opts.verify_each:
        verify(graph, "frontend")
    for name, fn in PASSES:
        graph = fn(graph, arch, opts)
        if opts.verify_each:
            verify(graph, name)
    return graph
