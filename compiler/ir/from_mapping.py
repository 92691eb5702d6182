"""A written mapping read back as the compiler's IR: nodes with the typed records the compiler emitted them from.

``compiler.passes.emit`` writes every IR node as one mapping operator, field for
field (``compiler.ir.records``); :func:`graph_from_mapping` is its inverse for
what a mapping keeps: values (per-query shapes, with the batch axis put back
at ``Mapping.batch``), operators as placed ``Node`` records (kind, per-kind
record, precision, blocks, home tile, copies, implementation, vector units,
storage).  Constant data is not loaded (the weights file is not read).  The
mapper's estimate (``compiler.cost.estimate``) reads a mapping this way, so
it prices the IR and a written mapping with one code path.

A copy's record counts elements (``CopyWork.bits_elements``); the mapping
writes its bits, the elements at the widest output's bit width
(``OpGraph.copy_bits``), so the elements are the bits divided by that width.
"""

from __future__ import annotations

from pimsim.spec.mapping import (CopyOp, CrossbarBlock, DynamicMvmOp, EmbeddingOp, Mapping, MvmOp, Precision,
                                 ValueInfo, VectorOp, ViewOp)

from compiler.ir.graph import ModelMeta, Node, OpGraph, Value
from compiler.ir.records import (Block, CopyWork, EmbeddingShape, MvmShape, OpParams, OpPrecision, ProductShape,
                                 VectorWork, ViewLayout)


class MappingReadError(ValueError):
    """A mapping the IR cannot express (one line naming the operator and the field)."""


def graph_from_mapping(mapping: Mapping) -> OpGraph:
    """The placed IR ``mapping`` was emitted from (module docstring)."""
    values = {v.name: _value(v, mapping.batch) for v in mapping.values}
    graph = OpGraph(ModelMeta(mapping.model.path, mapping.model.sha256, mapping.model.name, mapping.model.opset),
                    mapping.batch, values, [], list(mapping.inputs), list(mapping.outputs))
    graph.nodes = [_node(graph, op) for op in mapping.operators]
    return graph


def _value(v: ValueInfo, batch: int) -> Value:
    shape = list(v.shape)
    if v.batch_axis is not None:
        shape.insert(v.batch_axis, batch)
    return Value(v.name, tuple(shape), v.dtype, constant=v.constant, batch_axis=v.batch_axis, bits=v.bits)


def _node(graph: OpGraph, op) -> Node:
    node = Node(op.name, op.op_type, list(op.inputs), list(op.outputs), attrs=dict(op.attrs),
                source_nodes=list(op.source_nodes), kind=op.kind, precision=_precision(op.precision), tile=op.tile)
    if isinstance(op, MvmOp):
        node.replicas, node.copies_per_query = op.replicas, op.copies_per_query
    if isinstance(op, DynamicMvmOp):
        node.implementation, node.vector_tiles = op.implementation, list(op.vector_tiles)
    if isinstance(op, (MvmOp, DynamicMvmOp)):
        node.blocks = [_block(b) for b in op.blocks]
    if isinstance(op, EmbeddingOp):
        node.storage = op.storage
    node.params = _params(graph, op)
    return node


def _params(graph: OpGraph, op) -> OpParams:
    if isinstance(op, MvmOp):
        return MvmShape(op.m, op.k, op.n)
    if isinstance(op, DynamicMvmOp):
        return ProductShape(op.count, op.m, op.k, op.n)
    if isinstance(op, EmbeddingOp):
        return EmbeddingShape(op.tables, op.rows, op.dim, op.lookups)
    if isinstance(op, VectorOp):
        return VectorWork(dict(op.ops))
    if isinstance(op, CopyOp):
        width = max(graph.values[o].bits or 32 for o in op.outputs if o)
        if op.bits % width:
            raise MappingReadError(f"operator {op.name}: bits={op.bits} is not a whole number of its output's "
                                   f"{width}-bit elements")
        return CopyWork(op.bits // width)
    assert isinstance(op, ViewOp)
    return ViewLayout(op.layout)


def _precision(p: Precision) -> OpPrecision:
    return OpPrecision(p.input_bits, p.output_bits, p.weight_bits, p.adc_bits)


def _block(b: CrossbarBlock) -> Block:
    return Block(b.row_start, b.rows, b.col_start, b.cols, b.slice_start, b.slice_count, b.sign_columns,
                 replica=b.replica, tile=b.tile, pe=b.pe, crossbar=b.crossbar, xbar_row_offset=b.xbar_row_offset,
                 xbar_col_offset=b.xbar_col_offset)
