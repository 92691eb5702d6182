"""Data-parallel training under ``torchrun``: one process per GPU (NCCL) or per CPU process (gloo).

    torchrun --nproc-per-node 4 $(which recsys) train --model dlrm ... --device cuda --batch-size 1024
    torchrun --nproc-per-node 2 $(which recsys) supernet train ... --device cpu

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous address; :func:`init` then joins the
process group (``nccl`` for CUDA devices, ``gloo`` for the CPU) and the model is wrapped in
``DistributedDataParallel``. The batch flags give the *global* batch: every rank walks the same seeded stream and
keeps its own rows of each global batch (``recsys_models.data.dataset.shard_bounds``), so the ranks together see
exactly the rows a single process sees, in the same steps. Each rank's loss is ``sum over its rows / global rows
* world size``; DDP averages the gradients over the ranks, which gives the gradient of the mean loss over the
global batch, as one process computes it: the result equals a single-process run up to floating-point summation
order (tested with two gloo processes). The supernet draws the same subnet on every rank (same seeded generator)
and uses ``find_unused_parameters`` because each step trains a different subset of its weights; quantisation ranges
use the maximum over all ranks' rows (``recsys_models.blocks.quant``), as one process would see it.

Rank 0 alone validates, logs and writes files; the other ranks wait for its decisions (early stop) at a broadcast.
Parsing is per rank (each rank reads the file; ``--loader-workers`` parallelises it within a rank).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dist:
    """This process's place in the job: ``rank`` of ``world`` (``world == 1``: not distributed)."""

    rank: int = 0
    world: int = 1

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def shard(self) -> tuple[int, int]:
        return self.rank, self.world


SINGLE = Dist()


def launched() -> bool:
    """True inside a ``torchrun`` job of more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init(device) -> Dist:
    """Join the process group of a ``torchrun`` job (no-op outside one); backend from the device type."""
    if not launched():
        return SINGLE
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            import torch

            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return Dist(dist.get_rank(), dist.get_world_size())


def wrap(model, ctx: Dist, device, find_unused: bool = False):
    """``model`` in ``DistributedDataParallel`` when distributed (buffers are kept equal by the code itself)."""
    if not ctx.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    import inspect

    ids = [device.index] if device.type == "cuda" else None
    # buffers (quantisation ranges) are identical at the start and kept equal by an all-reduce: no per-step broadcast
    buffers = ({"forward_sync_buffers": False} if "forward_sync_buffers" in inspect.signature(DistributedDataParallel)
               .parameters else {"broadcast_buffers": False})
    return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=find_unused, **buffers)


def broadcast_flag(ctx: Dist, flag: bool, device) -> bool:
    """Rank 0's ``flag`` on every rank (an early-stop decision)."""
    if not ctx.active:
        return flag
    import torch
    import torch.distributed as dist

    t = torch.tensor([1 if flag else 0], device=device)
    dist.broadcast(t, src=0)
    return bool(t.item())


def barrier(ctx: Dist) -> None:
    if ctx.active:
        import torch.distributed as dist

        dist.barrier()


def shutdown(ctx: Dist, completed: bool = True) -> None:
    """Leave the process group.

    ``destroy_process_group`` is meant to be called by every rank together (torch.distributed docs, "Shutdown";
    pytorch PR 122358): after a completed run the ranks first meet at a barrier, because the other ranks finish
    before rank 0, which still validates and writes the outputs. Without it a rank tore its gloo connections down
    while rank 0 was still connected and aborted in gloo's C++ teardown ("terminate called without an active
    exception", SIGABRT; seen once in CI in tests/recsys_models/train/test_distributed.py). After a failure
    (``completed=False``) no rank waits for the others: the failing rank leaves at once and torchrun stops the job.
    """
    if ctx.active:
        import torch.distributed as dist

        if dist.is_initialized():
            if completed:
                dist.barrier()
            dist.destroy_process_group()
