"""Build small ONNX models with onnx.helper for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def make_model(path: Path, nodes, inputs, outputs, initializers=(), opset: int = 20, domains=()) -> Path:
    """``inputs``/``outputs``: (name, numpy dtype, shape with 'B' for a symbolic batch)."""
    import onnx
    from onnx import helper, numpy_helper

    def info(name, dtype, shape):
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)

    graph = helper.make_graph(list(nodes), "test", [info(*i) for i in inputs], [info(*o) for o in outputs],
                              [numpy_helper.from_array(np.asarray(v), n) for n, v in initializers])
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 9
    onnx.save(model, str(path))
    return path
