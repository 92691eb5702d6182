"""``recsys``: export, train, search and evaluate recommender models.

Subcommands are modules with ``add_arguments(parser)`` and ``main(args) -> int``,
imported lazily so that ``recsys --help`` and every usage error answer without
importing torch.  The command-line conventions (one-line errors, ``--debug``
anywhere, did-you-mean, argument types checked while parsing) are the ones of
``pimsim`` and ``pimcompile``: :mod:`pimsim.spec.cli_support`, a numba- and
torch-free module (the one piece of pimsim this package's command line uses
outside ``oracles/hardware_cost.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pimsim.spec.cli_support import dispatch
from pimsim.spec.errors import SpecError
from recsys_models import __version__
from recsys_models.errors import UserError

SUBCOMMANDS = {
    "export": ("recsys_models.cli.export", "export a model (by name or checkpoint) to ONNX"),
    "train": ("recsys_models.cli.train", "train a baseline on Criteo / Avazu / KDD and report log loss and AUC"),
    "search": ("recsys_models.cli.search", "hardware-aware architecture search (supernet + PIM simulator)"),
    "evaluate": ("recsys_models.cli.evaluate", "log loss and AUC of a checkpoint, float and on a PIM mapping"),
    "supernet": ("recsys_models.cli.supernet", "train the NASRec supernet; score, train and export its subnets"),
    "space": ("recsys_models.cli.space", "size of the NASRec search space (with precision choices), samples, checks"),
}


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch("recsys", "Recommender models for PIM co-design.", SUBCOMMANDS, argv, version=__version__,
                    user_errors=(UserError, SpecError))


if __name__ == "__main__":
    raise SystemExit(main())
