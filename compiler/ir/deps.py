"""The IR's dependency graphs as networkx graphs, and the algorithms the passes run on them.

``node_graph``: one graph node per IR node (its index in ``OpGraph.nodes``), an edge ``j -> i`` when node ``i``
reads a value node ``j`` writes.  ``value_graph``: one graph node per value, an edge ``x -> y`` when a node reads
``x`` and writes ``y``.  The algorithms are networkx's (the project's declared graph library), so none is written
here by hand:

- ``topological_order``: Kahn's algorithm with ties broken by the smallest node index, i.e. model order
  (``networkx.lexicographical_topological_sort`` keyed by the index): the order ``compiler.passes.schedule``
  fixes, deterministic whatever the graph;
- ``find_cycle``: one dependency cycle, by IR node names, or None;
- ``computed_from``: the values some values are computed from (``networkx.ancestors``), for the frontend's
  analysis of Loop bodies.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from compiler.ir.graph import OpGraph


def node_graph(graph: OpGraph) -> nx.DiGraph:
    producer = {o: i for i, n in enumerate(graph.nodes) for o in n.outputs if o}
    deps = nx.DiGraph()
    deps.add_nodes_from(range(len(graph.nodes)))
    deps.add_edges_from((producer[x], i) for i, n in enumerate(graph.nodes) for x in n.inputs if x in producer)
    return deps


def topological_order(graph: OpGraph) -> list[int] | None:
    """Node indices in dependency order, ties by model order; None when the nodes depend on each other in a
    cycle."""
    try:
        return list(nx.lexicographical_topological_sort(node_graph(graph), key=int))
    except nx.NetworkXUnfeasible:
        return None


def find_cycle(graph: OpGraph) -> list[str] | None:
    """Names of the IR nodes on one dependency cycle (each reads what the previous one writes), or None."""
    try:
        edges = nx.find_cycle(node_graph(graph))
    except nx.NetworkXNoCycle:
        return None
    return [graph.nodes[j].name for j, _ in edges]


def value_graph(graph: OpGraph, through_constants: bool = True) -> nx.DiGraph:
    """Values, an edge from each input of a node to each of its outputs (from constant inputs only if
    ``through_constants``)."""
    deps = nx.DiGraph()
    deps.add_nodes_from(graph.values)
    deps.add_edges_from((x, y) for n in graph.nodes for x in n.inputs if x
                        and (through_constants or not graph.values[x].constant) for y in n.outputs if y)
    return deps


def computed_from(graph: OpGraph, names: Iterable[str]) -> set[str]:
    """``names`` and every non-constant value they are computed from."""
    deps = value_graph(graph, through_constants=False)
    found = set(names)
    for name in list(found):
        if name in deps:
            found |= nx.ancestors(deps, name)
    return found
