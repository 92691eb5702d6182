"""ONNX corpus: truncated and random files, wrong opsets, unsupported ops, cycles, missing
initializers, absurd/negative/dynamic dimensions, NaN/Inf weights, broken external data, through
``pimcompile``.  Every case: one line naming the model file, non-zero exit, no mapping written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.robustness.conftest import assert_clean_error, call
from tests.robustness.models import F, build, graph_nodes, tiny_proto, tiny_weights


def _node(op, ins, outs, name, **attrs):
    from onnx import helper

    return helper.make_node(op, ins, outs, name=name, **attrs)


def _weights(**replace):
    return [(n, replace.get(n, v)) for n, v in tiny_weights()]


def _proto_cases():
    """(case_id, ModelProto builder, expected problem fragment or None)."""
    nodes = graph_nodes()
    io = dict(inputs=[("x", F, ["B", 8])], outputs=[("y", F, ["B", 8])])
    gemm = [_node("Gemm", ["x", "W", "b"], ["y"], "fc")]
    w8 = [("W", np.ones((8, 8), F)), ("b", np.zeros(8, F))]
    cases = [
        ("opset_9", lambda: tiny_proto(opset=9), "opset 9"),
        ("opset_10", lambda: tiny_proto(opset=10), "opset 10"),
        ("opset_29", lambda: tiny_proto(opset=29), None),
        ("opset_99", lambda: tiny_proto(opset=99), None),
        ("ir_version_99", lambda: tiny_proto(ir_version=99), None),
        ("ir_version_2", lambda: tiny_proto(ir_version=2), None),
        ("no_nodes", lambda: build([], **io), None),
        ("no_outputs", lambda: build(gemm, io["inputs"], [], w8), None),
        ("output_never_produced", lambda: build(gemm, io["inputs"], [("z", F, ["B", 8])], w8), "z"),
        ("cycle_two_nodes", lambda: build([_node("Relu", ["y"], ["a"], "r1"), _node("Relu", ["a"], ["y"], "r2")],
                                          **io), None),
        ("self_loop", lambda: build([_node("Add", ["x", "y"], ["y"], "loop")], **io), None),
        ("missing_initializer", lambda: build(gemm, **io), "W"),
        ("missing_bias_initializer", lambda: build(gemm, initializers=w8[:1], **io), "b"),
        ("same_output_twice", lambda: build([_node("Relu", ["x"], ["y"], "r1"), _node("Relu", ["x"], ["y"], "r2")],
                                            **io), None),
        ("weight_shape_mismatch", lambda: build(gemm, initializers=[("W", np.ones((7, 8), F)), w8[1]], **io), None),
        ("nan_weights", lambda: build(gemm, initializers=[("W", np.full((8, 8), np.nan, F)), w8[1]], **io), "NaN"),
        ("inf_weights", lambda: build(gemm, initializers=[("W", np.full((8, 8), np.inf, F)), w8[1]], **io), "Inf"),
        ("one_nan_weight", lambda: build(gemm, initializers=[("W", np.where(np.eye(8) > 0, np.nan, 1.0).astype(F)), w8[1]],
                                         **io), "NaN"),
        ("nan_embedding_table", lambda: tiny_proto(initializers=_weights(T=np.full((50, 4), np.nan, F))), "NaN"),
        ("inf_bias", lambda: build(gemm, initializers=[w8[0], ("b", np.full(8, -np.inf, F))], **io), "Inf"),
        ("zero_size_weight", lambda: build(gemm, initializers=[("W", np.ones((0, 8), F)), w8[1]], **io), None),
        ("negative_input_dim", lambda: build(gemm, [("x", F, [-3, 8])], io["outputs"], w8), None),
        ("zero_input_dim", lambda: build(gemm, [("x", F, [1, 0])], io["outputs"], w8), None),
        ("absurd_input_dim", lambda: build(gemm, [("x", F, [1, 1 << 40])], io["outputs"],
                                           [("W", np.ones((1, 8), F)), w8[1]]), None),
        ("absurd_batch_dim", lambda: build(gemm, [("x", F, [1 << 50, 8])], [("y", F, [1 << 50, 8])], w8), None),
        ("symbolic_feature_dim", lambda: build(gemm, [("x", F, ["B", "K"])], io["outputs"], w8), "symbolic"),
        ("symbolic_lookup_count", lambda: tiny_proto(inputs=[("idx", np.int64, ["B", "L"])]), "symbolic"),
        ("unknown_rank_input", lambda: build(gemm, [("x", F, None)], io["outputs"], w8), None),
        ("op_det", lambda: build([_node("Det", ["x"], ["y"], "det")], [("x", F, [4, 4])], [("y", F, [])]), "Det"),
        ("op_lstm", lambda: build([_node("LSTM", ["x", "W", "R"], ["", "y"], "lstm", hidden_size=2)],
                                  [("x", F, [1, 1, 2])], [("y", F, [1, 1, 2])],
                                  [("W", np.ones((1, 8, 2), F)), ("R", np.ones((1, 8, 2), F))]), "LSTM"),
        ("op_nms", lambda: build([_node("NonMaxSuppression", ["b", "s"], ["y"], "nms")],
                                 [("b", F, [1, 4, 4]), ("s", F, [1, 1, 4])], [("y", np.int64, ["N", 3])]), None),
        ("op_custom_domain", lambda: build([_node("Frob", ["x"], ["y"], "frob", domain="acme")], **io,
                                           domains=("acme",)), "Frob"),
        ("op_unknown_default_domain", lambda: build([_node("Frobnicate", ["x"], ["y"], "frob")], **io), None),
        ("relu_two_inputs", lambda: build([_node("Relu", ["x", "x"], ["y"], "r")], **io), None),
        ("gemm_bad_attr", lambda: build([_node("Gemm", ["x", "W", "b"], ["y"], "fc", transA=2)],
                                        initializers=w8, **io), None),
        ("gather_index_out_of_table", lambda: tiny_proto(initializers=_weights(T=np.ones((0, 4), F))), None),
    ]
    del nodes
    return cases


PROTO_CASES = _proto_cases()


@pytest.mark.parametrize("case_id, builder, problem", PROTO_CASES, ids=[c[0] for c in PROTO_CASES])
def test_bad_onnx_graph(tmp_path, capsys, case_id, builder, problem):
    path = tmp_path / "model.onnx"
    path.write_bytes(builder().SerializeToString())
    out = tmp_path / "mapping.json"
    assert_clean_error(call(capsys, "pimcompile", path, "-o", out), str(path), outputs=(out, out.with_suffix(
        ".weights.npz")), problem=problem)


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
def test_truncated_onnx(tmp_path, capsys, tiny_onnx, fraction):
    data = tiny_onnx.read_bytes()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: int(len(data) * fraction)] if fraction else b"")
    out = tmp_path / "mapping.json"
    result = call(capsys, "pimcompile", path, "-o", out)
    assert_clean_error(result, str(path), outputs=(out,))


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_onnx(tmp_path, capsys, seed):
    path = tmp_path / "noise.onnx"
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, 64 << seed, dtype=np.uint8).tobytes())
    out = tmp_path / "mapping.json"
    assert_clean_error(call(capsys, "pimcompile", path, "-o", out), str(path), outputs=(out,))


def _external(tmp_path: Path) -> Path:
    """The tiny model with every initializer in an external-data file ``tiny.data``."""
    import onnx

    model = tiny_proto()
    path = tmp_path / "ext.onnx"
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="tiny.data",
              size_threshold=0)
    return path


def test_external_data_missing(tmp_path, capsys):
    """An absent external-data file is an error, with or without --check; only the explicit
    --shapes-only compiles from shapes alone (tests/compiler/test_passes.py), and --check then still
    needs the numbers."""
    path = _external(tmp_path)
    (tmp_path / "tiny.data").unlink()
    out = tmp_path / "mapping.json"
    line = assert_clean_error(call(capsys, "pimcompile", path, "-o", out), str(path), outputs=(out,))
    assert "external data file tiny.data is missing" in line
    assert_clean_error(call(capsys, "pimcompile", path, "--check", "-o", out), str(path), outputs=(out,))
    assert_clean_error(call(capsys, "pimcompile", path, "--check", "--shapes-only", "-o", out), str(path),
                       outputs=(out,))
    assert call(capsys, "pimcompile", path, "--shapes-only", "-o", out).code == 0 and out.exists()


def test_external_data_truncated(tmp_path, capsys):
    path = _external(tmp_path)
    data = tmp_path / "tiny.data"
    data.write_bytes(data.read_bytes()[:10])
    out = tmp_path / "mapping.json"
    assert_clean_error(call(capsys, "pimcompile", path, "-o", out), str(path), outputs=(out,))


def test_external_data_path_escapes_model_directory(tmp_path, capsys):
    """An external-data location outside the model's directory (``../``) is refused, not followed."""
    import onnx

    inner = tmp_path / "inner"
    inner.mkdir()
    path = _external(inner)
    (inner / "tiny.data").rename(tmp_path / "tiny.data")
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../tiny.data"
    onnx.save(model, str(path))
    out = tmp_path / "mapping.json"
    assert_clean_error(call(capsys, "pimcompile", path, "-o", out), str(path), outputs=(out,))


def test_model_is_a_directory(tmp_path, capsys):
    d = tmp_path / "model.onnx"
    d.mkdir()
    assert_clean_error(call(capsys, "pimcompile", d, "-o", tmp_path / "m.json"), str(d))


@pytest.mark.parametrize("batch", ["0", "-4"])
def test_bad_batch_option(tmp_path, capsys, tiny_onnx, batch):
    out = tmp_path / "mapping.json"
    assert_clean_error(call(capsys, "pimcompile", tiny_onnx, "--batch", batch, "-o", out), "--batch", outputs=(out,))


def test_output_would_overwrite_the_model(tmp_path, capsys, tiny_onnx):
    """``-o`` naming the input model is refused: the model must survive."""
    path = tmp_path / "model.onnx"
    path.write_bytes(tiny_onnx.read_bytes())
    before = path.read_bytes()
    assert_clean_error(call(capsys, "pimcompile", path, "-o", path), "-o", problem="would overwrite")
    assert path.read_bytes() == before
