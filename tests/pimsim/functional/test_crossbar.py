"""Crossbar numerics against float matmul and hand-calculated ADC cases.

Expected values come from the hand calculations in each docstring (following the
encoding described in pimsim/functional/crossbar.py) or from exact integer matmul.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pimsim.functional.crossbar import (
    CrossbarNumerics,
    NonIdeality,
    mvm,
    program,
    row_blocks_from_mapping,
    uniform_row_blocks,
)


def _nm(**kw) -> CrossbarNumerics:
    base = dict(weight_bits=8, input_bits=8, cell_bits=2, dac_bits=1, adc_bits=None)
    return CrossbarNumerics(**{**base, **kw})


@pytest.mark.parametrize("encoding", ["differential", "offset"])
@pytest.mark.parametrize("cell_bits,dac_bits", [(1, 1), (2, 1), (2, 2), (3, 3), (4, 2)])
def test_representable_values_are_exact(encoding, cell_bits, dac_bits):
    """Integer weights whose column max is 2^(b-1)-1 and inputs whose max is the top code have
    scale 1, so a lossless crossbar returns exactly the integer matmul (sliced path forced)."""
    rng = np.random.default_rng(1)
    k, n = 200, 9
    w = rng.integers(-127, 128, size=(k, n)).astype(float)
    w[0] = 127  # every column reaches qmax = 127 -> scale 1
    x = rng.integers(0, 256, size=(6, k)).astype(float)
    x[:, 0] = 255  # unsigned vectors reaching 2^8 - 1 -> scale 1
    xs = rng.integers(-127, 128, size=(5, k)).astype(float)
    xs[:, 0] = -127  # signed vectors reaching -(2^7 - 1) -> scale 1
    prog = program(w, _nm(cell_bits=cell_bits, dac_bits=dac_bits, encoding=encoding), uniform_row_blocks(k, 64))
    for inputs in (x, xs):
        np.testing.assert_array_equal(mvm(prog, inputs, force_sliced=True), inputs @ w)
        np.testing.assert_array_equal(mvm(prog, inputs), inputs @ w)


def test_high_precision_matches_float_matmul():
    """16-bit weights and inputs, lossless ADC: relative error of one 16-bit quantisation step."""
    rng = np.random.default_rng(2)
    w, x = rng.standard_normal((300, 40)), rng.standard_normal((20, 300))
    prog = program(w, _nm(weight_bits=16, input_bits=16), uniform_row_blocks(300, 128))
    y, ref = mvm(prog, x, force_sliced=True), x @ w
    assert np.abs(y - ref).max() < 2e-4 * np.abs(ref).max()
    np.testing.assert_allclose(mvm(prog, x), y, rtol=1e-9, atol=1e-9)


def _ones_column(encoding="differential", **kw):
    """W = ones(4, 1), 2-bit weights on 1-bit cells: q = 1 -> slices (1, 0) in the + column."""
    return program(np.ones((4, 1)), _nm(weight_bits=2, input_bits=2, cell_bits=1, encoding=encoding, **kw),
                   uniform_row_blocks(4, 4))


def test_adc_clipping_hand_case():
    """x = ones(4) -> q = 3 (unsigned 2-bit, scale 1/3) = bits (1, 1).  Each read sums 4 rows
    of cells at level 1 -> 4, which a 2-bit clip ADC saturates at 3.  Shift-add: 3*1 + 3*2 = 9
    -> y = 9 * (1/3) * 1 = 3 instead of 4."""
    prog = _ones_column(adc_bits=2)
    assert mvm(prog, np.ones((1, 4)))[0, 0] == pytest.approx(3.0)
    assert mvm(_ones_column(adc_bits=3), np.ones((1, 4)))[0, 0] == pytest.approx(4.0)  # 4 <= 7: exact


def test_adc_full_range_hand_case():
    """Full-range ADC: full scale = 4 rows * 1 * 1 = 4, 2 bits -> step 4/3.  x = (1, 1, 0, 0):
    each read sums 2 -> rint(2 / (4/3)) = rint(1.5) = 2 -> 8/3; shift-add (8/3)*(1 + 2) = 8
    -> y = 8 / 3 instead of 2.  With x = ones: 4 -> 3 steps = 4 exactly."""
    prog = _ones_column(adc_bits=2, adc_range="full")
    assert mvm(prog, np.array([[1.0, 1, 0, 0]]))[0, 0] == pytest.approx(8 / 3)
    assert mvm(prog, np.ones((1, 4)))[0, 0] == pytest.approx(4.0)


def test_offset_encoding_hand_case():
    """W = (1, -1)^T, 2-bit offset encoding: stored u = q + 2 = (3, 1), slices of 1-bit cells
    (1, 1) and (1, 0).  x = (1, 1) -> q = (3, 3) (bits 1, 1).  Lossless: 3*3 + 3*1 - 2*(3+3) = 0.
    With a 1-bit clip ADC, slice 0 sums 2 -> 1 and slice 1 sums 1 -> 1, so each input bit gives
    1 + 2 = 3; shift-add 3*1 + 3*2 = 9, minus the digital offset 12 -> -3 -> y = -3/3 = -1."""
    w = np.array([[1.0], [-1.0]])
    nm = dict(weight_bits=2, input_bits=2, cell_bits=1, encoding="offset")
    x = np.ones((1, 2))
    assert mvm(program(w, _nm(**nm), uniform_row_blocks(2, 2)), x, force_sliced=True)[0, 0] == 0.0
    assert mvm(program(w, _nm(adc_bits=1, **nm), uniform_row_blocks(2, 2)), x)[0, 0] == pytest.approx(-1.0)


def test_signed_inputs_use_twos_complement_top_bit():
    """x = (-1, 0.5), 3-bit signed: scale 1/3, q = (-3, rint(1.5) = 2).  W = identity(2) with
    3-bit weights (qmax 3, scale 1/3 per column, q = 3 on the diagonal): y = q_x * 3 * (1/3)(1/3)
    = (-1, 2/3), through the top-bit read weighted -4 (-3 = 101b: 1 + 0*2 - 4)."""
    prog = program(np.eye(2), _nm(weight_bits=3, input_bits=3, cell_bits=1), uniform_row_blocks(2, 2))
    np.testing.assert_allclose(mvm(prog, np.array([[-1.0, 0.5]]), force_sliced=True), [[-1.0, 2 / 3]])


def test_irregular_blocks_group_rows_per_column():
    """Column 0 stored in one 4-row block, column 1 in two 2-row blocks.  W = ones(4, 2), x = ones:
    2-bit clip ADC: column 0 reads 4 -> 3 per slice (y = 3, as in the clipping case), column 1
    reads 2 + 2, each exact (y = 4)."""
    blk = lambda r0, rows, c0: SimpleNamespace(replica=0, row_start=r0, rows=rows, col_start=c0, cols=1,
                                               slice_start=0, slice_count=2)
    groups = row_blocks_from_mapping([blk(0, 4, 0), blk(0, 2, 1), blk(2, 2, 1)], k=4, n=2, slices=2)
    assert [(r0, rows) for r0, rows, _ in groups] == [(0, 2), (0, 4), (2, 2)]
    prog = program(np.ones((4, 2)), _nm(weight_bits=2, input_bits=2, cell_bits=1, adc_bits=2), groups)
    np.testing.assert_allclose(mvm(prog, np.ones((1, 4))), [[3.0, 4.0]])


def test_nonideality_is_seeded_and_grows_with_sigma():
    """Same seed, same output; error grows with sigma; sigma = 0 and rate = 0 is the ideal result."""
    rng = np.random.default_rng(3)
    w, x = rng.standard_normal((128, 32)), np.abs(rng.standard_normal((64, 128)))
    blocks, nm = uniform_row_blocks(128, 128), _nm(adc_bits=10)

    def err(sigma, rate=0.0, seed=0):
        y = mvm(program(w, nm, blocks, NonIdeality(sigma, rate, seed)), x)
        return np.abs(y - x @ w).mean(), y

    ideal, _ = err(0.0)
    e1, y1 = err(0.02)
    e2, _ = err(0.2)
    assert ideal < e1 < e2
    np.testing.assert_array_equal(err(0.02)[1], y1)
    assert not np.array_equal(err(0.02, seed=1)[1], y1)
    assert err(0.0, rate=0.05)[0] > 5 * ideal


def test_stuck_at_all_cells_hand_case():
    """Rate 1: every cell stuck at level 0 or 1 (1-bit cells).  W = ones(4,1), 2 bits: whatever
    sticks, the +column's (slice0, slice1) and the -column's cells are each 0 or 1, so y_int per
    input bit lies in [-3*4, 3*4] and the result differs from 4 for seed 0 (checked: not equal)."""
    prog = program(np.ones((4, 1)), _nm(weight_bits=2, input_bits=2, cell_bits=1), uniform_row_blocks(4, 4),
                   NonIdeality(0.0, 1.0, 0))
    levels = prog.groups[0].cells
    assert set(np.unique(levels)) <= {0.0, 1.0}
    y = mvm(prog, np.ones((1, 4)))[0, 0]
    assert abs(y) <= 12.0 and y != pytest.approx(4.0)
