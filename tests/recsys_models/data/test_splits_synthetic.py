"""Split assignment (exact 8:1:1 per block, deterministic) and the synthetic generator's schema."""

from __future__ import annotations

import numpy as np

from recsys_models.data import assign_splits, dataset_spec, synthetic_tensors


def test_split_exact_and_deterministic():
    s = assign_splits(np.arange(10_000))
    assert np.bincount(s).tolist() == [8000, 1000, 1000]  # 1,000 blocks of 10 rows, 8/1/1 per block
    assert np.array_equal(s, assign_splits(np.arange(10_000)))
    # independent of which rows are asked about together (chunking, skipped rows)
    assert np.array_equal(s[[5, 17, 9_999]], assign_splits(np.array([5, 17, 9_999])))
    other = assign_splits(np.arange(10_000), seed=7)
    assert np.bincount(other).tolist() == [8000, 1000, 1000] and not np.array_equal(s, other)


def test_split_other_ratios():
    s = assign_splits(np.arange(1_000), ratios=(3, 1, 0))
    assert np.bincount(s, minlength=3).tolist() == [750, 250, 0]


def test_synthetic_schema_all_datasets():
    for name in ("criteo", "avazu", "kdd"):
        spec = dataset_spec(name, hash_size=1_000)
        dense, sparse, label = synthetic_tensors(name, 4_000, seed=1, hash_size=1_000)
        assert dense.shape == (4_000, spec.n_int) and dense.dtype == np.float32
        assert sparse.shape == (4_000, spec.n_cat) and sparse.dtype == np.int64
        assert (sparse >= 0).all() and (sparse < np.asarray(spec.table_sizes)).all()
        assert set(np.unique(label)) == {0.0, 1.0}
        # bias -1.9 plus N(0,1) effects: click rate between 10 % and 35 % (Criteo 22 %, Avazu 17 %)
        assert 0.10 < label.mean() < 0.35
    again = synthetic_tensors("kdd", 4_000, seed=1, hash_size=1_000)
    assert all(np.array_equal(a, b) for a, b in zip(again, synthetic_tensors("kdd", 4_000, seed=1, hash_size=1_000)))
