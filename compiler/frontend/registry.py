"""The one dispatch table from ONNX op type to its lowering (``LOWERINGS``).

Each lowering lives in ``compiler/frontend/ops/<family>.py``, takes the
builder, the ONNX node and its attributes as a dict, and emits IR nodes whose
op types have reference semantics in ``pimsim.spec.semantics``.  An op type not
in this table is an error naming the node, op type and opset and listing the
supported ops; nothing is ever lowered to a silent zero-cost placeholder.
Custom-domain ops are keyed ``domain::OpType`` (``pim::EmbeddingBag``).
"""

from __future__ import annotations

from collections.abc import Callable

from pimsim.spec.errors import SpecError

from compiler.frontend.ops import attributes, renamed_node
from compiler.frontend.ops import control, conv, elementwise, gather, gemm, loop, pool, quant, reduce, sequence, shape

Lowering = Callable[..., None]

LOWERINGS: dict[str, Lowering] = {
    # static-weight and dynamic products
    "Gemm": gemm.Gemm,
    "MatMul": gemm.MatMul,
    "Einsum": gemm.Einsum,
    "Conv": conv.Conv,
    # pooling (vector units)
    "MaxPool": pool.Pool,
    "AveragePool": pool.Pool,
    "GlobalAveragePool": pool.GlobalPool,
    "GlobalMaxPool": pool.GlobalPool,
    # lookups
    "Gather": gather.Gather,
    "GatherND": gather.GatherND,
    "GatherElements": gather.GatherElements,
    "pim::EmbeddingBag": gather.EmbeddingBag,
    # reductions
    **{op: reduce.Reduce for op in reduce.REDUCE_OPS},
    # element-wise, nonlinear, normalisation (vector units)
    **{op: elementwise.Elementwise for op in elementwise.ELEMENTWISE_OPS},
    "Dropout": elementwise.Dropout,
    # data movement and shape arithmetic
    **{op: shape.Passthrough for op in shape.PASSTHROUGH_OPS},
    "Split": shape.Split,
    "Constant": shape.Constant,
    # quantisation (QDQ pairs become per-operator precision)
    "QuantizeLinear": quant.QuantizeLinear,
    "DequantizeLinear": quant.DequantizeLinear,
    # control flow
    "If": control.If,
    "Loop": loop.Loop,
    # compile-time sequences (around unrolled Loops)
    **{op: getattr(sequence, op) for op in ("SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceAt",
                                            "SequenceLength", "ConcatFromSequence")},
}


def supported_ops() -> list[str]:
    return sorted(LOWERINGS)


def lower_node(b, node) -> None:
    if b.alias:
        node = renamed_node(node, b.alias)
    key = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
    lowering = LOWERINGS.get(key)
    if lowering is None:
        where = node.name or (node.output[0] if node.output else "?")
        raise SpecError(b.path, f"node {where}: op {key} (opset {b.opset}) is not supported; "
                                f"supported ops: {', '.join(supported_ops())}")
    lowering(b, node, attributes(node))
