"""``recsys``: export, train, search and evaluate recommender models.

Subcommands are modules with ``add_arguments(parser)`` and ``main(args) -> int``,
imported lazily so that ``recsys --help`` does not import torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from recsys_models.errors import UserError

SUBCOMMANDS = {
    "export": ("recsys_models.cli.export", "export a model (by name or checkpoint) to ONNX"),
    "train": ("recsys_models.cli.train", "train a baseline on Criteo / Avazu / KDD and report log loss and AUC"),
    "search": ("recsys_models.cli.search", "hardware-aware architecture search (supernet + PIM simulator)"),
    "evaluate": ("recsys_models.cli.evaluate", "log loss and AUC of a checkpoint, float and on a PIM mapping"),
    "supernet": ("recsys_models.cli.supernet", "train the NASRec supernet; score, train and export its subnets"),
    "space": ("recsys_models.cli.space", "size of the NASRec search space (with precision choices), samples, checks"),
}


class _OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line, ``error: <command>: <problem>``, like every other error."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _guarded(entry, args) -> int:
    try:
        return int(entry(args) or 0)
    except UserError as exc:
        if args.debug:
            raise
        print(exc.one_line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback without --debug
        if args.debug:
            raise
        detail = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: internal error: {type(exc).__name__}: {detail} (rerun with --debug)", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _OneLineParser(prog="recsys", description="Recommender models for PIM co-design.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = {}
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        modules[name] = module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text)
        module.add_arguments(p)
        p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    args = parser.parse_args(argv)
    return _guarded(modules[args.command].main, args)


if __name__ == "__main__":
    raise SystemExit(main())
