"""Train a model on a raw CTR file and report log loss / AUC on the validation and test splits.

    recsys train --model dlrm --dataset criteo --data train.txt.gz --out runs/dlrm
    recsys train --model nasrec_subnet --arch arch.json --dataset criteo --data train.txt.gz --out runs/subnet
    recsys train --init runs/subnet/checkpoint.pt --dataset criteo --data train.txt.gz --lr 1e-3 --out runs/ft
    torchrun --nproc-per-node 2 $(which recsys) train ... --device cuda      # data parallel, global batch
"""

from __future__ import annotations

import argparse

from recsys_models.cli import limits as L
from recsys_models.cli.run_flags import add_run_arguments
from recsys_models.registry import DATASET_NAMES, MODEL_NAMES

OUTPUT_NAMES = ("checkpoint.pt", "metrics.json", "timing.json")
"""What ``--out DIR`` holds besides ``last.pt``, the resume file, which ``--resume DIR/last.pt`` reads and the
run rewrites by design (so it is not counted as an output that would overwrite an input)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", choices=MODEL_NAMES, type=str.lower,
                   help="the model to train (nasrec_subnet: with --arch); not needed with --init")
    p.add_argument("--arch", metavar="ARCH.json|NAME", type=L.NASREC_ARCH,
                   help="the architecture of --model nasrec_subnet (a JSON file or a NASRec best architecture by "
                        "name, e.g. criteo_full)")
    p.add_argument("--init", metavar="CHECKPOINT.pt", type=L.CHECKPOINT,
                   help="start from this checkpoint's model and weights (fine-tuning; e.g. a `recsys supernet "
                        "standalone -o` model); --model/--arch/--embedding-dim come from it")
    p.add_argument("--dataset", required=True, choices=DATASET_NAMES, help="format of --data")
    p.add_argument("--data", required=True, metavar="PATH", type=L.DATA,
                   help="raw file (.gz allowed) or its directory; KDD also needs userid_profile.txt beside it")
    p.add_argument("--epochs", type=L.EPOCHS, default=1, help="passes over the training split")
    p.add_argument("--batch-size", type=L.BATCH_ROWS, default=256,
                   help="rows per training step: the global batch (split over torchrun processes)")
    p.add_argument("--lr", type=L.LR, default=3e-3, help="learning rate")
    p.add_argument("--optimizer", choices=("adam", "adagrad"), default="adam", help="optimiser")
    p.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                   help="learning-rate schedule (cosine: 10%% linear warm-up, NASRec's standalone recipe)")
    p.add_argument("--clip-norm", type=L.CLIP_NORM, default=None, metavar="X",
                   help="clip the gradient norm to X (default: no clipping)")
    p.add_argument("--select", choices=("logloss", "auc"), default="logloss",
                   help="validation metric of the best checkpoint and of --patience")
    p.add_argument("-o", "--out", default="runs/train", metavar="DIR", type=L.out_dir(*OUTPUT_NAMES),
                   help="writes DIR/checkpoint.pt (best epoch), DIR/last.pt (resume file), DIR/metrics.json, "
                        "DIR/timing.json")
    p.add_argument("--hash-size", type=L.HASH_SIZE, default=10_000, metavar="ROWS", help="rows per embedding table cap")
    p.add_argument("--embedding-dim", type=L.EMBEDDING_DIM, default=16, help="embedding vector length")
    p.add_argument("--seed", type=L.SEED, default=0, help="seed of initialisation and data order")
    p.add_argument("--strict", action="store_true", help="fail on the first malformed row instead of skipping it")
    p.add_argument("--threads", type=L.THREADS, default=1, metavar="N",
                   help="torch intra-op threads (default 1: at batch 256 more threads mostly spin; "
                        "on a loaded 2-core machine 2 threads cost 12x the CPU time of 1)")
    p.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file every epoch")
    add_run_arguments(p, checkpoint_unit="steps")


def check_args(args: argparse.Namespace) -> None:
    """What needs several flags together (each flag's own range is checked by its type while parsing)."""
    from recsys_models.errors import UserError

    if args.init is not None:
        if args.model or args.arch:
            raise UserError("--init", "the model comes from the checkpoint: drop --model/--arch")
        return
    if not args.model:
        raise UserError("--model", "required (or --init CHECKPOINT.pt)")
    if args.model == "nasrec_subnet" and not args.arch:
        raise UserError("--arch", "required with --model nasrec_subnet")
    if args.arch and args.model != "nasrec_subnet":
        raise UserError("--arch", f"only for --model nasrec_subnet, not {args.model}")


def check_resume_file_is_not_data(args: argparse.Namespace) -> None:
    """``DIR/last.pt`` is left out of the parser's outputs-are-not-inputs check (``--resume DIR/last.pt -o DIR``
    rewrites it by design), so a data file of that name inside ``-o DIR`` is refused here."""
    import os

    from pimsim.spec.cli_support import same_file
    from recsys_models.errors import UserError

    if same_file(os.path.join(args.out, "last.pt"), args.data):
        raise UserError("-o/--out", f"{args.out}: its resume file last.pt would overwrite the input {args.data} "
                                    "(--data)")


def main(args: argparse.Namespace) -> int:
    check_args(args)
    check_resume_file_is_not_data(args)
    from recsys_models.train.run import train_cli

    return train_cli(args)
