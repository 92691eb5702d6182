"""Split-aware batch iterables over the raw files, and in-memory loading for small files.

``CTRData(...)`` streams one split of a raw file as ``(dense, sparse, label)`` torch batches; it can be
iterated again for every epoch (each pass re-reads the file, so memory stays bounded by the chunk size
plus one shuffle buffer). Shuffling is a seeded permutation inside each chunk of ``chunk_rows`` rows
(a bounded-memory approximation of a global shuffle). ``load_split`` keeps a whole split in memory,
for the 10k-row samples and for code that wants plain tensors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from recsys_models.data.readers import DEFAULT_CHUNK_ROWS, ParseStats, iter_chunks
from recsys_models.data.specs import DEFAULT_HASH_SIZE, dataset_spec
from recsys_models.data.splits import DEFAULT_RATIOS, DEFAULT_SPLIT_SEED, SPLITS, assign_splits


def resolve_path(name: str, path) -> Path:
    """A file, or a directory holding the usual file name (``train.txt``, ``train.csv``/``train.gz``,
    ``training.txt``)."""
    path = Path(path)
    if path.is_dir():
        candidates = {"criteo": ("train.txt", "train.txt.gz"), "avazu": ("train.csv", "train.gz", "train"),
                      "kdd": ("training.txt", "training.txt.gz")}[name]
        for c in candidates:
            if (path / c).is_file():
                return path / c
        from recsys_models.errors import UserError

        raise UserError(path, f"directory holds none of {', '.join(candidates)}")
    return path


class CTRData:
    """One split of a dataset file as an iterable of torch batches ``(dense, sparse, label)``.

    Parameters
    ----------
    name : ``criteo`` | ``avazu`` | ``kdd``
    path : raw file (``.gz`` allowed) or a directory holding it
    split : ``train`` | ``val`` | ``test`` | ``all``
    batch_size : rows per batch (the last batch may be smaller)
    hash_size : cap on embedding-table rows (see :func:`recsys_models.data.specs.dataset_spec`)
    shuffle : permute rows inside each chunk, with ``seed + epoch`` (call :meth:`set_epoch`)
    strict : fail on the first malformed row instead of counting and skipping it
    ratios, split_seed : the deterministic split (see :mod:`recsys_models.data.splits`)

    After a pass, ``stats`` holds the counts of that pass (rows read, malformed rows skipped).
    """

    def __init__(self, name: str, path, split: str = "train", batch_size: int = 256,
                 hash_size: int = DEFAULT_HASH_SIZE, shuffle: bool = False, seed: int = 0, strict: bool = False,
                 ratios=DEFAULT_RATIOS, split_seed: int = DEFAULT_SPLIT_SEED, chunk_rows: int = DEFAULT_CHUNK_ROWS):
        if split not in (*SPLITS, "all"):
            raise ValueError(f"split must be one of {SPLITS + ('all',)}, got {split!r}")
        self.spec = dataset_spec(name, hash_size)
        self.path = resolve_path(name, path)
        self.split, self.batch_size, self.shuffle, self.seed = split, int(batch_size), shuffle, seed
        self.strict, self.ratios, self.split_seed, self.chunk_rows = strict, ratios, split_seed, chunk_rows
        self.epoch = 0
        self.stats = ParseStats(str(self.path))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Numpy ``(dense, sparse, label)`` chunks of this split, in file order (no torch needed)."""
        self.stats = ParseStats(str(self.path))
        want = None if self.split == "all" else SPLITS.index(self.split)
        for c in iter_chunks(self.spec, self.path, self.chunk_rows, self.strict, self.stats):
            if want is None:
                yield c.dense, c.sparse, c.label
                continue
            keep = assign_splits(c.row_index, self.ratios, self.split_seed) == want
            if keep.any():
                yield c.dense[keep], c.sparse[keep], c.label[keep]

    def __iter__(self):
        import torch

        rng = np.random.default_rng([self.seed, self.epoch])
        for dense, sparse, label in self.chunks():
            order = rng.permutation(len(label)) if self.shuffle else np.arange(len(label))
            for s in range(0, len(order), self.batch_size):
                i = order[s:s + self.batch_size]
                yield torch.from_numpy(dense[i]), torch.from_numpy(sparse[i]), torch.from_numpy(label[i])


def load_split(name: str, path, split: str = "train", **kwargs):
    """The whole split in memory as torch tensors ``(dense [N, n_int], sparse [N, n_cat], label [N])``.

    Meant for the samples and other files that fit in RAM; ``kwargs`` as for :class:`CTRData`.
    """
    import torch

    data = CTRData(name, path, split, **kwargs)
    parts = list(data.chunks())
    if not parts:
        spec = data.spec
        return (torch.zeros(0, spec.n_int), torch.zeros(0, spec.n_cat, dtype=torch.int64), torch.zeros(0))
    return tuple(torch.from_numpy(np.concatenate(p)) for p in zip(*parts))


class TensorBatches:
    """In-memory tensors as a re-iterable of batches, with an optional seeded per-epoch shuffle."""

    def __init__(self, dense, sparse, label, batch_size: int = 256, shuffle: bool = False, seed: int = 0):
        self.tensors, self.batch_size, self.shuffle, self.seed = (dense, sparse, label), batch_size, shuffle, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return -(-len(self.tensors[2]) // self.batch_size)

    def __iter__(self):
        import torch

        n = len(self.tensors[2])
        if self.shuffle:
            order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed * 1000 + self.epoch))
        else:
            order = torch.arange(n)
        for s in range(0, n, self.batch_size):
            i = order[s:s + self.batch_size]
            yield tuple(t[i] for t in self.tensors)


def load_all_splits(name: str, path, **kwargs):
    """All three splits in memory from a single pass: ``({split: (dense, sparse, label)}, data)``.

    ``data.stats`` holds the parse counts of that pass.
    """
    import torch

    data = CTRData(name, path, "all", **kwargs)
    parts = {s: [] for s in SPLITS}
    for c in iter_chunks(data.spec, data.path, data.chunk_rows, data.strict, data.stats):
        which = assign_splits(c.row_index, data.ratios, data.split_seed)
        for k, s in enumerate(SPLITS):
            keep = which == k
            parts[s].append((c.dense[keep], c.sparse[keep], c.label[keep]))
    out = {}
    for s, chunks in parts.items():
        out[s] = tuple(torch.from_numpy(np.concatenate(p)) for p in zip(*chunks))
    return out, data
