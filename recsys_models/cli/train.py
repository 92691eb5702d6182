"""Train a model on a raw CTR file and report log loss / AUC on the validation and test splits.

    recsys train --model dlrm --dataset criteo --data train.txt.gz --out runs/dlrm
    recsys train --model nasrec_subnet --arch arch.json --dataset criteo --data train.txt.gz --out runs/subnet
    recsys train --init runs/subnet/checkpoint.pt --dataset criteo --data train.txt.gz --lr 1e-3 --out runs/ft
    torchrun --nproc-per-node 2 $(which recsys) train ... --device cuda      # data parallel, global batch
"""

from __future__ import annotations

import argparse

from recsys_models.train.flags import add_run_arguments


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="dlrm, deepfm, dcnv2, autoint, xdeepfm, widedeep, lr, or nasrec_subnet (with "
                   "--arch); not needed with --init")
    p.add_argument("--arch", metavar="ARCH.json|NAME", help="the architecture of --model nasrec_subnet (a JSON file or "
                   "a NASRec best architecture by name, e.g. criteo_full)")
    p.add_argument("--init", metavar="CHECKPOINT.pt",
                   help="start from this checkpoint's model and weights (fine-tuning; e.g. a `recsys supernet "
                        "standalone -o` model); --model/--arch/--embedding-dim come from it")
    p.add_argument("--dataset", required=True, choices=("criteo", "avazu", "kdd"))
    p.add_argument("--data", required=True, metavar="PATH",
                   help="raw file (.gz allowed) or its directory; KDD also needs userid_profile.txt beside it")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=256, help="global batch (split over torchrun processes)")
    p.add_argument("--lr", type=float, default=3e-3, help="learning rate (default 3e-3)")
    p.add_argument("--optimizer", choices=("adam", "adagrad"), default="adam")
    p.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                   help="learning-rate schedule (cosine: 10%% linear warm-up, NASRec's standalone recipe)")
    p.add_argument("--clip-norm", type=float, default=None, metavar="X", help="clip the gradient norm to X")
    p.add_argument("--select", choices=("logloss", "auc"), default="logloss",
                   help="validation metric of the best checkpoint and of --patience (default logloss)")
    p.add_argument("--out", default="runs/train", metavar="DIR",
                   help="writes DIR/checkpoint.pt (best epoch), DIR/last.pt (resume file), DIR/metrics.json, "
                        "DIR/timing.json")
    p.add_argument("--hash-size", type=int, default=10_000, metavar="ROWS", help="rows per embedding table cap")
    p.add_argument("--embedding-dim", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strict", action="store_true", help="fail on the first malformed row instead of skipping it")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch intra-op threads (default 1: at batch 256 more threads mostly spin; "
                        "on a loaded 2-core machine 2 threads cost 12x the CPU time of 1)")
    p.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file every epoch")
    add_run_arguments(p, checkpoint_unit="steps")


def main(args: argparse.Namespace) -> int:
    from recsys_models.train.run import check_args, train_cli

    check_args(args)
    return train_cli(args)
