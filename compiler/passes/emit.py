"""Emit: the placed IR as a ``pimsim.spec.mapping.Mapping`` plus its constant tensors.

Every IR node becomes one mapping operator (views included) with its op_type
and attrs, so the mapping runs under ``pimsim.spec.semantics``.  Shapes are
per query: the batch axis is removed (and recorded as ``batch_axis``).  A mapping
whose resident values do not fit the tile buffers is refused here, by the
simulator's own decision (``pimsim.cost.buffers.mapping_fit_error``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from pimsim.cost.buffers import mapping_fit_error
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import MAPPING_SCHEMA_VERSION, Mapping, ModelInfo, ValueInfo

from compiler import __version__
from compiler.ir.graph import Node, OpGraph
from compiler.ir.records import CopyWork, EmbeddingShape, MvmShape, ProductShape, VectorWork, ViewLayout


def to_mapping(graph: OpGraph, arch, opts) -> tuple[Mapping, dict[str, np.ndarray]]:
    names = _value_order(graph)
    values = [_value_info(graph, graph.values[n]) for n in names]
    weights = {n: v.data for n in names if (v := graph.values[n]).constant and v.data is not None}
    mapping = Mapping(
        schema_version=MAPPING_SCHEMA_VERSION, tool=f"pimcompile {__version__}",
        model=ModelInfo(path=graph.meta.path, sha256=graph.meta.sha256, name=graph.meta.name, opset=graph.meta.opset),
        arch_sha256=arch.sha256(), arch=arch, strategy=opts.strategy, batch=graph.batch,
        inputs=list(graph.inputs), outputs=list(graph.outputs), values=values,
        operators=[_operator(graph, n) for n in graph.nodes], pipeline=opts.pipeline,
    )
    problem = mapping_fit_error(mapping)  # the simulator's own capacity decision: what we write, it accepts
    if problem is not None:
        raise SpecError(graph.meta.path, problem)
    return mapping, weights


def _value_order(graph: OpGraph) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(graph.inputs)
    for n in graph.nodes:
        for name in n.inputs + n.outputs:
            if name:
                seen.setdefault(name)
    for name in graph.outputs:
        seen.setdefault(name)
    return list(seen)


def _value_info(graph: OpGraph, v) -> ValueInfo:
    shape = list(v.shape)
    if v.batch_axis is not None:
        del shape[v.batch_axis]
    return ValueInfo(name=v.name, shape=shape, dtype=v.dtype, bits=v.bits or 32, constant=v.constant,
                     batch_axis=v.batch_axis)


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _operator(graph: OpGraph, n: Node) -> dict:
    op: dict[str, Any] = {"name": n.name, "op_type": n.op_type, "source_nodes": n.source_nodes, "inputs": n.inputs,
          "outputs": n.outputs, "attrs": {k: _jsonable(v) for k, v in n.attrs.items()},
          "precision": asdict(n.precision) if n.precision else None, "tile": n.tile, "kind": n.kind}
    p = n.params
    if isinstance(p, MvmShape):
        op.update(m=p.m, k=p.k, n=p.n, blocks=[b.to_mapping() for b in n.blocks], replicas=n.replicas, copies_per_query=n.copies_per_query)
    elif isinstance(p, ProductShape):
        op.update(count=p.count, m=p.m, k=p.k, n=p.n, implementation=n.implementation, blocks=[b.to_mapping() for b in n.blocks],
                  vector_tiles=n.vector_tiles)
    elif isinstance(p, EmbeddingShape):
        op.update(tables=p.tables, rows=p.rows, dim=p.dim, lookups=p.lookups, storage=n.storage)
    elif isinstance(p, VectorWork):
        op.update(ops=p.ops)
    elif isinstance(p, CopyWork):
        op.update(bits=graph.copy_bits(n, p))
    elif isinstance(p, ViewLayout):
        op.update(layout=p.layout)
    return op
