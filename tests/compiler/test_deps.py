"""The IR's dependency graphs (compiler/ir/deps.py): the schedule's order, cycles, and what values are computed from.

A hand-built graph of five Relu nodes (x: graph input, c: constant):

    a: x -> p      b: p -> q      c_: c -> r      d: q, r -> s      e: p -> t

Dependencies: a -> b -> d, c_ -> d, a -> e.  Kahn's algorithm taking the smallest ready index first
gives a, b, c_, d, e for the nodes listed in this order; the tests compare other orders with the old loop.
"""

from __future__ import annotations

import heapq
import random

import pytest
from pimsim.spec.errors import SpecError

from compiler.ir.deps import computed_from, find_cycle, topological_order
from compiler.ir.graph import ModelMeta, Node, OpGraph, Value
from compiler.ir.verify import IRError, verify
from compiler.passes.schedule import schedule

NODES = [("a", ["x"], ["p"]), ("b", ["p"], ["q"]), ("c_", ["c"], ["r"]), ("d", ["q", "r"], ["s"]),
         ("e", ["p"], ["t"])]


def graph_of(nodes) -> OpGraph:
    values = {n: Value(n, (1, 2), "float32", constant=(n == "c")) for n in "xcpqrst"}
    return OpGraph(ModelMeta("m.onnx", "", "m", 17), 1, values,
                   [Node(name, "Relu", list(i), list(o)) for name, i, o in nodes], ["x"], ["s", "t"])


def kahn_reference(g: OpGraph) -> list[int]:
    """The schedule pass's hand-written loop before networkx (commit 0bb632f), kept as the oracle."""
    producer = {o: i for i, n in enumerate(g.nodes) for o in n.outputs if o}
    deps = [{producer[x] for x in n.inputs if x in producer} for n in g.nodes]
    users: list[list[int]] = [[] for _ in g.nodes]
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
    return order


def test_order_is_kahn_with_model_order_ties():
    assert topological_order(graph_of(NODES)) == [0, 1, 2, 3, 4]
    rng = random.Random(0)
    for _ in range(20):
        g = graph_of(rng.sample(NODES, len(NODES)))
        names = [g.nodes[i].name for i in kahn_reference(g)]
        assert topological_order(g) == kahn_reference(g)
        assert [n.name for n in schedule(g, None, None).nodes] == names


def test_order_matches_the_previous_loop_on_random_dags():
    """200 random DAGs of 2-30 nodes (node i reads 0-3 outputs of earlier nodes), listed in a random order."""
    rng = random.Random(1)
    for _ in range(200):
        n = rng.randint(2, 30)
        nodes = [(f"n{i}", [f"v{j}" for j in rng.sample(range(i), min(i, rng.randint(0, 3)))] or ["x"], [f"v{i}"])
                 for i in range(n)]
        values = {v: Value(v, (1,), "float32") for v in ["x", *(f"v{i}" for i in range(n))]}
        g = OpGraph(ModelMeta("m.onnx", "", "m", 17), 1, values,
                    [Node(a, "Relu", i, o) for a, i, o in rng.sample(nodes, n)], ["x"], [f"v{n - 1}"])
        assert topological_order(g) == kahn_reference(g)


def test_cycle_is_refused_and_named():
    cyclic = NODES[:1] + [("b", ["p", "s"], ["q"])] + NODES[2:]  # b now also reads d's output: b -> d -> b
    g = graph_of(cyclic)
    assert topological_order(g) is None
    assert sorted(find_cycle(g)) == ["b", "d"]
    with pytest.raises(SpecError, match="has a cycle: (b -> d|d -> b)"):
        schedule(g, None, None)
    assert find_cycle(graph_of(NODES)) is None


def test_verifier_names_the_reason():
    g = graph_of([NODES[1], NODES[0], *NODES[2:]])  # b before a
    with pytest.raises(IRError, match="input p is used before it is produced \\(nodes out of topological order\\)"):
        verify(g)
    g = graph_of(NODES[:1] + [("b", ["p", "s"], ["q"])] + NODES[2:])
    with pytest.raises(IRError, match="input s is used before it is produced \\(cycle: "):
        verify(g)
    g = graph_of(NODES[1:])  # nothing writes p
    with pytest.raises(IRError, match="input p is never produced"):
        verify(g)


def test_computed_from_stops_at_constants():
    g = graph_of(NODES)
    assert computed_from(g, {"s"}) == {"s", "q", "r", "p", "x"}  # c is constant: not followed
    assert computed_from(g, {"t"}) == {"t", "p", "x"}
