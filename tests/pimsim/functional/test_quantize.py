"""Quantisation helpers: hand-calculated ranges and rounding."""

from __future__ import annotations

import numpy as np
import pytest

from pimsim.functional.quantize import fake_quantize, quantize_vectors, quantize_weights


def test_vectors_use_unsigned_range_without_negatives():
    """(0, 1, 2, 3) at 2 bits: unsigned, qmax 3, scale 1 -> exact; (-1, 0.5) at 3 bits: signed,
    qmax 3, scale 1/3, 0.5*3 = 1.5 rounds half to even -> 2 -> 2/3."""
    q, scale, signed = quantize_vectors(np.array([[0.0, 1, 2, 3], [-1.0, 0.5, 0, 0]]), 2)
    assert list(signed) == [False, True]
    np.testing.assert_array_equal(q[0], [0, 1, 2, 3])
    np.testing.assert_allclose(fake_quantize(np.array([[-1.0, 0.5]]), 3, 1), [[-1.0, 2 / 3]])


def test_digital_ranges_are_per_last_axis_vector():
    """Two embedding rows of very different scale keep their own ranges (row-wise quantisation)."""
    x = np.array([[[100.0, 50.0], [0.01, 0.005]]])
    np.testing.assert_allclose(fake_quantize(x, 8, vector_axes=2), x, rtol=1e-2)
    assert fake_quantize(x, 8, vector_axes=1)[0, 1, 1] == 0.0  # one range per query would erase row 2
    assert fake_quantize(x, 24, vector_axes=2) is x  # >= 24 bits: float, untouched


def test_weights_per_column_scale():
    """Column max 2 and 0.5 at 3 bits (qmax 3): scales 2/3 and 1/6."""
    q, scale = quantize_weights(np.array([[2.0, 0.5], [-1.0, 0.25]]), 3)
    np.testing.assert_allclose(scale, [2 / 3, 1 / 6])
    np.testing.assert_array_equal(q, [[3, 3], [-2, 2]])  # -1/(2/3) = -1.5 -> -2 (half to even)
    with pytest.raises(ValueError, match="at least 2 bits"):
        quantize_weights(np.ones((2, 2)), 1)
