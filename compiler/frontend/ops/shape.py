"""Data movement and shape arithmetic: views, copies and the Shape family (folded).

ONNX signatures implemented (opset 11-28):
  Reshape(data, shape; allowzero=0) -> reshaped ; Flatten(input; axis=1) -> output
  Squeeze-13(data, axes?) -> squeezed ; Unsqueeze-13(data, axes) -> expanded  (-11: axes attribute -> input)
  Transpose(data; perm) -> transposed ; Concat(inputs...; axis) -> concat_result
  Split-13(input, split?; axis=0) / Split-18(input, split?; axis=0, num_outputs) -> outputs...
  Slice-13(data, starts, ends, axes?, steps?) -> output
  Expand(input, shape) ; Tile(input, repeats) ; CumSum(x, axis; exclusive, reverse)
  Pad-18(data, pads, constant_value?, axes?; mode="constant"|"reflect"|"edge"|"wrap") -> output
  Shape-15(data; start, end) ; Size(data) ; ConstantOfShape(input; value) ; Range(start, limit, delta)
  Constant(; value | value_float(s) | value_int(s)) -> output
With the batch fixed, Shape/Size fold into constants, and so does everything
computed from them.
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name

PASSTHROUGH_OPS = ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Slice", "Expand", "Tile",
                   "CumSum", "Shape", "Size", "ConstantOfShape", "Range", "Pad")


def Passthrough(b, node, attrs: dict) -> None:
    kept = dict(attrs)
    if node.op_type == "ConstantOfShape":
        value = np.asarray(attrs.get("value", np.zeros(1, np.float32)))
        kept = {"value": value.reshape(-1).tolist(), "value_dtype": value.dtype.name}
    if node.op_type == "Pad":
        _check_pad(b, node, attrs)
    if node.op_type == "Transpose" and "perm" not in kept:
        rank = len(b.graph.values[node.input[0]].shape)
        kept["perm"] = list(reversed(range(rank)))
    inputs = list(node.input)
    if node.op_type in ("Squeeze", "Unsqueeze") and "axes" in kept:  # opset 11/12: axes as an attribute
        inputs = [inputs[0], b.constant(np.asarray(kept.pop("axes"), np.int64), f"{node_name(node)}.axes")]
    if node.op_type == "Squeeze" and (len(inputs) < 2 or not inputs[1]):
        inputs = [inputs[0], _squeezed_axes(b, node)]
    b.emit(node.op_type, inputs, list(node.output), kept, node_name(node))


def _squeezed_axes(b, node) -> str:
    """Squeeze without ``axes`` as explicit axes: every size-1 axis except the batch axis.

    ONNX removes every axis of size 1 at run time.  The batch is symbolic in the model and the compiler fixes it
    (to 1 for a per-query mapping); the exporter traced an example batch larger than 1, so the graph after the
    Squeeze expects the batch axis kept (``x.squeeze()`` in DCN-Mix's cross network: at batch 1, onnxruntime
    itself fails on the Concat that follows).  Keeping the batch axis keeps the graph's ranks what they are for
    every batch above 1.
    """
    x = b.graph.values[node.input[0]]
    axes = [a for a, d in enumerate(x.shape) if d == 1 and a != x.batch_axis]
    return b.constant(np.asarray(axes, np.int64), f"{node_name(node)}.axes")


PAD_MODES = ("constant", "reflect", "edge", "wrap")


def _check_pad(b, node, attrs: dict) -> None:
    """Pads and axes must fold to constants: the output shape (and so the mapping's cost) depends on them."""
    if "pads" in attrs:  # opset < 11 attribute form
        raise SpecError(b.path, f"node {node_name(node)}: Pad with a pads attribute (opset < 11) is not supported")
    mode = attrs.get("mode", "constant")
    if mode not in PAD_MODES:
        raise SpecError(b.path, f"node {node_name(node)}: Pad mode {mode!r} is not supported "
                                f"(supported: {', '.join(PAD_MODES)})")
    for i, what in ((1, "pads"), (3, "axes")):
        name = node.input[i] if len(node.input) > i else ""
        if name and b.const_data(name) is None:
            raise Unsupported(b.path, node_name(node), "Pad", "run-time pads",
                              f"{what} ({name}) are computed at run time; the output shape must be known at compile "
                              "time")

def Split(b, node, attrs: dict) -> None:
    kept = {"axis": attrs.get("axis", 0)}
    inputs = list(node.input)
    if "split" in attrs:  # opset < 13 attribute form, accepted for robustness
        inputs = inputs[:1] + [b.constant(np.asarray(attrs["split"], np.int64), "split")]
    if len(inputs) < 2 or not inputs[1]:
        kept["num_outputs"] = attrs.get("num_outputs", len(node.output))
    b.emit("Split", inputs, list(node.output), kept, node_name(node))


def Constant(b, node, attrs: dict) -> None:
    for key, dtype in (("value", None), ("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in attrs:
            b.add_constant(node.output[0], np.asarray(attrs[key], dtype=dtype))
            return
    raise Unsupported(b.path, node_name(node), "Constant", "sparse or string value", f"attributes {sorted(attrs)}")
