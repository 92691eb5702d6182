"""Pooling: windows reduced on the vector unit (CNN glue of issue 18).

ONNX signatures implemented:
  MaxPool-12/22(X; auto_pad, ceil_mode=0, dilations, kernel_shape, pads, storage_order=0, strides) -> Y
  AveragePool-11/19/22(X; auto_pad, ceil_mode=0, count_include_pad=0, dilations, kernel_shape, pads, strides) -> Y
  GlobalAveragePool-22(X) -> Y ; GlobalMaxPool-22(X) -> Y
Any number of spatial axes (1-D, 2-D, 3-D).  MaxPool/AveragePool stay as they
are with ``auto_pad`` resolved into explicit pads (``conv.explicit_pads``);
their meaning is ``pimsim.spec.semantics`` (ONNX's definition), their price a
``vector`` operator (``compiler.passes.partition``: a max is ``k - 1``
compares per output, an average ``k - 1`` adds and one division, k = window
elements).  Global pools are the reductions they are: ReduceMean / ReduceMax
over the spatial axes, keeping them.  MaxPool's second output (Indices, and
``storage_order``, which only orders it) is not supported.
"""

from __future__ import annotations

import numpy as np

from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name
from compiler.frontend.ops.conv import explicit_pads

POOL_ATTRS = ("kernel_shape", "strides", "dilations", "ceil_mode", "count_include_pad")


def Pool(b, node, attrs: dict) -> None:
    src = node_name(node)
    if node.op_type == "MaxPool":
        if len(node.output) > 1 and node.output[1]:
            raise Unsupported(b.path, src, "MaxPool", "Indices output", "only Y is computed")
        if attrs.get("storage_order", 0):
            raise Unsupported(b.path, src, "MaxPool", "storage_order=1", "it orders the Indices output only")
    x_shape = b.graph.values[node.input[0]].shape
    kernel = [int(k) for k in attrs["kernel_shape"]]
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID") and attrs.get("ceil_mode", 0):
        raise Unsupported(b.path, src, node.op_type, "ceil_mode with auto_pad SAME",
                          "ONNX leaves the combination undefined")
    kept = {k: attrs[k] for k in POOL_ATTRS if k in attrs}
    kept["pads"] = explicit_pads(b, node, attrs, x_shape[2:], kernel)
    b.emit(node.op_type, [node.input[0]], [node.output[0]], kept, src)


def GlobalPool(b, node, attrs: dict) -> None:
    rank = len(b.graph.values[node.input[0]].shape)
    axes = b.constant(np.arange(2, rank, dtype=np.int64), f"{node_name(node)}.axes")
    op = "ReduceMean" if node.op_type == "GlobalAveragePool" else "ReduceMax"
    b.emit(op, [node.input[0], axes], [node.output[0]], {"keepdims": 1}, node_name(node))
