"""Train a baseline on a raw CTR file and report log loss / AUC on the validation and test splits."""

from __future__ import annotations

import argparse

from recsys_models.cli import limits as L
from recsys_models.registry import DATASET_NAMES, MODEL_NAMES


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, choices=MODEL_NAMES, type=str.lower, help="baseline to train")
    p.add_argument("--dataset", required=True, choices=DATASET_NAMES, help="format of --data")
    p.add_argument("--data", required=True, metavar="PATH", type=L.DATA,
                   help="raw file (.gz allowed) or its directory; KDD also needs userid_profile.txt beside it")
    p.add_argument("--epochs", type=L.EPOCHS, default=1, help="passes over the training split")
    p.add_argument("--batch-size", type=L.BATCH_ROWS, default=256, help="rows per training step")
    p.add_argument("--lr", type=L.LR, default=3e-3, help="learning rate")
    p.add_argument("--optimizer", choices=("adam", "adagrad"), default="adam", help="optimiser")
    p.add_argument("-o", "--out", default="runs/train", metavar="DIR", type=L.out_dir("checkpoint.pt", "metrics.json"),
                   help="writes DIR/checkpoint.pt, DIR/metrics.json")
    p.add_argument("--hash-size", type=L.HASH_SIZE, default=10_000, metavar="ROWS", help="rows per embedding table cap")
    p.add_argument("--embedding-dim", type=L.EMBEDDING_DIM, default=16, help="embedding vector length")
    p.add_argument("--seed", type=L.SEED, default=0, help="seed of initialisation and data order")
    p.add_argument("--strict", action="store_true", help="fail on the first malformed row instead of skipping it")
    p.add_argument("--threads", type=L.THREADS, default=1, metavar="N",
                   help="torch intra-op threads (default 1: at batch 256 more threads mostly spin; "
                        "on a loaded 2-core machine 2 threads cost 12x the CPU time of 1)")
    p.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file every epoch")


def main(args: argparse.Namespace) -> int:
    from recsys_models.train.run import train_cli

    return train_cli(args)
