"""Schedule: a deterministic topological order (Kahn's algorithm, ties broken by model order).

ONNX already requires topologically sorted nodes, and lowering preserves that;
this pass re-derives the order so later passes that move nodes (issue 6:
replication, NoC-aware reordering) cannot silently break it.
"""

from __future__ import annotations

import heapq

from pimsim.spec.errors import SpecError

from compiler.ir.graph import OpGraph


def schedule(graph: OpGraph, arch, opts) -> OpGraph:
    producer = {o: i for i, n in enumerate(graph.nodes) for o in n.outputs if o}
    deps = [{producer[x] for x in n.inputs if x in producer} for n in graph.nodes]
    users: list[list[int]] = [[] for _ in graph.nodes]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    waiting = [len(d) for d in deps]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(graph.nodes):
        raise SpecError(graph.meta.path, "the operator graph has a cycle")
    graph.nodes = [graph.nodes[i] for i in order]
    return graph
