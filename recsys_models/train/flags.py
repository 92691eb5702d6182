"""Command-line flags shared by the training commands, and their checks (no torch import here).

``recsys train`` and ``recsys supernet train|eval|standalone`` take the same run flags (device, precision, resume,
curves, progress, checkpoints, loader workers); ``recsys evaluate`` and the search take ``--device``. Each check
raises ``UserError(flag, problem)`` before any model or data is touched.
"""

from __future__ import annotations

import argparse
import math

from recsys_models.errors import UserError
from recsys_models.train.device import PRECISIONS, check_device_text, check_precision_text
from recsys_models.train.progress import DEFAULT_EVERY_S

MAX_LOADER_WORKERS = 256
"""More parse processes than this is a typo: no host has the cores."""


def add_device_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", metavar="cpu|cuda|cuda:N|auto",
                   help="where to run (default cpu; auto: a GPU when torch sees one, else the CPU with a note)")


def add_run_arguments(p: argparse.ArgumentParser, checkpoint_unit: str = "steps") -> None:
    """The flags of a training run."""
    add_device_argument(p)
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="bf16: autocast for the floating-point parts; quantisation-aware operators stay exact "
                        "float32 (docs/models.md)")
    p.add_argument("--patience", type=int, metavar="N",
                   help="stop after N validations without improvement (default: never stop early)")
    p.add_argument("--resume", metavar="STATE.pt", help="continue an interrupted run from its resume file "
                   "(same flags; optimizer, schedule, data position and RNG are restored)")
    p.add_argument("--checkpoint-every", type=int, metavar=checkpoint_unit.upper(), default=None,
                   help=f"write the resume file every this many {checkpoint_unit} (a killed run loses at most these)")
    p.add_argument("--log-dir", metavar="DIR", help="loss/AUC curves: DIR/curves.csv and TensorBoard events")
    p.add_argument("--progress-every", type=float, default=DEFAULT_EVERY_S, metavar="SECONDS",
                   help=f"without a terminal, a progress line every SECONDS (default {DEFAULT_EVERY_S:g})")
    p.add_argument("--loader-workers", type=int, default=0, metavar="N",
                   help="parse a streamed file in N processes (default 0: in the training process)")


def check_positive_int(value, flag: str, minimum: int = 1, maximum: int | None = None) -> None:
    if value is None:
        return
    if value < minimum:
        raise UserError(flag, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise UserError(flag, f"must be <= {maximum}, got {value}")


def check_finite_positive(value, flag: str, allow_zero: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise UserError(flag, f"must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value}")


def check_run_args(args: argparse.Namespace) -> None:
    """The run flags of :func:`add_run_arguments` (and ``--device`` alone where only it exists)."""
    check_device_text(args.device)
    if hasattr(args, "precision"):
        check_precision_text(args.precision)
    check_positive_int(getattr(args, "patience", None), "--patience")
    check_positive_int(getattr(args, "checkpoint_every", None), "--checkpoint-every")
    check_finite_positive(getattr(args, "progress_every", None), "--progress-every", allow_zero=True)
    check_positive_int(getattr(args, "loader_workers", None), "--loader-workers", 0, MAX_LOADER_WORKERS)


def parse_menu(text: str, flag: str) -> tuple[int, ...]:
    """A comma-separated menu of positive integers (bit widths or widths), sorted; '' is the empty menu."""
    try:
        values = tuple(sorted({int(b) for b in text.split(",") if b.strip()}))
    except ValueError:
        raise UserError(flag, f"expected comma-separated integers, got {text!r}") from None
    if any(v < 1 for v in values):
        raise UserError(flag, f"values must be >= 1, got {text!r}")
    return values
