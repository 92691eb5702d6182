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

from recsys_models.cli import limits as L
from recsys_models.cli.run_flags import add_device_argument, add_precision_argument, add_run_arguments
from recsys_models.io import companion
from recsys_models.registry import DATASET_NAMES, DEFAULT_ACT_BITS, DEFAULT_WEIGHT_BITS, SPACES

_DEFAULT_WEIGHT_MENU = ",".join(map(str, DEFAULT_WEIGHT_BITS))
_DEFAULT_ACT_MENU = ",".join(map(str, DEFAULT_ACT_BITS))


def _data_args(p: argparse.ArgumentParser, required: bool = True, batch: int = 512, hash_size: int | None = 10_000
               ) -> None:
    p.add_argument("--dataset", choices=DATASET_NAMES, default="criteo", help="format of --data")
    p.add_argument("--data", required=required, metavar="FILE", type=L.DATA,
                   help="raw dataset file (split 8:1:1 by row hash)")
    p.add_argument("--batch", type=L.BATCH_ROWS, default=batch, help="rows per (global) batch")
    if hash_size is not None:
        p.add_argument("--hash-size", type=L.HASH_SIZE, default=hash_size, help="rows per embedding table (cap)")
    p.add_argument("--seed", type=L.SEED, default=0, help="seed of initialisation, sampling and data order")
    p.add_argument("--threads", type=L.THREADS, default=1,
                   help="torch intra-op threads (1: on the shared 2-core machine two threads made a supernet step "
                        "~15x slower, docs/performance.md; on a GPU the host needs only one)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train a supernet with validation, best checkpoint, resume and progress "
                                     "(defaults: the recipe for the 10k-row samples on a CPU; docs/supernet.md gives "
                                     "NASRec's full-data recipe)")
    t.add_argument("--space", choices=SPACES, required=True, help="NASRec-Full or NASRec-Small")
    _data_args(t, hash_size=2_000)
    t.add_argument("--steps", type=L.STEPS, default=400, help="training steps (one batch each)")
    t.add_argument("--lr", type=L.LR, default=0.04, help="Adagrad learning rate (NASRec: 0.12 over a 36.7 M-row epoch)")
    t.add_argument("--warmup-steps", type=L.STEPS0, default=None,
                   help="steps over which the full-supernet draw probability falls from 1 to 0 (default: all "
                        "--steps; NASRec: 15000 of 71626 on Criteo)")
    t.add_argument("--weight-bits", default=_DEFAULT_WEIGHT_MENU, type=L.BITS_MENU,
                   help="weight bit-width menu ('' = no precision choices; give both menus or neither)")
    t.add_argument("--act-bits", default=_DEFAULT_ACT_MENU, type=L.BITS_MENU, help="activation bit-width menu")
    t.add_argument("--dense-widths", default="16,32,64,128", type=L.WIDTH_MENU,
                   help="dense width menu (NASRec: 16,32,64,128,256,512,768,1024)")
    t.add_argument("--sparse-widths", default="16,32", type=L.WIDTH_MENU, help="sparse width menu (NASRec: 16,32,48,64)")
    t.add_argument("--val-every", type=L.STEPS0, default=None, metavar="STEPS",
                   help="validate every STEPS steps (default: about once per pass over the training split, at "
                        "most every 1000 steps; 0: never)")
    t.add_argument("--val-subnets", type=L.VAL_SUBNETS, default=8, metavar="K",
                   help="validation log loss = mean over K fixed random subnets")
    t.add_argument("--val-rows", type=L.VAL_ROWS, default=50_000, metavar="N", help="validation rows used")
    t.add_argument("--in-memory", choices=("auto", "yes", "no"), default="auto",
                   help="hold the splits in RAM (auto: files under 256 MB) or stream the file")
    add_run_arguments(t, checkpoint_unit="steps")
    t.set_defaults(checkpoint_every=200)
    t.add_argument("-o", "--out", dest="output", required=True, metavar="SUPERNET.pt",
                   type=L.out_file(".pt", derived=lambda out: [str(companion(out, ".timing.json"))]),
                   help="the best state by validation (the last without validation); beside it STEM.last.pt "
                        "(resume file) and STEM.timing.json")
    e = sub.add_parser("eval", help="inherited-weight log loss of one architecture (head fine-tuned)")
    e.add_argument("--supernet", required=True, metavar="SUPERNET.pt", type=L.CHECKPOINT, help="trained supernet")
    e.add_argument("--arch", required=True, metavar="ARCH.json|NAME", type=L.NASREC_ARCH,
                   help="architecture: a NASRec JSON file or a published one by name")
    _data_args(e, hash_size=None)  # the supernet's own table sizes
    e.add_argument("--finetune-steps", type=L.STEPS0, default=500, help="logit-layer steps (NASRec: 500)")
    add_device_argument(e)
    s = sub.add_parser("standalone", help="train an architecture from scratch and report test log loss/AUC")
    s.add_argument("--arch", required=True, metavar="ARCH.json|NAME", type=L.NASREC_ARCH,
                   help="architecture: a NASRec JSON file or a published one by name")
    _data_args(s)
    s.add_argument("--epochs", type=L.EPOCHS, default=1, help="passes over the training split")
    s.add_argument("--lr", type=L.LR, default=0.01,
                   help="Adagrad learning rate (NASRec: 0.1-0.2 on the full data; that diverged on the 10k sample)")
    add_device_argument(s)
    add_precision_argument(s, "bf16: autocast for the floating-point parts; quantisation-aware operators stay "
                              "exact float32 (docs/models.md)")
    s.add_argument("-o", "--out", dest="output", metavar="MODEL.pt", type=L.out_file(".pt"),
                   help="save the trained model (a nasrec_subnet checkpoint: recsys export/evaluate/train --init)")
    x = sub.add_parser("export", help="export an architecture's standalone model to ONNX with QDQ precisions")
    x.add_argument("--arch", required=True, metavar="ARCH.json|NAME", type=L.NASREC_ARCH,
                   help="architecture: a NASRec JSON file or a published one by name")
    x.add_argument("--dataset", choices=DATASET_NAMES, default="criteo", help="input shapes of the model")
    x.add_argument("--hash-size", type=L.HASH_SIZE, default=10_000, help="rows per embedding table (cap)")
    x.add_argument("--supernet", metavar="SUPERNET.pt", type=L.CHECKPOINT, help="inherit weights from this supernet")
    x.add_argument("--batch", type=L.EXPORT_BATCH, default=None, help="fix the batch size (default symbolic)")
    x.add_argument("--seed", type=L.SEED, default=0, help="weight initialisation seed")
    x.add_argument("-o", "--out", dest="output", required=True, metavar="MODEL.onnx", type=L.out_file(".onnx"),
                   help="the ONNX file to write")


def check_args(args: argparse.Namespace) -> None:
    """What needs several flags together (each flag's own range is checked by its type while parsing)."""
    from recsys_models.errors import UserError

    if args.action == "train" and bool(args.weight_bits) != bool(args.act_bits):
        raise UserError("--weight-bits/--act-bits", "give both menus or neither")


def main(args: argparse.Namespace) -> int:
    check_args(args)
    from recsys_models.supernet import cli_actions as actions

    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    return {"train": actions.train, "eval": actions.evaluate, "standalone": actions.standalone,
            "export": actions.export}[args.action](args)
