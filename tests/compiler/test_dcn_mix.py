"""DCN-Mix's cross network (issue 19 item 2): a Squeeze without axes after an Unsqueeze, then a Concat.

At batch 1 ONNX's Squeeze without axes also removes the batch axis, and the Concat that follows fails: in
pimcompile's shape propagation before the fix (``node /Concat_1 (Concat): cannot evaluate: all the input arrays
must have same number of dimensions``) and in onnxruntime itself.  The exporters traced a batch above 1, so the
frontend keeps the batch axis (``compiler/frontend/ops/shape.py``); expected outputs are onnxruntime's at
batch >= 2 (``--check``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from compiler.cli import main
from tests.compiler.helpers import make_model

FIXTURES = Path(__file__).resolve().parent / "fixtures"
F = np.float32


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _minimal(tmp_path) -> Path:
    """x[B, 4] -> Unsqueeze(2) -> W @ . + . -> Squeeze() -> Concat(., Gemm(x)) along the last axis."""
    rng = np.random.default_rng(2)
    nodes = [helper.make_node("Unsqueeze", ["x", "ax2"], ["x0"], name="unsq"),
             helper.make_node("MatMul", ["W", "x0"], ["wx"], name="mm"),
             helper.make_node("Add", ["wx", "x0"], ["xl"], name="add"),
             helper.make_node("Squeeze", ["xl"], ["sq"], name="squeeze_all"),
             helper.make_node("Gemm", ["x", "G"], ["deep"], name="deep"),
             helper.make_node("Concat", ["sq", "deep"], ["y"], name="concat", axis=-1)]
    inits = [("ax2", np.array([2], np.int64)), ("W", rng.standard_normal((4, 4)).astype(F)),
             ("G", rng.standard_normal((4, 3)).astype(F))]
    return make_model(tmp_path / "squeeze_concat.onnx", nodes, [("x", F, ["B", 4])], [("y", F, ["B", 7])], inits, 17)


def test_minimal_graph_compiles_at_batch_1_and_matches_onnxruntime_above(tmp_path, capsys):
    from pimsim.spec.mapping import load_mapping

    path = _minimal(tmp_path)
    code, _, err = _run(capsys, path, "-o", tmp_path / "m.json", "--strategy", "naive")
    assert code == 0, err
    mapping = load_mapping(tmp_path / "m.json")
    values = {v.name: v for v in mapping.values}
    assert values["sq"].shape == [4] and values["sq"].batch_axis == 0 and values["y"].shape == [7]
    squeeze = next(op for op in mapping.operators if op.name == "squeeze_all")
    axes = next(v for v in mapping.values if v.name == squeeze.inputs[1])
    assert axes.constant  # the axes became explicit: [2], not the batch axis
    for batch in (2, 3):
        code, out, err = _run(capsys, path, "--check", "--batch", batch, "--strategy", "naive")
        assert code == 0 and f"(batch {batch}, seed 0)" in out, err


@pytest.mark.parametrize("fixture", ["cross_mix_torchscript17.onnx", "cross_mix_dynamo18.onnx"])
def test_dcn_mix_exports_compile_and_pass_check(capsys, fixture):
    path = FIXTURES / fixture
    code, out, err = _run(capsys, path, "--strategy", "naive", "--report")
    assert code == 0, err
    assert "mvm" in out
    code, out, err = _run(capsys, path, "--check", "--batch", "2", "--strategy", "naive")
    assert code == 0 and "(batch 2, seed 0)" in out, err
    # at batch 1 the model itself is invalid for onnxruntime: --check says so in one line and suggests a batch
    code, out, err = _run(capsys, path, "--check", "--strategy", "naive")
    assert code == 2 and "--check: onnxruntime cannot run the model on these inputs" in err
    assert "try --batch 2" in err and err.count("\n") == 1
