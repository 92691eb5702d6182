"""``recsys supernet``: train the weight-sharing supernet; score, build, train and export its subnets.

    recsys supernet train --space small --dataset criteo --data train.txt -o supernet.pt      (the CPU recipe)
    recsys supernet eval --supernet supernet.pt --arch arch.json --data train.txt [--finetune-steps 500]
    recsys supernet standalone --arch arch.json --dataset criteo --data train.txt [--epochs 1] -o model.pt
    recsys supernet export --arch arch.json --dataset criteo -o model.onnx [--supernet supernet.pt]

``--arch`` is a JSON file or one of the NASRec best architectures by name (criteo_full, ..., kdd_small).
See docs/supernet.md.
"""

from __future__ import annotations

import argparse

from recsys_models.train.flags import add_device_argument, add_run_arguments


def _data_args(p: argparse.ArgumentParser, required: bool = True, batch: int = 512, hash_size: int | None = 10_000
               ) -> None:
    p.add_argument("--dataset", choices=("criteo", "avazu", "kdd"), default="criteo")
    p.add_argument("--data", required=required, metavar="FILE", help="raw dataset file (split 8:1:1 by row hash)")
    p.add_argument("--batch", type=int, default=batch, help=f"rows per (global) batch (default {batch})")
    if hash_size is not None:
        p.add_argument("--hash-size", type=int, default=hash_size,
                       help=f"rows per embedding table (cap; default {hash_size:,})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads (default 1: on the shared 2-core machine two threads made a supernet "
                        "step ~15x slower, docs/performance.md; on a GPU the host needs only one)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train a supernet with validation, best checkpoint, resume and progress "
                                     "(defaults: the recipe for the 10k-row samples on a CPU; docs/supernet.md gives "
                                     "NASRec's full-data recipe)")
    t.add_argument("--space", choices=("full", "small"), required=True)
    _data_args(t, hash_size=2_000)
    t.add_argument("--steps", type=int, default=400, help="training steps (one batch each; default 400)")
    t.add_argument("--lr", type=float, default=0.04,
                   help="Adagrad learning rate (default 0.04; NASRec: 0.12 over a 36.7 M-row epoch)")
    t.add_argument("--warmup-steps", type=int, default=None,
                   help="steps over which the full-supernet draw probability falls from 1 to 0 (default: all "
                        "--steps; NASRec: 15000 of 71626 on Criteo)")
    t.add_argument("--weight-bits", default="2,4,8", help="weight bit-width menu ('' = no precision choices)")
    t.add_argument("--act-bits", default="4,8", help="activation bit-width menu")
    t.add_argument("--dense-widths", default="16,32,64,128",
                   help="dense width menu (default 16-128; NASRec: 16,32,64,128,256,512,768,1024)")
    t.add_argument("--sparse-widths", default="16,32", help="sparse width menu (default 16,32; NASRec: 16,32,48,64)")
    t.add_argument("--val-every", type=int, default=None, metavar="STEPS",
                   help="validate every STEPS steps (default: about once per pass over the training split, at "
                        "most every 1000 steps; 0: never)")
    t.add_argument("--val-subnets", type=int, default=8, metavar="K",
                   help="validation log loss = mean over K fixed random subnets (default 8)")
    t.add_argument("--val-rows", type=int, default=50_000, metavar="N", help="validation rows used (default 50000)")
    t.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file")
    add_run_arguments(t, checkpoint_unit="steps")
    t.set_defaults(checkpoint_every=200)
    t.add_argument("-o", "--output", required=True, metavar="SUPERNET.pt",
                   help="the best state by validation (the last without validation); beside it STEM.last.pt "
                        "(resume file) and STEM.timing.json")
    e = sub.add_parser("eval", help="inherited-weight log loss of one architecture (head fine-tuned)")
    e.add_argument("--supernet", required=True, metavar="SUPERNET.pt")
    e.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    _data_args(e, hash_size=None)  # the supernet's own table sizes
    e.add_argument("--finetune-steps", type=int, default=500, help="logit-layer steps (NASRec: 500)")
    add_device_argument(e)
    s = sub.add_parser("standalone", help="train an architecture from scratch and report test log loss/AUC")
    s.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    _data_args(s)
    s.add_argument("--epochs", type=int, default=1)
    s.add_argument("--lr", type=float, default=0.01,
                   help="Adagrad learning rate (NASRec: 0.1-0.2 on the full data; that diverged on the 10k sample)")
    add_device_argument(s)
    s.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    s.add_argument("-o", "--output", metavar="MODEL.pt",
                   help="save the trained model (a nasrec_subnet checkpoint: recsys export/evaluate/train --init)")
    x = sub.add_parser("export", help="export an architecture's standalone model to ONNX with QDQ precisions")
    x.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    x.add_argument("--dataset", choices=("criteo", "avazu", "kdd"), default="criteo")
    x.add_argument("--hash-size", type=int, default=10_000)
    x.add_argument("--supernet", metavar="SUPERNET.pt", help="inherit weights from this supernet")
    x.add_argument("--batch", type=int, default=None, help="fix the batch size (default symbolic)")
    x.add_argument("--seed", type=int, default=0)
    x.add_argument("-o", "--output", required=True, metavar="MODEL.onnx")


def check_args(args: argparse.Namespace) -> None:
    """Every flag that can be checked without torch or the data (``UserError`` naming the flag)."""
    from recsys_models.errors import UserError
    from recsys_models.train.flags import check_finite_positive, check_positive_int, check_run_args, parse_menu

    if hasattr(args, "device"):
        check_run_args(args)
    check_positive_int(getattr(args, "threads", None), "--threads")
    check_positive_int(getattr(args, "batch", None), "--batch")
    if hasattr(args, "hash_size"):
        check_positive_int(args.hash_size, "--hash-size", 2)
    if args.action == "train":
        check_positive_int(args.steps, "--steps")
        check_finite_positive(args.lr, "--lr")
        check_positive_int(args.warmup_steps, "--warmup-steps", 0)
        check_positive_int(args.val_every, "--val-every", 0)
        check_positive_int(args.val_subnets, "--val-subnets")
        check_positive_int(args.val_rows, "--val-rows")
        weight_bits, act_bits = parse_menu(args.weight_bits, "--weight-bits"), parse_menu(args.act_bits, "--act-bits")
        if bool(weight_bits) != bool(act_bits):
            raise UserError("--weight-bits/--act-bits", "give both menus or neither")
        for flag, text in (("--dense-widths", args.dense_widths), ("--sparse-widths", args.sparse_widths)):
            if not parse_menu(text, flag):
                raise UserError(flag, "needs at least one width")
    elif args.action == "eval":
        check_positive_int(args.finetune_steps, "--finetune-steps", 0)
    elif args.action == "standalone":
        check_positive_int(args.epochs, "--epochs")
        check_finite_positive(args.lr, "--lr")


def main(args: argparse.Namespace) -> int:
    check_args(args)
    from recsys_models.supernet import cli_actions as actions

    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    return {"train": actions.train, "eval": actions.evaluate, "standalone": actions.standalone,
            "export": actions.export}[args.action](args)
