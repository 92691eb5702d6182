"""The demo DLRM end to end: ``recsys export`` -> ``compiler.api`` -> functional inference vs onnxruntime.

Reference: onnxruntime on the exported ONNX model (the float model).  Ideal mode must
agree within 1e-4 (issue 11); the mapped precisions must cost accuracy in the expected order.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

ROWS = 256


@pytest.fixture(scope="module")
def dlrm(tmp_path_factory):
    """(mapping path, inputs, onnxruntime probabilities) for the untrained demo DLRM on the default arch."""
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort
    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.spec.arch import load_arch
    from recsys_models.cli import main as recsys
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import example_inputs

    d = tmp_path_factory.mktemp("dlrm")
    with contextlib.redirect_stdout(io.StringIO()):
        assert recsys(["export", "dlrm", "-o", str(d / "dlrm.onnx")]) == 0
    mapping, weights = compile_onnx_with_weights(str(d / "dlrm.onnx"), load_arch("default"))
    write_compiled(mapping, d / "dlrm.json", weights)
    spec = dataset_spec("criteo", 10_000)
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, ROWS, seed=3)
    inputs = {"dense": dense.numpy(), "sparse": sparse.numpy()}
    ref = ort.InferenceSession(str(d / "dlrm.onnx")).run(None, inputs)[0]
    return d / "dlrm.json", inputs, ref


def _err(dlrm, **kw) -> np.ndarray:
    from pimsim.functional import infer

    path, inputs, ref = dlrm
    out = infer(path, inputs, **kw)["prob"]
    assert out.shape == ref.shape == (ROWS, 1)
    return np.abs(out.astype(np.float64) - ref)


def test_ideal_matches_onnxruntime_within_1e_4(dlrm):
    assert _err(dlrm, ideal=True).max() < 1e-4


def test_lower_precision_costs_more(dlrm):
    """Mean |error| grows as the ADC narrows (the mapping's 8 bits -> 4 -> 3) and with variation."""
    ideal, mapped = _err(dlrm, ideal=True).mean(), _err(dlrm).mean()
    adc4, adc3 = _err(dlrm, adc_bits=4).mean(), _err(dlrm, adc_bits=3).mean()
    assert ideal < mapped < adc4 < adc3
    assert _err(dlrm, stuck_at_rate=0.01).mean() > mapped


def test_cli_infer_on_the_compiled_mapping(dlrm, tmp_path, capsys):
    from pimsim.cli import main
    from pimsim.functional import infer

    path, inputs, _ = dlrm
    np.savez(tmp_path / "in.npz", **inputs)
    assert main(["infer", str(path), "--inputs", str(tmp_path / "in.npz"), "-o", str(tmp_path / "o.npz")]) == 0
    with np.load(tmp_path / "o.npz") as out:
        np.testing.assert_array_equal(out["prob"], infer(path, inputs)["prob"])
    assert "prob: max_abs_error_vs_ideal=" in capsys.readouterr().out
