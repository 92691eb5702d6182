"""Element-wise arithmetic, nonlinearities and normalisation: vector-unit work.

ONNX signatures implemented (opset 11-28; attributes as in the spec, kept as they are):
  Add/Sub/Mul/Div/Pow/Mod(A, B) -> C               (multidirectional broadcasting)
  Relu/Sigmoid/Tanh/Exp/Log/Sqrt/Neg/Abs/Reciprocal/Erf/Floor/Ceil/Sign/Softplus/Not(X) -> Y
  LeakyRelu(X; alpha) -> Y ; PRelu(X, slope) -> Y ; Elu(X; alpha) -> Y ; HardSigmoid(X; alpha, beta) -> Y
  Gelu-20(X; approximate="none"|"tanh") -> Y ; Clip(input, min?, max?) -> output
  Dropout-13(data, ratio?, training_mode?) -> output   (inference: identity; training_mode must be absent/false)
  Max/Min/Sum/Mean(data_0, ...) -> result
  Softmax/LogSoftmax-13(input; axis=-1) -> output
    (-11: the input is coerced to 2-D at ``axis`` (default 1) and normalised over the flattened trailing axes:
     Flatten + Softmax-13(axis=-1) + Reshape back)
  LayerNormalization(X, Scale, B?; axis=-1, epsilon=1e-5, stash_type) -> Y
  BatchNormalization(X, scale, B, input_mean, input_var; epsilon) -> Y   (inference form)
  Equal/Less/Greater/LessOrEqual/GreaterOrEqual/And/Or(A, B) -> C ; Where(condition, X, Y) -> output
  Cast(input; to) -> output ; CastLike(input, target_type) -> output ; Identity(input) -> output
"""

from __future__ import annotations

import numpy as np

from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name

ELEMENTWISE_OPS = (
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs",
    "Reciprocal", "Erf", "Floor", "Ceil", "Sign", "Softplus", "Not", "LeakyRelu", "Clip", "Max", "Min", "Sum",
    "Mean", "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization", "Equal", "Less", "Greater",
    "LessOrEqual", "GreaterOrEqual", "And", "Or", "Where", "Cast", "CastLike", "Identity", "PRelu", "Elu", "HardSigmoid", "Gelu",
)


def Elementwise(b, node, attrs: dict) -> None:
    if node.op_type in ("Softmax", "LogSoftmax") and b.opset < 13:
        _softmax_11(b, node, attrs)
        return
    if node.op_type == "BatchNormalization" and (len([o for o in node.output if o]) > 1
                                                 or attrs.get("training_mode", 0)):
        raise Unsupported(b.path, node_name(node), "BatchNormalization", "training mode",
                          "inference uses the stored mean and variance")
    n = b.emit(node.op_type, list(node.input), list(node.output), attrs, node_name(node))
    if node.op_type == "Clip":
        _clip_bits(b, n)


def _softmax_11(b, node, attrs: dict) -> None:
    """Softmax-11/LogSoftmax-11: normalise over every axis from ``axis`` on (the input coerced to 2-D)."""
    src, x = node_name(node), node.input[0]
    shape = b.graph.values[x].shape
    axis = attrs.get("axis", 1) % max(len(shape), 1)
    if axis == len(shape) - 1:
        b.emit(node.op_type, [x], list(node.output), {"axis": -1}, src)
        return
    flat, y = b.fresh(f"{src}.flat"), b.fresh(f"{src}.y")
    b.emit("Flatten", [x], [flat], {"axis": axis}, src)
    b.emit(node.op_type, [flat], [y], {"axis": -1}, src)
    b.emit("Reshape", [y, b.constant(np.asarray(shape, np.int64), f"{src}.shape")], list(node.output), {}, src)


def _clip_bits(b, n) -> None:
    """Brevitas' QCDQ form: a Clip of a quantised integer to [-2^(k-1), 2^(k-1)-1] makes it k-bit."""
    import numpy as np

    x, out = b.graph.values[n.inputs[0]], b.graph.values[n.outputs[0]]
    lo = b.const_data(n.inputs[1]) if len(n.inputs) > 1 and n.inputs[1] else None
    hi = b.const_data(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
    if lo is None or hi is None or not np.issubdtype(np.dtype(x.dtype), np.integer):
        return
    levels = int(np.asarray(hi).reshape(-1)[0]) - int(np.asarray(lo).reshape(-1)[0]) + 1
    out.quant_bits = max(1, int(np.ceil(np.log2(max(levels, 2)))))


def Dropout(b, node, attrs: dict) -> None:
    mode = b.const_data(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if (len(node.input) > 2 and node.input[2] and mode is None) or (mode is not None and bool(np.asarray(mode))):
        raise Unsupported(b.path, node_name(node), "Dropout", "training mode", "inference is the identity")
    if len([o for o in node.output if o]) > 1:
        raise Unsupported(b.path, node_name(node), "Dropout", "mask output")
    b.emit("Identity", [node.input[0]], [node.output[0]], {}, node_name(node))
