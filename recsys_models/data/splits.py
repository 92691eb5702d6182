"""Deterministic, streaming train/validation/test assignment of rows.

NASRec splits with a 10-fold ``StratifiedKFold(shuffle=True, random_state=2018)`` into 8:1:1
(``recsys_search_space.md`` B.5), which needs every label in memory. Here the split must stream over
files of tens of GB, so rows are grouped in consecutive blocks of ``sum(ratios)`` (default 10) data rows,
and inside each block a seeded hash ranks the rows: the ``ratios[0]`` lowest ranks go to train, the next
``ratios[1]`` to validation, the rest to test. Every block therefore holds exactly 8:1:1, the assignment
depends only on (row index, seed) -- not on chunking, malformed rows or the reading order -- and the
proportions stay exact for every prefix of the file up to one block. It is not stratified by label; on
files of 10^4+ rows the label rate of each split differs from the file's by sampling noise only.
"""

from __future__ import annotations

import numpy as np

SPLITS = ("train", "val", "test")
DEFAULT_RATIOS = (8, 1, 1)
DEFAULT_SPLIT_SEED = 2018  # NASRec's random_state

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele et al. 2014), vectorised on uint64 with wrap-around."""
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _M64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _M64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _M64
        return x ^ (x >> np.uint64(31))


def assign_splits(row_index: np.ndarray, ratios=DEFAULT_RATIOS, seed: int = DEFAULT_SPLIT_SEED) -> np.ndarray:
    """Split id per row (0 = train, 1 = val, 2 = test) for 0-based data-row indices.

    Parameters
    ----------
    row_index : int array, index of each row among the file's data lines (header excluded)
    ratios : three non-negative integers, block size = their sum
    seed : split seed; a different seed gives a different (equally balanced) split
    """
    ratios = tuple(int(r) for r in ratios)
    if len(ratios) != 3 or min(ratios) < 0 or sum(ratios) < 1:
        raise ValueError(f"ratios must be three non-negative integers with a positive sum, got {ratios}")
    block = sum(ratios)
    idx = np.asarray(row_index, dtype=np.int64)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int8)
    blocks, pos = np.unique(idx // block, return_inverse=True)
    members = (blocks[:, None] * block + np.arange(block)[None, :]).astype(np.uint64)
    keys = _splitmix64(members ^ _splitmix64(np.full(1, seed, dtype=np.uint64)))
    rank = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
    r = rank[pos, idx % block]
    return np.where(r < ratios[0], 0, np.where(r < ratios[0] + ratios[1], 1, 2)).astype(np.int8)
