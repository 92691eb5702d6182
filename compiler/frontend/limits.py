"""What the frontend declares unsupported: the one list that errors, docs and the conformance test share.

A lowering that meets a feature it does not implement raises :class:`Unsupported`
naming the node, the op and a *feature* key from :data:`LIMITS` (``"*"`` lists
limits of every op: data types, empty tensors).  The error is the usual one-line
``SpecError``; the key lets ``tests/conformance/test_onnx_node_suite.py`` tell a
declared limit (a skip, documented in docs/compiler.md's support table) from a
bug (a failure), and the support table lists the keys per op.
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

DTYPES = ("float32", "float64", "float16", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
          "uint64", "bool")
"""Tensor element types the IR carries (numpy dtypes): no strings, bfloat16, float8/float4 or 2/4-bit ints."""

LIMITS: dict[str, tuple[str, ...]] = {
    "*": ("data type", "empty tensor", "opset outside 11-28"),
    "Conv": ("group > 1", "run-time weight"),
    "MaxPool": ("storage_order=1", "Indices output", "ceil_mode with auto_pad SAME"),
    "AveragePool": ("ceil_mode with auto_pad SAME",),
    "BatchNormalization": ("training mode",),
    "Dropout": ("training mode", "mask output"),
    "If": ("data-dependent condition",),
    "Loop": ("data-dependent trip count",),  # or continuation condition
    "Pad": ("run-time pads",),
    **{op: ("run-time axes",) for op in ("Squeeze", "Unsqueeze", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                                        "ReduceProd", "ReduceL2", "CumSum")},
    "QuantizeLinear": ("blocked quantisation",),
    "DequantizeLinear": ("blocked quantisation",),
    "Slice": ("run-time bounds",),
    "Reshape": ("run-time shape",),
    "Expand": ("run-time shape",),
    "Tile": ("run-time repeats",),
    "Range": ("run-time bounds",),
    "ConstantOfShape": ("run-time shape",),
    "Split": ("run-time split sizes",),
    "Constant": ("sparse or string value",),
    "SequenceInsert": ("sequence not known at compile time",),
}
"""Op type -> the features its lowering refuses (``"*"``: every op)."""


class Unsupported(SpecError):
    """A declared limit (``feature`` in ``LIMITS[op]`` or ``LIMITS["*"]``) met at node ``node``.

    ``node`` is the ONNX node name, or ``None`` for a graph input or initializer (then ``op`` names it).
    """

    def __init__(self, path: str, node: str | None, op: str, feature: str, detail: str = ""):
        if feature not in LIMITS.get(op, ()) and feature not in LIMITS["*"]:
            raise KeyError(f"{op}: {feature!r} is not a declared limit (compiler.frontend.limits.LIMITS)")
        self.op, self.feature = op, feature
        where = f"node {node} ({op})" if node is not None else op
        super().__init__(path, f"{where}: not supported: {feature}" + (f" ({detail})" if detail else ""))


def dtype_name(dtype) -> str:
    return dtype if isinstance(dtype, str) else np.dtype(dtype).name


def check_dtype(path: str, node: str | None, op: str, what: str, dtype) -> None:
    """Refuse a tensor whose element type the IR does not carry."""
    name = dtype_name(dtype)
    if name not in DTYPES:
        raise Unsupported(path, node, op, "data type", f"{what} is {name} (the IR carries {', '.join(DTYPES)})")
