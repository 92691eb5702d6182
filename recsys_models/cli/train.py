"""Train a baseline on a raw CTR file and report log loss / AUC on the validation and test splits."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="dlrm, deepfm, dcnv2, autoint, xdeepfm, widedeep or lr")
    p.add_argument("--dataset", required=True, choices=("criteo", "avazu", "kdd"))
    p.add_argument("--data", required=True, metavar="PATH",
                   help="raw file (.gz allowed) or its directory; KDD also needs userid_profile.txt beside it")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3, help="learning rate (default 3e-3)")
    p.add_argument("--optimizer", choices=("adam", "adagrad"), default="adam")
    p.add_argument("--out", default="runs/train", metavar="DIR", help="writes DIR/checkpoint.pt, DIR/metrics.json")
    p.add_argument("--hash-size", type=int, default=10_000, metavar="ROWS", help="rows per embedding table cap")
    p.add_argument("--embedding-dim", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strict", action="store_true", help="fail on the first malformed row instead of skipping it")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch intra-op threads (default 1: at batch 256 more threads mostly spin; "
                        "on a loaded 2-core machine 2 threads cost 12x the CPU time of 1)")
    p.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file every epoch")


def main(args: argparse.Namespace) -> int:
    from recsys_models.train.run import train_cli

    return train_cli(args)
