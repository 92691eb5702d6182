"""Fake quantisation: equal to a NumPy reference, straight-through gradient, per-bit-width scales."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recsys_models.blocks.quant import OpQuant, fake_quant, weight_scale
from recsys_models.space import OpPrecision


def numpy_fake_quant(x: np.ndarray, scale: float, bits: int) -> np.ndarray:
    """Reference: clip(round_half_even(x / s), -2^(b-1), 2^(b-1)-1) * s (ONNX QuantizeLinear + Clip + Dequantize)."""
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return (np.clip(np.round(x / np.float32(scale)), lo, hi) * np.float32(scale)).astype(np.float32)


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_fake_quant_equals_numpy_reference(bits):
    x = torch.randn(1000, generator=torch.Generator().manual_seed(bits)) * 3
    scale = torch.tensor(0.37)
    got = fake_quant(x, scale, bits).numpy()
    np.testing.assert_array_equal(got, numpy_fake_quant(x.numpy(), 0.37, bits))
    assert len(np.unique(got)) <= 2 ** bits


def test_straight_through_gradient_inside_range_only():
    """4 bits, scale 1: codes -8..7, so x = 7.4 is inside (rounds to 7) and x = 9 and -9 are clipped."""
    x = torch.tensor([0.2, -3.6, 7.4, 9.0, -9.0], requires_grad=True)
    fake_quant(x, torch.tensor(1.0), 4).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_weight_scale_per_bit_width():
    """max|W| = 2.54: scale = 2.54 / 127 at 8 bits, 2.54 / 7 at 4 bits, 2.54 / 1 at 2 bits."""
    w = torch.tensor([[0.1, -2.54], [1.0, 0.5]])
    assert weight_scale(w, 8).item() == pytest.approx(2.54 / 127)
    assert weight_scale(w, 4).item() == pytest.approx(2.54 / 7)
    assert weight_scale(w, 2).item() == pytest.approx(2.54)


def test_activation_ranges_are_kept_per_bit_width():
    """EMA (momentum 0.9) of max|x| per bit width: first batch initialises, later batches blend."""
    q = OpQuant(("in",)).train()
    q.precision = OpPrecision(8, 4)
    q.a(torch.tensor([1.0, -2.0]), "in")
    q.a(torch.tensor([4.0]), "in")
    assert q.act_absmax[0, 4].item() == pytest.approx(0.9 * 2.0 + 0.1 * 4.0)
    assert q.act_absmax[0, 8].item() == 0.0  # 8-bit activations never ran
    q.precision = OpPrecision(8, 8)
    q.a(torch.tensor([3.0]), "in")
    assert q.act_absmax[0, 8].item() == 3.0 and q.act_absmax[0, 4].item() == pytest.approx(2.2)
    q.eval()
    y = q.a(torch.tensor([1.0]), "in")  # eval: scale 3/127 from the frozen range, no update
    assert q.act_absmax[0, 8].item() == 3.0
    assert y.item() == pytest.approx(round(127 / 3) * 3 / 127)


def test_uncalibrated_range_uses_the_batch_in_eval():
    """No recorded range for 8-bit activations: eval quantises with this batch's max|x| = 2 (scale 2/127)."""
    q = OpQuant(("in",)).eval()
    q.precision = OpPrecision(8, 8)
    y = q.a(torch.tensor([2.0, 0.5]), "in")
    assert y.tolist() == pytest.approx([2.0, round(0.5 * 127 / 2) * 2 / 127])
    assert q.act_absmax[0, 8].item() == 0.0  # nothing stored
