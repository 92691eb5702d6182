"""Reductions (vector units), in the opset-18 form with ``axes`` as an input.

ONNX signatures implemented:
  ReduceSum-13(data, axes?; keepdims=1, noop_with_empty_axes=0) -> reduced
  ReduceMean/ReduceMax/ReduceMin/ReduceProd/ReduceL2-13 (axes attribute) and -18 (axes input)
  ArgMax(data; axis=0, keepdims=1) -> reduced
Opset-13..17 ``axes`` attributes are rewritten into a constant ``axes`` input.
"""

from __future__ import annotations

import numpy as np

from compiler.frontend.ops import node_name

REDUCE_OPS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ArgMax")


def Reduce(b, node, attrs: dict) -> None:
    inputs = list(node.input)
    if "axes" in attrs:  # opset < 18 attribute form (ReduceSum has had the input form since 13)
        inputs = inputs[:1] + [b.constant(np.asarray(attrs.pop("axes"), np.int64), "axes")]
    b.emit(node.op_type, inputs, list(node.output), attrs, node_name(node))
