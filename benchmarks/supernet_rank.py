"""Rank fidelity of the supernet: Kendall tau between inherited-weight and standalone-trained log loss.

Workload (small, to fit a shared 2-core CPU): the Criteo sample (``../shared/data/criteo/criteo_train_head10k.txt.gz``,
8:1:1 split, 10,000-row tables); NASRec-Full operators with reduced width menus (dense {16, 32, 64, 128}, sparse
{16, 32}) and the default precision menus. The supernet trains ``--steps`` batches of 256 (20 % warm-up); ``--subnets``
random architectures are then scored (a) with inherited weights after ``--finetune`` head steps (NASRec: 500) and
without fine-tuning, and (b) by training each from scratch (LayerNorm off, Adagrad at ``--standalone-lr``,
``--epochs`` epochs). All scores are
validation log loss. This is NASRec's experiment E10 in miniature: with 8,000 training rows every number is noisy.

    .venv/bin/python benchmarks/supernet_rank.py --steps 400 --subnets 10
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--subnets", type=int, default=10)
    p.add_argument("--finetune", type=int, default=100)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.05, help="supernet learning rate")
    p.add_argument("--standalone-lr", type=float, default=0.01, help="0.05 diverged for 2 of 8 subnets")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    from scipy.stats import kendalltau

    from recsys_models.data import TensorBatches, dataset_spec, load_split
    from recsys_models.space import arch_hash, get_space, sample_arch
    from recsys_models.supernet import Supernet, SupernetTrainConfig, evaluate_subnet, train_standalone, train_supernet

    spec = dataset_spec("criteo", 10_000)
    train = load_split("criteo", SAMPLE, "train")
    val = load_split("criteo", SAMPLE, "val")
    train_b = TensorBatches(*train, batch_size=256, shuffle=True, seed=args.seed)
    val_b = TensorBatches(*val, batch_size=1024)
    space = get_space("full", dense_widths=(16, 32, 64, 128), sparse_widths=(16, 32))
    torch.manual_seed(args.seed)
    net = Supernet(space, spec)
    t0 = time.perf_counter()
    train_supernet(net, train_b, SupernetTrainConfig(steps=args.steps, lr=args.lr, warmup_steps=args.steps // 5,
                                                     seed=args.seed), progress=False, log=print)
    print(f"supernet trained in {time.perf_counter() - t0:.0f} s")
    rng = np.random.default_rng(args.seed + 1)
    rows = []
    for _ in range(args.subnets):
        arch = sample_arch(space, rng)
        tuned = evaluate_subnet(net, arch, (TensorBatches(*train, batch_size=256), val_b), args.finetune)["logloss"]
        raw = evaluate_subnet(net, arch, (TensorBatches(*train, batch_size=256), val_b), 0)["logloss"]
        _, hist, _ = train_standalone(arch, spec, train_b, val_b, lr=args.standalone_lr, epochs=args.epochs,
                                   seed=args.seed)
        rows.append((arch_hash(arch), tuned, raw, hist[-1]["val_logloss"]))
        print(f"{rows[-1][0]}: inherited {tuned:.4f} (no fine-tune {raw:.4f}), standalone {rows[-1][3]:.4f}")
    tuned, raw, alone = (np.array([r[k] for r in rows]) for k in (1, 2, 3))
    tau_ft, p_ft = kendalltau(tuned, alone)
    tau_raw, p_raw = kendalltau(raw, alone)
    print(f"Kendall tau (inherited + {args.finetune}-step head fine-tune vs standalone): {tau_ft:.3f} (p = {p_ft:.2f})")
    print(f"Kendall tau (inherited, no fine-tune vs standalone): {tau_raw:.3f} (p = {p_raw:.2f})")


if __name__ == "__main__":
    main()
