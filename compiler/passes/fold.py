"""Canonicalise and fold constants.

The frontend already evaluated every node whose inputs are constants (and the
Shape family) into constant values; this pass removes those nodes, removes
``Identity`` re-labellings that are not graph outputs, fuses ``Gather`` on a
constant table followed by a sum/mean pooling ``Reduce`` into one
``pim.EmbeddingBag`` (the in-array pooled lookup of ReCross/ReRec,
onnx_and_ecosystem.md 2), and drops everything that no graph output needs.
"""

from __future__ import annotations

import numpy as np

from compiler.ir.graph import Node, OpGraph

POOLING = {"ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "max"}


def fold_constants(graph: OpGraph, arch, opts) -> OpGraph:
    graph.nodes = [n for n in graph.nodes if not all(graph.is_const(o) for o in n.outputs if o)]
    _drop_identities(graph)
    _fuse_embedding_bags(graph)
    _dead_code(graph)
    return graph


def _drop_identities(graph: OpGraph) -> None:
    rename: dict[str, str] = {}
    kept = []
    outputs = set(graph.outputs)
    for n in graph.nodes:
        n.inputs = [rename.get(i, i) for i in n.inputs]
        if n.op_type == "Identity" and n.outputs[0] not in outputs:
            rename[n.outputs[0]] = n.inputs[0]
            continue
        kept.append(n)
    graph.nodes = kept


def _fuse_embedding_bags(graph: OpGraph) -> None:
    users = graph.consumers()
    fused: dict[int, Node] = {}
    drop: set[int] = set()
    for n in graph.nodes:
        if n.op_type not in POOLING or not _is_table_gather(graph, n.inputs[0], users):
            continue
        gather = next(g for g in graph.nodes if n.inputs[0] in g.outputs)
        idx_rank = len(graph.values[gather.inputs[1]].shape)
        axes = graph.values[n.inputs[1]].data if len(n.inputs) > 1 and n.inputs[1] else None
        out_rank = idx_rank + 1
        if idx_rank < 1 or axes is None or [int(a) % out_rank for a in np.ravel(axes)] != [idx_rank - 1]:
            continue
        attrs = {"mode": POOLING[n.op_type], "keepdims": int(n.attrs.get("keepdims", 1))}
        fused[id(gather)] = Node(n.name, "pim.EmbeddingBag", gather.inputs[:2], n.outputs, attrs,
                                 gather.source_nodes + n.source_nodes)
        drop.add(id(n))
    graph.nodes = [fused.get(id(n), n) for n in graph.nodes if id(n) not in drop]


def _is_table_gather(graph: OpGraph, name: str, users) -> bool:
    gather = graph.producers().get(name)
    return (gather is not None and gather.op_type == "Gather" and gather.attrs.get("axis", 0) == 0
            and graph.is_const(gather.inputs[0]) and len(graph.values[gather.inputs[0]].shape) == 2
            and len(users.get(name, [])) == 1 and name not in graph.outputs)


def _dead_code(graph: OpGraph) -> None:
    needed = set(graph.outputs)
    kept = []
    for n in reversed(graph.nodes):
        if any(o in needed for o in n.outputs):
            kept.append(n)
            needed.update(i for i in n.inputs if i)
    graph.nodes = kept[::-1]
    keep_values = needed | {o for n in graph.nodes for o in n.outputs} | set(graph.inputs)
    graph.values = {k: v for k, v in graph.values.items() if k in keep_values}
