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


def build(nodes, inputs, outputs, initializers=(), opset: int = 20, domains=(), ir_version: int = 9, name="tiny"):
    """An onnx.ModelProto; ``inputs``/``outputs`` are (name, dtype, shape) with str dims symbolic."""
    from onnx import helper, numpy_helper

    def info(n, dtype, shape):
        return helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)

    graph = helper.make_graph(list(nodes), name, [info(*i) for i in inputs], [info(*o) for o in outputs],
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


def mini_dlrm_proto(tables: int = 3, rows: int = 1000, dim: int = 16, dense: int = 13, seed: int = 1):
    """A DLRM-shaped graph: embedding lookups + bottom MLP, pairwise dot products
    (MatMul of activations), top MLP, Sigmoid.  Enough operators for placement ties to matter."""
    from onnx import helper

    rng = np.random.default_rng(seed)
    nodes, inits = [], []

    def mlp(x, sizes, prefix):
        for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
            w, b, y = f"{prefix}{i}_W", f"{prefix}{i}_b", f"{prefix}{i}_y"
            inits.extend([(w, (rng.standard_normal((k, n)) / np.sqrt(k)).astype(F)), (b, np.zeros(n, F))])
            nodes.append(helper.make_node("Gemm", [x, w, b], [f"{y}_lin"], name=f"{prefix}{i}"))
            nodes.append(helper.make_node("Relu", [f"{y}_lin"], [y], name=f"{prefix}{i}_relu"))
            x = y
        return x

    bottom = mlp("dense", [dense, 64, dim], "bot")
    feats = [bottom]
    for t in range(tables):
        inits.append((f"T{t}", rng.standard_normal((rows, dim)).astype(F)))
        nodes.append(helper.make_node("Gather", [f"T{t}", f"idx{t}"], [f"e{t}"], name=f"emb{t}"))
        feats.append(f"e{t}")
    nodes.append(helper.make_node("Concat", feats, ["cat"], name="cat", axis=1))
    inits.append(("shape3", np.array([-1, tables + 1, dim], np.int64)))
    nodes.append(helper.make_node("Reshape", ["cat", "shape3"], ["z"], name="stack"))
    nodes.append(helper.make_node("Transpose", ["z"], ["zt"], name="zt", perm=[0, 2, 1]))
    nodes.append(helper.make_node("MatMul", ["z", "zt"], ["dots"], name="interact"))
    nodes.append(helper.make_node("Flatten", ["dots"], ["dflat"], name="dflat", axis=1))
    nodes.append(helper.make_node("Concat", [bottom, "dflat"], ["top_in"], name="top_cat", axis=1))
    top = mlp("top_in", [dim + (tables + 1) ** 2, 64, 1], "top")
    nodes.append(helper.make_node("Sigmoid", [top], ["p"], name="prob"))
    inputs = [("dense", F, ["B", dense])] + [(f"idx{t}", np.int64, ["B"]) for t in range(tables)]
    return build(nodes, inputs, [("p", F, ["B", 1])], inits)
