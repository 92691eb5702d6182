"""The whole-mapping executor on a hand-written 2-layer MLP mapping (tests/.../tiny_mlp.py).

The float reference is the NumPy forward pass of the same weights (tiny_mlp.float_reference).
"""

from __future__ import annotations

import numpy as np
import pytest

from pimsim.functional import infer, prepare, FunctionalSettings
from pimsim.spec.errors import SpecError
from tests.pimsim.functional.tiny_mlp import K, float_reference, write_tiny_mlp


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_mlp(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(7)
    return rng.standard_normal((64, K)).astype(np.float32)


def test_ideal_matches_float(tiny, batch):
    """Ideal: 16-bit crossbars, lossless ADC, float digital ops -> within 1e-4 of float."""
    out = infer(tiny, {"x": batch}, ideal=True)["p"]
    assert out.shape == (64, 3) and out.dtype == np.float32
    assert np.abs(out - float_reference(batch)).max() < 1e-4


def test_mapped_precision_costs_accuracy_and_adc_bits_matter(tiny, batch):
    """8-bit weights/inputs/outputs with the mapping's 8-bit ADC: error well above the ideal
    run's but small (< 0.05 in probability); a 3-bit ADC clips 128-row sums (max 384) hard."""
    ref = float_reference(batch)
    err8 = np.abs(infer(tiny, {"x": batch})["p"] - ref).max()
    err3 = np.abs(infer(tiny, {"x": batch}, adc_bits=3)["p"] - ref).max()
    err_ideal = np.abs(infer(tiny, {"x": batch}, ideal=True)["p"] - ref).max()
    assert err_ideal * 10 < err8 < 0.05
    assert err3 > 2 * err8


def test_variation_is_seeded(tiny, batch):
    a = infer(tiny, {"x": batch}, variation_sigma=0.1, seed=3)["p"]
    b = infer(tiny, {"x": batch}, variation_sigma=0.1, seed=3)["p"]
    c = infer(tiny, {"x": batch}, variation_sigma=0.1, seed=4)["p"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_result_of_a_query_does_not_depend_on_its_batch(tiny, batch):
    """Per-vector dynamic ranges: row 5 alone gives the same output as inside the batch."""
    model = prepare(str(tiny), FunctionalSettings())
    np.testing.assert_array_equal(model.run({"x": batch[5:6]})["p"][0], model.run({"x": batch})["p"][5])


def test_errors_name_the_file(tiny, batch, tmp_path):
    with pytest.raises(SpecError, match="graph input x is missing"):
        infer(tiny, {"y": batch})
    with pytest.raises(SpecError, match=r"graph input x has shape \[64, 199\]: expected \[batch, 200\]"):
        infer(tiny, {"x": batch[:, :199]})
    bad = tmp_path / "tiny.json"
    bad.write_text(tiny.read_text())
    np.savez(tmp_path / "tiny.weights.npz", w1=np.zeros(1))
    with pytest.raises(SpecError, match="sha256 does not match"):
        infer(bad, {"x": batch})


def test_dynamic_mvm_written_into_crossbars(tmp_path):
    """``a @ b`` with ``b`` written per query: ideal within 1e-4 of float matmul (NumPy), the
    8-bit run close to it, and a 2-bit ADC worse (8-row sums of 2-bit cells reach 24 > 3)."""
    from tests.pimsim.functional.tiny_mlp import write_tiny_bmm

    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((6, 3, 8)).astype(np.float32), rng.standard_normal((6, 8, 4)).astype(np.float32)
    ref = a.astype(np.float64) @ b
    path = write_tiny_bmm(tmp_path)
    ideal = infer(path, {"a": a, "b": b}, ideal=True)["p"]
    err8 = np.abs(infer(path, {"a": a, "b": b})["p"] - ref).max()
    err2 = np.abs(infer(path, {"a": a, "b": b}, adc_bits=2)["p"] - ref).max()
    assert np.abs(ideal - ref).max() < 1e-4 * np.abs(ref).max()
    assert 1e-4 < err8 < 0.1 * np.abs(ref).max() < err2
    vector = infer(write_tiny_bmm(tmp_path, "vector"), {"a": a, "b": b}, ideal=True)["p"]
    np.testing.assert_allclose(vector, ref, rtol=1e-5, atol=1e-5)
