"""The flags of a training run, shared by ``recsys train`` and ``recsys supernet train|eval|standalone``.

``recsys evaluate`` and ``recsys search`` take ``--device`` (and evaluate ``--precision``). Each flag is checked
while parsing by the types of :mod:`recsys_models.cli.limits` (bounds with their reasons), before torch is imported.
"""

from __future__ import annotations

import argparse

from recsys_models.cli import limits as L
from recsys_models.registry import PRECISIONS
from recsys_models.train.progress import DEFAULT_EVERY_S


def add_device_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|cuda:N|auto", type=L.DEVICE,
                   help="where to run (auto: a GPU when torch sees one, else the CPU with a note)")


def add_precision_argument(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--precision", choices=PRECISIONS, default="fp32", help=help_text)


def add_progress_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress-every", type=L.PROGRESS_EVERY, default=DEFAULT_EVERY_S, metavar="SECONDS",
                   help="without a terminal, a progress line every SECONDS (0: a line per step)")


def add_run_arguments(p: argparse.ArgumentParser, checkpoint_unit: str = "steps") -> None:
    """The flags of a training run."""
    add_device_argument(p)
    add_precision_argument(p, "bf16: autocast for the floating-point parts; quantisation-aware operators stay exact "
                              "float32 (docs/models.md)")
    p.add_argument("--patience", type=L.PATIENCE, metavar="N",
                   help="stop after N validations without improvement (default: never stop early)")
    p.add_argument("--resume", metavar="STATE.pt", type=L.CHECKPOINT,
                   help="continue an interrupted run from its resume file (same flags; optimizer, schedule, data "
                        "position and RNG are restored)")
    p.add_argument("--checkpoint-every", type=L.STEPS, metavar=checkpoint_unit.upper(), default=None,
                   help=f"write the resume file every this many {checkpoint_unit} (a killed run loses at most these)")
    p.add_argument("--log-dir", metavar="DIR", type=L.out_dir("curves.csv"),
                   help="loss/AUC curves: DIR/curves.csv and TensorBoard events")
    add_progress_argument(p)
    p.add_argument("--loader-workers", type=L.LOADER_WORKERS, default=0, metavar="N",
                   help="parse a streamed file in N processes (0: in the training process)")
