"""Parallel parsing of a raw file into pinned, prefetched chunks (``CTRData(..., workers=N)``).

Parsing is pure Python (about 70,000 Criteo rows per CPU-second, docs/performance.md), so one process cannot feed
a GPU that trains at hundreds of thousands of rows per second. Here ``N`` worker processes share the file
(``torch.utils.data.DataLoader`` over an iterable dataset): worker ``w`` parses the chunks ``k`` with
``k % N == w`` and skips the other lines without parsing them (``iter_chunks(part=w, parts=N)``). The DataLoader
returns the workers' items round-robin, i.e. chunk 0, 1, 2, ... in file order, so the batches are the same for any
``N``; it keeps ``2 N`` chunks in flight (``prefetch_factor`` 2) and, for a GPU, copies each chunk into pinned
memory in its pin thread, from where ``to(device, non_blocking=True)`` overlaps the copy with compute.

Workers are forked (the DataLoader's default on Linux; they never touch the GPU). A worker reports a bad file as
data, not as an exception: the DataLoader would re-raise it as a multi-line ``RuntimeError``; here the main process raises the same one-line ``UserError`` as
the serial path. Parse counts travel with each chunk and are summed into ``data.stats``.
"""

from __future__ import annotations

import torch

from recsys_models.data.readers import ParseStats
from recsys_models.errors import UserError

PREFETCH_CHUNKS_PER_WORKER = 2


class SplitChunks(torch.utils.data.IterableDataset):
    """One item per chunk of ``data`` (a ``CTRData``): ``(dense, sparse, label, (rows_read, rows_bad, examples),
    error)``; ``error`` is ``(path, message)`` of a ``UserError`` (then the arrays are ``None``)."""

    def __init__(self, data):
        self.data = data

    def __iter__(self):
        data = self.data
        info = torch.utils.data.get_worker_info()
        part, parts = (info.id, info.num_workers) if info is not None else (0, 1)
        data.stats = stats = ParseStats(str(data.path))
        seen = (0, 0, 0)
        try:
            for dense, sparse, label in data.split_chunks(part, parts):
                # the counts of this chunk alone: the stats object accumulates over the worker's chunks
                counts = (stats.rows_read - seen[0], stats.rows_bad - seen[1], list(stats.examples[seen[2]:]))
                seen = (stats.rows_read, stats.rows_bad, len(stats.examples))
                yield torch.from_numpy(dense), torch.from_numpy(sparse), torch.from_numpy(label), counts, None
        except UserError as exc:
            yield None, None, None, None, (exc.path, exc.message)


def parallel_chunks(data, device):
    """``(dense, sparse, label)`` torch chunks of ``data`` (a ``CTRData``) on ``device``, in file order."""
    loader = torch.utils.data.DataLoader(
        SplitChunks(data), batch_size=None, num_workers=data.workers, prefetch_factor=PREFETCH_CHUNKS_PER_WORKER,
        pin_memory=device.type == "cuda", persistent_workers=False)
    stats = ParseStats(str(data.path))
    try:
        for dense, sparse, label, counts, error in loader:
            if error is not None:
                raise UserError(*error)
            stats.rows_read += counts[0]
            stats.rows_bad += counts[1]
            stats.examples = (stats.examples + [tuple(e) for e in counts[2]])[:5]
            data.stats = stats
            yield tuple(t.to(device, non_blocking=True) for t in (dense, sparse, label))
    finally:
        data.stats = stats
