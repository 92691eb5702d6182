"""Synthetic CTR data with the real schemas, for tests, benchmarks and KDD (only 11 real rows are available).

Assumptions (not fitted to the real data, chosen to be schema-faithful and learnable):

- categorical ids follow a Zipf law (exponent 1.2) per field, as click logs are heavy-tailed; ~5 % empty;
- integer features are geometric counts (KDD: Impression >= 1, Position <= Depth <= 3, Click <= Impression);
- the click probability is ``sigmoid(bias + sum of per-id effects of the first 4 fields + 0.3 * dense[0])``,
  per-id effects N(0, 1) derived from a hash of (field, id) so no table is stored; bias gives a ~20 %
  click rate (Criteo's is 22 %, Avazu's 17 %). A model can therefore beat AUC 0.5 by learning embeddings.

``synthetic_tensors`` gives preprocessed tensors; ``write_synthetic_raw`` writes a raw file (Criteo TSV,
Avazu CSV with header, or KDD ``training.txt`` + ``userid_profile.txt``) that the readers parse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recsys_models.data.specs import AVAZU_HEADER, DEFAULT_HASH_SIZE, dataset_spec
from recsys_models.data.splits import _splitmix64

ZIPF_EXPONENT = 1.2
SIGNAL_FIELDS = 4
BIAS = -1.9


def _effect(field: int, ids: np.ndarray) -> np.ndarray:
    """A fixed N(0, 1)-like effect per (field, id) from a hash (Box-Muller on two hashed uniforms)."""
    h1 = _splitmix64(ids.astype(np.uint64) * np.uint64(64) + np.uint64(field))
    h2 = _splitmix64(h1)
    u1 = (h1 >> np.uint64(11)).astype(np.float64) / 2.0**53 + 1e-12
    u2 = (h2 >> np.uint64(11)).astype(np.float64) / 2.0**53
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def _raw_ids(rng, n_rows: int, n_fields: int) -> np.ndarray:
    ids = rng.zipf(ZIPF_EXPONENT, size=(n_rows, n_fields)).astype(np.int64)
    ids[rng.random((n_rows, n_fields)) < 0.05] = 0  # 0 = empty field
    return ids


def _click_prob(ids: np.ndarray, dense0: np.ndarray) -> np.ndarray:
    logit = BIAS + 0.3 * dense0
    for f in range(min(SIGNAL_FIELDS, ids.shape[1])):
        logit = logit + np.where(ids[:, f] > 0, _effect(f, ids[:, f]), 0.0)
    return 1 / (1 + np.exp(-logit))


def synthetic_tensors(name: str, n_rows: int, seed: int = 0, hash_size: int = DEFAULT_HASH_SIZE):
    """``(dense float32 [N, n_int], sparse int64 [N, n_cat], label float32 [N])`` numpy arrays."""
    spec = dataset_spec(name, hash_size)
    rng = np.random.default_rng(seed)
    raw = _raw_ids(rng, n_rows, spec.n_cat)
    tables = np.asarray(spec.table_sizes, dtype=np.int64)
    sparse = np.where(raw > 0, raw % (tables - 1) + 1, 0)
    if name == "kdd":
        imp = 1 + rng.geometric(0.7, n_rows) - 1
        depth = rng.integers(1, 4, n_rows)
        pos = np.minimum(rng.integers(1, 4, n_rows), depth)
        dense = np.log1p(np.stack([imp, depth, pos], axis=1)).astype(np.float32)
    elif name == "avazu":
        dense = np.zeros((n_rows, 1), np.float32)
    else:
        counts = rng.geometric(0.1, (n_rows, spec.n_int)) - 1
        dense = np.log1p(counts).astype(np.float32)
    p = _click_prob(raw, dense[:, 0])
    label = (rng.random(n_rows) < p).astype(np.float32)
    return dense, sparse.astype(np.int64), label


def write_synthetic_raw(name: str, path, n_rows: int, seed: int = 0) -> Path:
    """Write ``n_rows`` raw rows in the format of ``name``; KDD also writes ``userid_profile.txt`` beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as fh:
        if name == "avazu":
            fh.write(",".join(AVAZU_HEADER) + "\n")
        for start in range(0, n_rows, 50_000):
            fh.writelines(_raw_lines(name, rng, min(50_000, n_rows - start), start))
    if name == "kdd":
        users = np.arange(1, 20_001)
        g, a = rng.integers(0, 3, users.size), rng.integers(0, 7, users.size)
        (path.parent / "userid_profile.txt").write_text(
            "".join(f"{u}\t{x}\t{y}\n" for u, x, y in zip(users, g, a)), encoding="utf-8")
    return path


def _hex_id(field: int, ids: np.ndarray) -> list[str]:
    h = _splitmix64(ids.astype(np.uint64) * np.uint64(64) + np.uint64(field + 7)) & np.uint64(0xFFFFFFFF)
    return ["" if i == 0 else f"{v:08x}" for i, v in zip(ids.tolist(), h.tolist())]


def _raw_lines(name: str, rng, n: int, start: int) -> list[str]:
    if name == "criteo":
        counts = rng.geometric(0.1, (n, 13)) - 1
        ids = _raw_ids(rng, n, 26)
        label = (rng.random(n) < _click_prob(ids, np.log1p(counts[:, 0]))).astype(int)
        ints = [["" if e else str(c) for c, e in zip(row, emp)]
                for row, emp in zip(counts.tolist(), (rng.random((n, 13)) < 0.1).tolist())]
        cats = list(zip(*(_hex_id(f, ids[:, f]) for f in range(26))))
        return ["\t".join([str(y), *i, *c]) + "\n" for y, i, c in zip(label.tolist(), ints, cats)]
    if name == "avazu":
        ids = _raw_ids(rng, n, 21)
        label = (rng.random(n) < _click_prob(ids, np.zeros(n))).astype(int)
        hours = 14102100 + rng.integers(0, 24, n)
        cats = list(zip(*(_hex_id(f, ids[:, f]) for f in range(21))))
        return [f"{start + k},{y},{h}," + ",".join(c) + "\n"
                for k, (y, h, c) in enumerate(zip(label.tolist(), hours.tolist(), cats))]
    # KDD training.txt: Click Impression DisplayURL AdID AdvertiserID Depth Position QueryID KeywordID
    # TitleID DescriptionID UserID
    imp = rng.geometric(0.7, n)
    depth = rng.integers(1, 4, n)
    pos = np.minimum(rng.integers(1, 4, n), depth)
    ids = _raw_ids(rng, n, 8)
    p = _click_prob(ids, np.log1p(imp))
    click = rng.binomial(imp, p)
    cols = [click, imp, ids[:, 0], ids[:, 1], ids[:, 2], depth, pos, ids[:, 3], ids[:, 4], ids[:, 5], ids[:, 6],
            ids[:, 7]]
    return ["\t".join(map(str, row)) + "\n" for row in zip(*(c.tolist() for c in cols))]
