"""Split-aware batch iterables over the raw files, and in-memory loading for small files.

``CTRData(...)`` streams one split of a raw file as ``(dense, sparse, label)`` torch batches; it can be
iterated again for every epoch (each pass re-reads the file, so memory stays bounded by the chunk size
plus one shuffle buffer). Shuffling is a seeded permutation inside each chunk of ``chunk_rows`` rows
(a bounded-memory approximation of a global shuffle); batches run across chunk boundaries. ``load_split`` keeps a whole split in memory,
for the 10k-row samples and for code that wants plain tensors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def shard_bounds(n: int, rank: int, world: int) -> tuple[int, int]:
    """Rows ``[lo, hi)`` of a global batch of ``n`` rows that rank ``rank`` of ``world`` takes (sizes differ by <= 1).

    Concatenating the shards of all ranks in rank order gives the global batch back, so ``world`` processes see
    exactly the rows one process would (``recsys_models.train.distributed``).
    """
    return rank * n // world, (rank + 1) * n // world


def _shard(rows, start: int, stop: int, shard):
    lo, hi = shard_bounds(stop - start, *shard)
    return tuple(t[start + lo:start + hi] for t in rows)


class CTRData:
    """One split of a dataset file as an iterable of torch batches ``(dense, sparse, label)``.

    Parameters
    ----------
    name : ``criteo`` | ``avazu`` | ``kdd``
    path : raw file (``.gz`` allowed) or a directory holding it
    split : ``train`` | ``val`` | ``test`` | ``all``
    batch_size : rows per batch (only the last batch of a pass may be smaller)
    hash_size : cap on embedding-table rows (see :func:`recsys_models.data.specs.dataset_spec`)
    shuffle : permute rows inside each chunk, with ``seed + epoch`` (call :meth:`set_epoch`)
    strict : fail on the first malformed row instead of counting and skipping it
    ratios, split_seed : the deterministic split (see :mod:`recsys_models.data.splits`)
    workers : parse in this many worker processes (0: in this process). Chunk ``k`` is parsed by worker
        ``k % workers`` and the chunks are consumed in file order, so batches do not depend on ``workers``.

    After a pass, ``stats`` holds the counts of that pass (rows read, malformed rows skipped).
    """

    def __init__(self, name: str, path, split: str = "train", batch_size: int = 256,
                 hash_size: int = DEFAULT_HASH_SIZE, shuffle: bool = False, seed: int = 0, strict: bool = False,
                 ratios=DEFAULT_RATIOS, split_seed: int = DEFAULT_SPLIT_SEED, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                 workers: int = 0):
        if split not in (*SPLITS, "all"):
            raise ValueError(f"split must be one of {SPLITS + ('all',)}, got {split!r}")
        self.spec = dataset_spec(name, hash_size)
        self.path = resolve_path(name, path)
        self.split, self.batch_size, self.shuffle, self.seed = split, int(batch_size), shuffle, seed
        self.strict, self.ratios, self.split_seed, self.chunk_rows = strict, ratios, split_seed, chunk_rows
        self.workers = int(workers)
        self.epoch = 0
        self.stats = ParseStats(str(self.path))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def split_chunks(self, part: int = 0, parts: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Numpy ``(dense, sparse, label)`` of this split per chunk of part ``part`` of ``parts`` (may be empty)."""
        want = None if self.split == "all" else SPLITS.index(self.split)
        for c in iter_chunks(self.spec, self.path, self.chunk_rows, self.strict, self.stats, part, parts):
            if want is None:
                yield c.dense, c.sparse, c.label
                continue
            keep = assign_splits(c.row_index, self.ratios, self.split_seed) == want
            yield c.dense[keep], c.sparse[keep], c.label[keep]

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Numpy ``(dense, sparse, label)`` chunks of this split, in file order (no torch needed)."""
        self.stats = ParseStats(str(self.path))
        for dense, sparse, label in self.split_chunks():
            if len(label):
                yield dense, sparse, label

    def _torch_chunks(self, device):
        """``(dense, sparse, label)`` torch chunks on ``device`` in file order (parsed by the workers if any)."""
        import torch

        self.stats = ParseStats(str(self.path))
        if self.workers <= 0:
            for chunk in self.split_chunks():
                yield tuple(torch.from_numpy(a).to(device, non_blocking=True) for a in chunk)
            return
        from recsys_models.data.loader import parallel_chunks

        yield from parallel_chunks(self, device)

    def batches(self, epoch: int | None = None, skip: int = 0, shard: tuple[int, int] = (0, 1), device=None):
        """The batches of one pass: epoch ``epoch`` (default ``self.epoch``), the first ``skip`` batches left out
        (a resumed run), each batch cut to rank ``shard[0]`` of ``shard[1]``'s rows (see :func:`shard_bounds`),
        on ``device`` (whole chunks are copied there, from pinned memory on a GPU, then indexed on the device).

        Every batch has ``batch_size`` rows except the pass's last: the rows a chunk leaves over open the next
        batch, followed by the next chunk's (shuffled) rows.
        """
        import torch

        device = torch.device("cpu") if device is None else torch.device(device)
        epoch = self.epoch if epoch is None else int(epoch)
        rng = np.random.default_rng([self.seed, epoch])
        k, carry = 0, None
        for chunk in self._torch_chunks(device):
            n = len(chunk[2])
            if n == 0:
                continue
            if self.shuffle:
                order = torch.from_numpy(rng.permutation(n)).to(device, non_blocking=True)
                chunk = tuple(t.index_select(0, order) for t in chunk)
            rows = chunk if carry is None else tuple(torch.cat([a, b]) for a, b in zip(carry, chunk))
            full = len(rows[2]) // self.batch_size * self.batch_size
            for s in range(0, full, self.batch_size):
                k += 1
                if k > skip:
                    yield _shard(rows, s, s + self.batch_size, shard)
            carry = tuple(t[full:] for t in rows) if full < len(rows[2]) else None
        if carry is not None and k + 1 > skip:
            yield _shard(carry, 0, len(carry[2]), shard)

    def __iter__(self):
        return self.batches()


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
    """In-memory tensors as a re-iterable of batches, with an optional seeded per-epoch shuffle.

    ``device`` moves the tensors there once (the whole split lives on the GPU, so a batch costs one index);
    the permutation is drawn on the CPU, so the batch order is the same on every device.
    """

    def __init__(self, dense, sparse, label, *, batch_size: int = 256, shuffle: bool = False, seed: int = 0,
                 device=None):
        if device is not None:
            dense, sparse, label = (t.to(device) for t in (dense, sparse, label))
        self.tensors, self.batch_size, self.shuffle, self.seed = (dense, sparse, label), batch_size, shuffle, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return -(-len(self.tensors[2]) // self.batch_size)

    def batches(self, epoch: int | None = None, skip: int = 0, shard: tuple[int, int] = (0, 1), device=None):
        """As :meth:`CTRData.batches` (``device`` is where the tensors already are: given at construction)."""
        import torch

        epoch = self.epoch if epoch is None else int(epoch)
        n = len(self.tensors[2])
        if self.shuffle:
            order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed * 1000 + epoch))
        else:
            order = torch.arange(n)
        order = order.to(self.tensors[2].device, non_blocking=True)
        for k, s in enumerate(range(0, n, self.batch_size)):
            if k < skip:
                continue
            lo, hi = shard_bounds(min(self.batch_size, n - s), *shard)
            i = order[s + lo:s + hi]
            yield tuple(t.index_select(0, i) for t in self.tensors)

    def __iter__(self):
        return self.batches()


def load_all_splits(name: str, path, **kwargs) -> tuple[dict[str, Any], CTRData]:
    """All three splits in memory from a single pass: ``({split: (dense, sparse, label)}, data)``.

    ``data.stats`` holds the parse counts of that pass.
    """
    import torch

    data = CTRData(name, path, "all", **kwargs)
    parts: dict[str, list] = {s: [] for s in SPLITS}
    for c in iter_chunks(data.spec, data.path, data.chunk_rows, data.strict, data.stats):
        which = assign_splits(c.row_index, data.ratios, data.split_seed)
        for k, s in enumerate(SPLITS):
            keep = which == k
            parts[s].append((c.dense[keep], c.sparse[keep], c.label[keep]))
    out = {}
    for s, chunks in parts.items():
        out[s] = tuple(torch.from_numpy(np.concatenate(p)) for p in zip(*chunks))
    return out, data
