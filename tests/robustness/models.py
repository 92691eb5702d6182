"""Small ONNX models built with onnx.helper for the robustness corpus (seeded: same bytes every run)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

F = np.float32


def graph_nodes():
    from onnx import helper

    return [helper.make_node("Gather", ["T", "idx"], ["e"], name="emb"),
            helper.make_node("Flatten", ["e"], ["ef"], name="flat", axis=1),
            helper.make_node("Gemm", ["ef", "W", "b"], ["h"], name="fc"),
            helper.make_node("Relu", ["h"], ["y"], name="act")]


def tiny_weights(seed: int = 0) -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [("T", rng.standard_normal((50, 4)).astype(F)), ("W", rng.standard_normal((8, 8)).astype(F)),
            ("b", np.zeros(8, F))]


def build(nodes, inputs, outputs, initializers=(), opset: int = 20, domains=(), ir_version: int = 9):
    """An onnx.ModelProto; ``inputs``/``outputs`` are (name, dtype, shape) with str dims symbolic."""
    from onnx import helper, numpy_helper

    def info(n, dtype, shape):
        return helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)

    graph = helper.make_graph(list(nodes), "tiny", [info(*i) for i in inputs], [info(*o) for o in outputs],
                              [numpy_helper.from_array(np.asarray(v), n) for n, v in initializers])
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = ir_version
    return model


def tiny_proto(**overrides):
    kw = dict(nodes=graph_nodes(), inputs=[("idx", np.int64, ["B", 2])], outputs=[("y", F, ["B", 8])],
              initializers=tiny_weights())
    kw.update(overrides)
    return build(**kw)


def tiny_model(path: Path) -> Path:
    import onnx

    onnx.save(tiny_proto(), str(path))
    return path
