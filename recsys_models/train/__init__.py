"""Training, metrics and checkpoints of the recommender models.

- :mod:`recsys_models.train.metrics`: ``log_loss``, ``roc_auc`` (numpy only);
- :mod:`recsys_models.train.loop`: ``TrainConfig``, ``RunOptions``, ``train_model`` (best epoch, patience, exact
  resume), ``evaluate``, ``predict``;
- :mod:`recsys_models.train.checkpoint`: ``save_checkpoint``, ``load_checkpoint`` (``weights_only=True``, any device);
- :mod:`recsys_models.train.device`: ``--device`` / ``--precision`` (bf16 autocast, quantised operators exact);
- :mod:`recsys_models.train.distributed`: DistributedDataParallel under ``torchrun`` (NCCL or gloo);
- :mod:`recsys_models.train.curves`: ``--log-dir`` CSV and TensorBoard curves;
- :mod:`recsys_models.train.progress`: progress bar on a terminal, status lines elsewhere.

Imports lazily: ``from recsys_models.train import roc_auc`` works without torch, and the light submodules
(``device``, ``progress``) import without numpy, so the command line can use them while parsing.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"TrainConfig": "loop", "evaluate": "loop", "predict": "loop", "train_model": "loop",
            "log_loss": "metrics", "roc_auc": "metrics", "load_checkpoint": "checkpoint",
            "save_checkpoint": "checkpoint"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recsys_models.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"recsys_models.train.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
