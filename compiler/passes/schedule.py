"""Schedule: a deterministic topological order (Kahn's algorithm, ties broken by model order).

ONNX already requires topologically sorted nodes, and lowering preserves that;
this pass re-derives the order so later passes that move nodes (issue 6:
replication, NoC-aware reordering) cannot silently break it.  The order is
``compiler.ir.deps.topological_order`` (networkx's lexicographical topological
sort keyed by the node's index in model order).
"""

from __future__ import annotations

from pimsim.spec.errors import SpecError

from compiler.ir.deps import find_cycle, topological_order
from compiler.ir.graph import OpGraph


def schedule(graph: OpGraph, arch, opts) -> OpGraph:
    order = topological_order(graph)
    if order is None:
        raise SpecError(graph.meta.path, f"the operator graph has a cycle: {' -> '.join(find_cycle(graph) or [])}")
    graph.nodes = [graph.nodes[i] for i in order]
    return graph
