"""Element-wise arithmetic, nonlinearities and normalisation: vector-unit work.

ONNX signatures implemented (opset 13-21; attributes as in the spec):
  Add/Sub/Mul/Div/Pow/Mod(A, B) -> C               (multidirectional broadcasting)
  Relu/Sigmoid/Tanh/Exp/Log/Sqrt/Neg/Abs/Reciprocal/Erf/Floor/Ceil/Sign/Softplus/Not(X) -> Y
  LeakyRelu(X; alpha) -> Y ; Clip(input, min?, max?) -> output
  Max/Min/Sum/Mean(data_0, ...) -> result
  Softmax/LogSoftmax(input; axis=-1) -> output
  LayerNormalization(X, Scale, B?; axis=-1, epsilon=1e-5, stash_type) -> Y
  BatchNormalization(X, scale, B, input_mean, input_var; epsilon) -> Y   (inference form)
  Equal/Less/Greater/LessOrEqual/GreaterOrEqual/And/Or(A, B) -> C ; Where(condition, X, Y) -> output
  Cast(input; to) -> output ; Identity(input) -> output
"""

from __future__ import annotations

from compiler.frontend.ops import node_name

ELEMENTWISE_OPS = (
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs",
    "Reciprocal", "Erf", "Floor", "Ceil", "Sign", "Softplus", "Not", "LeakyRelu", "Clip", "Max", "Min", "Sum",
    "Mean", "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization", "Equal", "Less", "Greater",
    "LessOrEqual", "GreaterOrEqual", "And", "Or", "Where", "Cast", "Identity",
)
KEEP_ATTRS = {"LeakyRelu": ("alpha",), "Softmax": ("axis",), "LogSoftmax": ("axis",), "Mod": ("fmod",),
              "LayerNormalization": ("axis", "epsilon"), "BatchNormalization": ("epsilon",), "Cast": ("to",)}


def Elementwise(b, node, attrs: dict) -> None:
    if node.op_type == "BatchNormalization" and len([o for o in node.output if o]) > 1:
        from pimsim.spec.errors import SpecError

        raise SpecError(b.path, f"node {node_name(node)}: BatchNormalization in training mode is not supported")
    kept = {k: v for k, v in attrs.items() if k in KEEP_ATTRS.get(node.op_type, ())}
    b.emit(node.op_type, list(node.input), list(node.output), kept, node_name(node))
