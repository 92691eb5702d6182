"""Convolution lowered to crossbar matrix-vector products by im2col.

ONNX signature implemented:
  Conv-11(X, W, B?; auto_pad="NOTSET", dilations, group=1, kernel_shape, pads, strides) -> Y
1-D and 2-D (any rank works the same way), group=1, constant W.  Lowering:
``pim.Im2Col(X) -> [N, P, C*k]`` (a buffer copy), ``pim.LinearMVM`` with
``W.reshape(Cout, -1).T`` (+ bias), then ``Transpose``/``Reshape`` back to
``[N, Cout, *out]``; P = output positions = input vectors per query (``m``).
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.ops import node_name
from compiler.frontend.ops.gemm import _linear


def Conv(b, node, attrs: dict) -> None:
    src = node_name(node)
    w = b.const_data(node.input[1])
    bias = b.const_data(node.input[2]) if len(node.input) > 2 and node.input[2] else None
    if w is None or attrs.get("group", 1) != 1 or attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise SpecError(b.path, f"node {src}: Conv is supported with a constant weight, group=1 and explicit pads "
                                f"(got group={attrs.get('group', 1)}, auto_pad={attrs.get('auto_pad', 'NOTSET')}, "
                                f"constant weight={w is not None})")
    nd = w.ndim - 2
    im_attrs = {"kernel_shape": list(attrs.get("kernel_shape") or w.shape[2:]),
                "strides": list(attrs.get("strides") or [1] * nd), "dilations": list(attrs.get("dilations") or [1] * nd),
                "pads": list(attrs.get("pads") or [0] * 2 * nd)}
    patches, y = b.fresh(f"{src}.patches"), b.fresh(f"{src}.y")
    b.emit("pim.Im2Col", [node.input[0]], [patches], im_attrs, src)
    _linear(b, patches, w.reshape(w.shape[0], -1).T, bias, y, src, node.input[1])
    yt = b.fresh(f"{src}.yT")
    b.emit("Transpose", [y], [yt], {"perm": [0, 2, 1]}, src)
    x_shape = b.graph.values[node.input[0]].shape
    out_spatial = _out_spatial(x_shape[2:], im_attrs)
    shape = b.constant(np.asarray([x_shape[0], w.shape[0], *out_spatial], np.int64), f"{src}.shape")
    b.emit("Reshape", [yt, shape], [node.output[0]], {}, src)


def _out_spatial(spatial, a: dict) -> list[int]:
    k, s, d, p = a["kernel_shape"], a["strides"], a["dilations"], a["pads"]
    nd = len(k)
    return [(spatial[i] + p[i] + p[i + nd] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(nd)]
