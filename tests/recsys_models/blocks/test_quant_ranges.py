"""Range setting: MSE-optimal and percentile clips, per-channel weight scales, unsigned codes, old checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recsys_models.blocks.quant import OpQuant, fake_quant, mse_clip, quant_mse, weight_scale
from recsys_models.blocks.quantize import clip_from_samples
from recsys_models.space import OpPrecision


def numpy_mse(x: np.ndarray, clip: float, bits: int) -> float:
    """Independent reference: signed symmetric, scale = clip / (2^(b-1) - 1), round half to even, clip."""
    qmax = 2 ** (bits - 1) - 1
    s = np.float32(clip) / np.float32(qmax)
    return float(np.mean((np.clip(np.round(x / s), -qmax, qmax) * s - x) ** 2))


def test_mse_clip_minimises_the_stated_error_on_a_hand_made_tensor():
    """99 values of +-1 and one outlier 8, 4 bits (qmax 7).

    Hand calculation: clip 8 (max) -> scale 8/7, each +-1 becomes +-8/7, error (1/7)^2 = 0.0204 on 99 of 100 values:
    MSE 0.0202. Clip 7 -> scale 1, +-1 exact, 8 clipped to 7: MSE 1/100 = 0.01. The chosen clip must be the grid
    point (max|x| * k / 100) of least error by brute force in NumPy, and at least as good as clip 7.
    """
    x = np.array([1.0, -1.0] * 49 + [1.0, 8.0], dtype=np.float32)
    assert numpy_mse(x, 8.0, 4) == pytest.approx(0.99 / 49, rel=1e-5)
    assert numpy_mse(x, 7.0, 4) == pytest.approx(0.01, rel=1e-6)
    chosen = float(mse_clip(torch.from_numpy(x).unsqueeze(0), 4)[0])
    grid = [8.0 * k / 100 for k in range(1, 101)]
    errors = [numpy_mse(x, c, 4) for c in grid]
    assert chosen == pytest.approx(grid[int(np.argmin(errors))], rel=1e-6)
    assert numpy_mse(x, chosen, 4) <= 0.01 < numpy_mse(x, 8.0, 4)
    assert float(quant_mse(torch.from_numpy(x).unsqueeze(0), torch.tensor([chosen]), 4, False)[0]) == \
        pytest.approx(numpy_mse(x, chosen, 4), rel=1e-5)


def test_mse_clip_keeps_max_when_clipping_never_helps():
    """Values exactly on the 4-bit grid of max|x| = 7 (scale 1): zero error at the max, so the max is kept."""
    x = torch.arange(-7.0, 8.0).unsqueeze(0)
    assert float(mse_clip(x, 4)[0]) == 7.0


def test_percentile_and_max_clips():
    """|x| = 0..100 with alternating signs: max 100; torch.quantile interpolates linearly between order statistics,
    so the 99th percentile is the value at position 0.99 * 100 = 99 and the 99.5th 99.5 (exact in float32)."""
    x = torch.arange(0.0, 101.0) * torch.tensor([1.0, -1.0]).repeat(51)[:101]
    assert clip_from_samples(x, 4, False, "max", 99.99) == 100.0
    assert clip_from_samples(x, 4, False, "percentile", 99.0) == 99.0
    assert clip_from_samples(x, 4, False, "percentile", 99.5) == 99.5


def test_per_channel_weight_scales_are_row_max_over_qmax():
    """W = [[0.1, -2.54], [1.0, 0.3]]: per output row (axis 0) max|W_row| / (2^(b-1) - 1) = [2.54, 1.0] / 7 at
    4 bits; per column (axis 1, the [in, out] layout of 3-D linears) [1.0, 2.54] / 7; per tensor 2.54 / 7."""
    w = torch.tensor([[0.1, -2.54], [1.0, 0.3]])
    torch.testing.assert_close(weight_scale(w, 4, axis=0), torch.tensor([2.54, 1.0]) / 7)
    torch.testing.assert_close(weight_scale(w, 4, axis=1), torch.tensor([1.0, 2.54]) / 7)
    assert weight_scale(w, 4).item() == pytest.approx(2.54 / 7)
    q = fake_quant(w, weight_scale(w, 4, axis=0), 4, axis=0)
    # row 0 on the grid 2.54/7: 0.1 -> code 0 (0.28), -2.54 -> -7; row 1 on 1/7: 1.0 -> 7, 0.3 -> 2 (2.1)
    torch.testing.assert_close(q, torch.tensor([[0.0, -2.54], [1.0, 2 / 7]]))


def test_unsigned_codes_double_the_levels_of_non_negative_inputs():
    """4 bits unsigned: codes 0..15 with scale clip/15; signed: 0..7 on the positive side with scale clip/7."""
    x = torch.linspace(0.0, 1.5, 61)
    unsigned = fake_quant(x, torch.tensor(1.5 / 15), 4, unsigned=True)
    signed = fake_quant(x, torch.tensor(1.5 / 7), 4)
    assert len(torch.unique(unsigned)) == 16 and len(torch.unique(signed)) == 8
    assert float((unsigned - x).abs().max()) <= 1.5 / 30 + 1e-7 < float((signed - x).abs().max())


def test_checkpoint_without_the_new_buffers_loads_as_signed_per_tensor():
    """A state dict written before ``act_unsigned``/``weight_axis_mode``/``weight_mse`` existed still loads."""
    q = OpQuant(("in",))
    q.set_weight_ranges(per_channel=True, method="mse")
    q.act_unsigned.fill_(1.0)
    q.load_state_dict({"act_absmax": torch.full((1, 9), 2.0)})
    assert not q.per_channel and q.weight_mse.item() == 0 and q.act_unsigned.sum().item() == 0
    assert q.act_absmax[0, 4].item() == 2.0


def test_calibration_observes_floats_and_frozen_ranges_do_not_move():
    q = OpQuant(("in",))
    q.precision = OpPrecision(4, 4)
    q.observe = {}
    w = torch.tensor([[0.3, -1.0]])
    assert torch.equal(q.w(w), w) and torch.equal(q.a(torch.tensor([0.123]), "in"), torch.tensor([0.123]))
    q.observe = None
    q.set_range("in", 4, 1.5, unsigned=True)
    q.track_ranges = False
    q.train()
    q.a(torch.tensor([9.0]), "in")
    assert q.act_absmax[0, 4].item() == 1.5 and q.code_range("in") == (0, 15)
