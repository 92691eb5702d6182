"""CTR data: streaming readers of the raw Criteo / Avazu / KDD Cup 2012 files, splits, synthetic data.

API used by training, the supernet and the search::

    from recsys_models.data import dataset_spec, CTRData, load_split, synthetic_tensors

    spec = dataset_spec("criteo", hash_size=10_000)   # n_int=13, n_cat=26, table_sizes (capped)
    spec = dataset_spec("avazu")                       # n_int=1 (pseudo dense, 0), n_cat=24
    spec = dataset_spec("kdd")                         # n_int=3, n_cat=10

    # streaming, bounded memory, re-iterable per epoch; batches of torch tensors
    for dense, sparse, label in CTRData("criteo", "train.txt", split="train", batch_size=256, shuffle=True):
        ...   # dense float32 [B, n_int], sparse int64 [B, n_cat] (ids in [0, table_sizes[i])), label float32 [B]

    dense, sparse, label = load_split("avazu", "train.gz", "test")   # whole split in memory (small files)
    splits, data = load_all_splits("criteo", "sample.txt.gz")         # {"train"|"val"|"test": tensors}, 1 pass
    dense, sparse, label = synthetic_tensors("kdd", 20_000, seed=0)  # numpy, same schema

Splits: deterministic 8:1:1 (:mod:`recsys_models.data.splits`); preprocessing: :mod:`recsys_models.data.readers`.
Bad input raises :class:`recsys_models.errors.UserError` naming the file (and line).
"""

from __future__ import annotations

from recsys_models.data.dataset import CTRData, TensorBatches, load_all_splits, load_split, resolve_path
from recsys_models.data.readers import ParseStats, iter_chunks
from recsys_models.data.specs import DATASETS, DEFAULT_HASH_SIZE, DatasetSpec, dataset_spec
from recsys_models.data.splits import SPLITS, assign_splits
from recsys_models.data.synthetic import synthetic_tensors, write_synthetic_raw

__all__ = [
    "CTRData", "TensorBatches", "load_all_splits", "load_split", "resolve_path", "ParseStats", "iter_chunks", "DATASETS",
    "DEFAULT_HASH_SIZE", "DatasetSpec", "dataset_spec", "SPLITS", "assign_splits", "synthetic_tensors",
    "write_synthetic_raw",
]
