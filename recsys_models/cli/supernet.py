"""``recsys supernet``: train the weight-sharing supernet; score, build, train and export its subnets.

    recsys supernet train --space full --dataset criteo --data train.txt --steps 2000 -o supernet.pt
    recsys supernet eval --supernet supernet.pt --arch arch.json --data train.txt [--finetune-steps 500]
    recsys supernet standalone --arch arch.json --dataset criteo --data train.txt [--epochs 1]
    recsys supernet export --arch arch.json --dataset criteo -o model.onnx [--supernet supernet.pt]

``--arch`` is a JSON file or one of the NASRec best architectures by name (criteo_full, ..., kdd_small).
See docs/supernet.md.
"""

from __future__ import annotations

import argparse

from recsys_models.space.choices import DEFAULT_ACT_BITS, DEFAULT_WEIGHT_BITS

_DEFAULT_WEIGHT_MENU = ",".join(map(str, DEFAULT_WEIGHT_BITS))
_DEFAULT_ACT_MENU = ",".join(map(str, DEFAULT_ACT_BITS))


def _data_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--dataset", choices=("criteo", "avazu", "kdd"), default="criteo")
    p.add_argument("--data", required=required, metavar="FILE", help="raw dataset file (split 8:1:1 by row hash)")
    p.add_argument("--batch", type=int, default=512, help="rows per batch (NASRec supernet: 512)")
    p.add_argument("--hash-size", type=int, default=10_000, help="rows per embedding table (cap)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (1 is fastest on a busy host)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train a supernet with progress and checkpoints")
    t.add_argument("--space", choices=("full", "small"), required=True)
    _data_args(t)
    t.add_argument("--steps", type=int, default=1000, help="training steps (one batch each)")
    t.add_argument("--lr", type=float, default=0.12, help="Adagrad learning rate (NASRec: 0.12)")
    t.add_argument("--warmup-steps", type=int, default=None,
                   help="full-supernet warm-up (NASRec: 15000 of ~71600 on Criteo; default: 20%% of --steps)")
    t.add_argument("--weight-bits", default=_DEFAULT_WEIGHT_MENU,
                   help="weight bit-width menu ('' = no precision choices)")
    t.add_argument("--act-bits", default=_DEFAULT_ACT_MENU, help="activation bit-width menu")
    t.add_argument("--dense-widths", default="16,32,64,128,256,512,768,1024", help="dense width menu")
    t.add_argument("--sparse-widths", default="16,32,48,64", help="sparse width menu")
    t.add_argument("--checkpoint-every", type=int, default=200, metavar="STEPS")
    t.add_argument("-o", "--output", required=True, metavar="SUPERNET.pt")
    e = sub.add_parser("eval", help="inherited-weight log loss of one architecture (head fine-tuned)")
    e.add_argument("--supernet", required=True, metavar="SUPERNET.pt")
    e.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    _data_args(e)
    e.add_argument("--finetune-steps", type=int, default=500, help="logit-layer steps (NASRec: 500)")
    s = sub.add_parser("standalone", help="train an architecture from scratch and report test log loss/AUC")
    s.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    _data_args(s)
    s.add_argument("--epochs", type=int, default=1)
    s.add_argument("--lr", type=float, default=0.01,
                   help="Adagrad learning rate (NASRec: 0.1-0.2 on the full data; that diverged on the 10k sample)")
    s.add_argument("-o", "--output", metavar="MODEL.pt", help="save the trained state_dict")
    x = sub.add_parser("export", help="export an architecture's standalone model to ONNX with QDQ precisions")
    x.add_argument("--arch", required=True, metavar="ARCH.json|NAME")
    x.add_argument("--dataset", choices=("criteo", "avazu", "kdd"), default="criteo")
    x.add_argument("--hash-size", type=int, default=10_000)
    x.add_argument("--supernet", metavar="SUPERNET.pt", help="inherit weights from this supernet")
    x.add_argument("--batch", type=int, default=None, help="fix the batch size (default symbolic)")
    x.add_argument("--seed", type=int, default=0)
    x.add_argument("-o", "--output", required=True, metavar="MODEL.onnx")


def main(args: argparse.Namespace) -> int:
    from recsys_models.supernet import cli_actions as actions

    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    return {"train": actions.train, "eval": actions.evaluate, "standalone": actions.standalone,
            "export": actions.export}[args.action](args)
