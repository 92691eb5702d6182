"""QuantizeLinear / DequantizeLinear: QDQ pairs carry per-tensor bit widths into precision.

ONNX signatures implemented:
  QuantizeLinear-13/19/21(x, y_scale, y_zero_point?; axis=1, saturate=1) -> y
  DequantizeLinear-13/19/21(x, x_scale, x_zero_point?; axis=1) -> y
A DequantizeLinear of a constant (a quantised weight) folds into a float
constant that remembers its bit width; on activations both nodes stay (their
arithmetic is real vector-unit work) and the dequantised value carries the
bit width that ``assign_precision`` gives its consumers.
"""

from __future__ import annotations

import numpy as np
from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name


def _bits(dtype) -> int:
    return np.dtype(dtype).itemsize * 8


def _check(b, node, attrs: dict) -> dict:
    if attrs.get("block_size"):
        raise Unsupported(b.path, node_name(node), node.op_type, "blocked quantisation",
                          f"block_size={attrs['block_size']}")
    return {k: v for k, v in attrs.items() if k != "block_size"}


def QuantizeLinear(b, node, attrs: dict) -> None:
    n = b.emit("QuantizeLinear", list(node.input), list(node.output), _check(b, node, attrs), node_name(node))
    out = b.graph.values[n.outputs[0]]
    out.quant_bits = _bits(out.dtype)


def DequantizeLinear(b, node, attrs: dict) -> None:
    n = b.emit("DequantizeLinear", list(node.input), list(node.output), _check(b, node, attrs), node_name(node))
    src = b.graph.values[n.inputs[0]]
    b.graph.values[n.outputs[0]].quant_bits = src.quant_bits or _bits(src.dtype)
