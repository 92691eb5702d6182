"""Supernet training throughput (samples/s) on CPU against a plain DLRM trained in the same run.

Workload: the Criteo sample (``../shared/data/criteo/criteo_train_head10k.txt.gz``, train split, 10,000-row tables),
batch 512, Adagrad, one torch thread by default (the shared 2-core machine; see docs/performance.md). The supernet
runs single-operator any-connection steps (no full-supernet warm-up steps, which are ~10x dearer and only in the first
part of a run); the DLRM is ``recsys_models.baselines`` ``dlrm`` (NASRec's baseline dims). Reported: samples/s of each
and their ratio.

    .venv/bin/python benchmarks/supernet_throughput.py --steps 30
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"


def _dlrm_samples_per_s(spec, batches, steps: int) -> float:
    from recsys_models.baselines import build_model

    torch.manual_seed(0)
    model = build_model("dlrm", spec.n_int, spec.table_sizes).train()
    opt = torch.optim.Adagrad(model.parameters(), lr=0.12, eps=1e-2)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rows, t0 = 0, time.perf_counter()
    for k in range(steps):
        dense, sparse, label = batches[k % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss_fn(model(dense, sparse).reshape(-1), label).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        rows += len(label)
    return rows / (time.perf_counter() - t0)


def _supernet_samples_per_s(space_name: str, spec, batches, steps: int) -> float:
    from recsys_models.space import get_space
    from recsys_models.supernet import Supernet, SupernetTrainConfig, train_supernet

    torch.manual_seed(0)
    net = Supernet(get_space(space_name), spec)
    stats = train_supernet(net, batches, SupernetTrainConfig(steps=steps, warmup_steps=0), progress=False)
    return stats["samples_per_s"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from recsys_models.data import TensorBatches, dataset_spec, load_split

    spec = dataset_spec("criteo", 10_000)
    batches = list(TensorBatches(*load_split("criteo", SAMPLE, "train"), batch_size=args.batch))
    dlrm = _dlrm_samples_per_s(spec, batches, args.steps)
    print(f"| model | samples/s | supernet / DLRM |\n|---|---|---|\n| DLRM | {dlrm:.0f} | 1 |")
    for space in ("full", "small"):
        rate = _supernet_samples_per_s(space, spec, batches, args.steps)
        print(f"| supernet {space} | {rate:.0f} | {rate / dlrm:.3f} |")


if __name__ == "__main__":
    main()
