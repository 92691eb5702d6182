"""Convolution lowered to crossbar matrix-vector products by im2col; pooling windows resolved the same way.

ONNX signature implemented:
  Conv-11/22(X, W, B?; auto_pad, dilations, group=1, kernel_shape, pads, strides) -> Y
Any number of spatial axes (1-D, 2-D, 3-D), group=1, constant W.  Lowering:
``pim.Im2Col(X) -> [N, P, C*k]`` (a buffer copy), ``pim.LinearMVM`` with
``W.reshape(Cout, -1).T`` (+ bias), then ``Transpose``/``Reshape`` back to
``[N, Cout, *out]``; P = output positions = input vectors per query (``m``).
``auto_pad`` SAME_UPPER/SAME_LOWER/VALID becomes explicit pads here (shapes are
known), so the IR only carries explicit pads (:func:`explicit_pads`, shared
with pooling).
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name
from compiler.frontend.ops.gemm import _linear


def explicit_pads(b, node, attrs: dict, spatial, kernel) -> list[int]:
    """``pads`` [x1_begin, x2_begin, ..., x1_end, ...] with ``auto_pad`` resolved (ONNX Conv-22 / pooling):
    SAME_* pads so that ``out = ceil(in / stride)``, the odd extra pad at the end (UPPER) or beginning (LOWER)."""
    nd = len(kernel)
    auto = attrs.get("auto_pad", "NOTSET")
    strides = list(attrs.get("strides") or [1] * nd)
    dil = list(attrs.get("dilations") or [1] * nd)
    if auto in ("NOTSET",):
        return [int(p) for p in attrs.get("pads") or [0] * 2 * nd]
    if auto == "VALID":
        return [0] * 2 * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise SpecError(b.path, f"node {node_name(node)} ({node.op_type}): auto_pad={auto!r} is not an ONNX value "
                                "(NOTSET, SAME_UPPER, SAME_LOWER, VALID)")
    begin, end = [], []
    for i in range(nd):
        out = -(-spatial[i] // strides[i])
        total = max(0, (out - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1 - spatial[i])
        small, large = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else large)
        end.append(large if auto == "SAME_UPPER" else small)
    return begin + end


def Conv(b, node, attrs: dict) -> None:
    src = node_name(node)
    w = b.const_data(node.input[1])
    bias = b.const_data(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if w is None or (len(node.input) > 2 and node.input[2] and bias is None):
        raise Unsupported(b.path, src, "Conv", "run-time weight", "weights and bias are programmed into crossbars: "
                                                                  "they must be initializers")
    if attrs.get("group", 1) != 1:
        raise Unsupported(b.path, src, "Conv", "group > 1", f"group={attrs['group']}")
    x_shape = b.graph.values[node.input[0]].shape
    kernel = list(attrs.get("kernel_shape") or w.shape[2:])
    nd = len(kernel)
    im_attrs = {"kernel_shape": kernel, "strides": list(attrs.get("strides") or [1] * nd),
                "dilations": list(attrs.get("dilations") or [1] * nd),
                "pads": explicit_pads(b, node, attrs, x_shape[2:], kernel)}
    patches, y = b.fresh(f"{src}.patches"), b.fresh(f"{src}.y")
    b.emit("pim.Im2Col", [node.input[0]], [patches], im_attrs, src)
    _linear(b, patches, w.reshape(w.shape[0], -1).T, bias, y, src, node.input[1])
    yt = b.fresh(f"{src}.yT")
    b.emit("Transpose", [y], [yt], {"perm": [0, 2, 1]}, src)
    out_spatial = _out_spatial(x_shape[2:], im_attrs)
    shape = b.constant(np.asarray([x_shape[0], w.shape[0], *out_spatial], np.int64), f"{src}.shape")
    b.emit("Reshape", [yt, shape], [node.output[0]], {}, src)


def _out_spatial(spatial, a: dict) -> list[int]:
    k, s, d, p = a["kernel_shape"], a["strides"], a["dilations"], a["pads"]
    nd = len(k)
    return [(spatial[i] + p[i] + p[i + nd] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(nd)]
