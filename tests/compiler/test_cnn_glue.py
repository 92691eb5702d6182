"""CNN glue (issue 18 item 1, frontend/IR/interpreter part): pooling, BatchNormalization, residual Add, Flatten.

Every expected value is onnxruntime's (``pimcompile --check``: the emitted mapping executed with
``pimsim.spec.semantics`` against onnxruntime on seeded inputs, within 1e-5 x max(1, |output|)) or a hand count
given in the test's docstring.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from onnx import helper

from compiler.cli import main
from tests.compiler.helpers import make_model

F = np.float32
R = np.random.default_rng(11)


def _check(path, capsys, *extra) -> str:
    code = main([str(path), "--check", "--strategy", "naive", *extra])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return out


def _pool_grid(op: str, rank: int) -> list[dict]:
    """Every combination of kernel, stride, pads, ceil_mode, dilations (and count_include_pad for averages), plus
    each auto_pad value: the attribute space of ONNX MaxPool-22 / AveragePool-22 for 1-D and 2-D inputs."""
    grid = []
    for k, s, p, ceil, d in itertools.product((2, 3), (1, 2), (0, 1), (0, 1), (1, 2)):
        if p >= k:  # ONNX requires pads smaller than the kernel
            continue
        attrs = {"kernel_shape": [k] * rank, "strides": [s] * rank, "pads": [p] * rank + [0] * rank,
                 "ceil_mode": ceil, "dilations": [d] * rank}
        if op == "AveragePool":
            grid += [dict(attrs, count_include_pad=c) for c in (0, 1)]
        else:
            grid.append(attrs)
    grid += [{"kernel_shape": [3] * rank, "strides": [2] * rank, "auto_pad": a}
             for a in ("SAME_UPPER", "SAME_LOWER", "VALID")]
    return grid


@pytest.mark.parametrize("op, rank", [("MaxPool", 1), ("MaxPool", 2), ("AveragePool", 1), ("AveragePool", 2)])
def test_pooling_every_attribute_combination_matches_onnxruntime(tmp_path, capsys, op, rank):
    """One model per (op, rank) holding one pooling node per attribute combination, all reading the same input:
    --check compares every output with onnxruntime."""
    grid = _pool_grid(op, rank)
    shape = [2, 3, 11] if rank == 1 else [2, 3, 9, 10]
    nodes = [helper.make_node(op, ["x"], [f"y{i}"], name=f"pool{i}", **attrs) for i, attrs in enumerate(grid)]
    outputs = [(f"y{i}", F, [None] * (rank + 2)) for i in range(len(grid))]
    path = make_model(tmp_path / "pools.onnx", nodes, [("x", F, shape)], outputs, [], 22)
    out = _check(path, capsys, "--batch", "2")
    assert f"over {len(grid)} output(s)" in out
    assert len(grid) >= (35 if op == "AveragePool" else 19)


def _conv_bn(prefix: str, x: str, cin: int, cout: int, y: str) -> tuple[list, list]:
    nodes = [helper.make_node("Conv", [x, f"{prefix}.w"], [f"{prefix}.c"], name=f"{prefix}/conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", [f"{prefix}.c", f"{prefix}.g", f"{prefix}.b", f"{prefix}.m",
                                                     f"{prefix}.v"], [y], name=f"{prefix}/bn", epsilon=1e-3)]
    inits = [(f"{prefix}.w", R.standard_normal((cout, cin, 3, 3)).astype(F) * 0.3),
             (f"{prefix}.g", R.uniform(0.5, 1.5, cout).astype(F)), (f"{prefix}.b", R.standard_normal(cout).astype(F)),
             (f"{prefix}.m", R.standard_normal(cout).astype(F)), (f"{prefix}.v", R.uniform(0.5, 2.0, cout).astype(F))]
    return nodes, inits


def _residual_net(tmp_path):
    """conv-BN-relu -> conv-BN -> + input (residual Add) -> relu -> MaxPool 2x2/2 -> GlobalAveragePool -> Flatten
    -> Gemm -> BN1d, plus a BN after a Relu (nothing to fold it into)."""
    n1, i1 = _conv_bn("b1", "x", 4, 4, "h1")
    n2, i2 = _conv_bn("b2", "r1", 4, 4, "h2")
    nodes = n1 + [helper.make_node("Relu", ["h1"], ["r1"], name="relu1")] + n2 + [
        helper.make_node("Add", ["h2", "x"], ["s"], name="residual"),
        helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
        helper.make_node("BatchNormalization", ["r2", "g3", "b3", "m3", "v3"], ["n3"], name="bn_after_relu"),
        helper.make_node("MaxPool", ["n3"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["gp"], name="gap"),
        helper.make_node("Flatten", ["gp"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["l"], name="fc", transB=1),
        helper.make_node("BatchNormalization", ["l", "g4", "b4", "m4", "v4"], ["y"], name="bn1d"),
    ]
    def bn(n, c):
        return [(f"g{n}", R.uniform(0.5, 1.5, c).astype(F)), (f"b{n}", R.standard_normal(c).astype(F)),
                (f"m{n}", R.standard_normal(c).astype(F)), (f"v{n}", R.uniform(0.5, 2.0, c).astype(F))]

    inits = i1 + i2 + bn(3, 4) + bn(4, 5) + [("fw", R.standard_normal((5, 4)).astype(F)),
                                            ("fb", R.standard_normal(5).astype(F))]
    return make_model(tmp_path / "resnet_block.onnx", nodes, [("x", F, ["B", 4, 6, 6])], [("y", F, ["B", 5])],
                      inits, 17)


def test_residual_block_matches_onnxruntime_and_folds_batch_norms(tmp_path, capsys):
    from compiler.api import compile_onnx_with_weights
    from pimsim.spec.arch import load_arch

    path = _residual_net(tmp_path)
    _check(path, capsys, "--batch", "3")
    mapping, _ = compile_onnx_with_weights(path, load_arch("default"), "naive", batch=3)
    ops = {op.name: op for op in mapping.operators}
    by_type = [op.op_type for op in mapping.operators]
    # the three BNs after a crossbar product fold into it; the one after a Relu stays a vector operator
    assert by_type.count("BatchNormalization") == 1 and ops["bn_after_relu"].kind == "vector"
    folded = {src for op in mapping.operators if op.kind == "mvm" for src in op.source_nodes}
    assert {"b1/bn", "b2/bn", "bn1d"} <= folded
    assert ops["residual"].op_type == "Add" and ops["residual"].kind == "vector"
    # MaxPool 2x2/2 of [4, 6, 6] per query: 4x3x3 = 36 outputs x (4 - 1) compares (module docstring of pool.py)
    assert ops["pool"].kind == "vector" and ops["pool"].ops == {"compare": 108}
    # GlobalAveragePool = ReduceMean over [4, 3, 3]: 36 adds (partition's ReduceMean price: one add per input)
    assert ops["gap"].op_type == "ReduceMean" and ops["gap"].ops == {"add": 36}


def test_average_pool_price(tmp_path):
    """AveragePool 3x3/1 of [2, 5, 5] per query: 2x3x3 = 18 outputs x (8 adds + 1 division)."""
    from compiler.api import compile_onnx_with_weights
    from pimsim.spec.arch import load_arch

    nodes = [helper.make_node("AveragePool", ["x"], ["y"], name="avg", kernel_shape=[3, 3])]
    path = make_model(tmp_path / "a.onnx", nodes, [("x", F, [1, 2, 5, 5])], [("y", F, [1, 2, 3, 3])], [], 22)
    mapping, _ = compile_onnx_with_weights(path, load_arch("default"), "naive")
    (op,) = mapping.operators
    assert op.kind == "vector" and op.ops == {"add": 144, "div": 18}


@pytest.mark.parametrize("attrs, outputs, message", [
    ({"storage_order": 1}, ["y"], "node mp (MaxPool): not supported: storage_order=1"),
    ({}, ["y", "idx"], "node mp (MaxPool): not supported: Indices output"),
])
def test_unsupported_pool_attributes_name_node_and_attribute(tmp_path, capsys, attrs, outputs, message):
    nodes = [helper.make_node("MaxPool", ["x"], outputs, name="mp", kernel_shape=[2, 2], **attrs)]
    outs = [("y", F, [None] * 4)] + ([("idx", np.int64, [None] * 4)] if len(outputs) > 1 else [])
    path = make_model(tmp_path / "m.onnx", nodes, [("x", F, [1, 2, 4, 4])], outs, [], 22)
    code = main([str(path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and err.startswith("error: ")
