"""Training, metrics and checkpoints of the recommender models.

- :mod:`recsys_models.train.metrics`: ``log_loss``, ``roc_auc`` (numpy only);
- :mod:`recsys_models.train.loop`: ``TrainConfig``, ``RunOptions``, ``train_model`` (best epoch, patience, exact
  resume), ``evaluate``, ``predict``;
- :mod:`recsys_models.train.checkpoint`: ``save_checkpoint``, ``load_checkpoint`` (``weights_only=True``, any device);
- :mod:`recsys_models.train.device`: ``--device`` / ``--precision`` (bf16 autocast, quantised operators exact);
- :mod:`recsys_models.train.distributed`: DistributedDataParallel under ``torchrun`` (NCCL or gloo);
- :mod:`recsys_models.train.curves`: ``--log-dir`` CSV and TensorBoard curves;
- :mod:`recsys_models.train.progress`: progress bar on a terminal, status lines elsewhere;
- :mod:`recsys_models.train.flags`: the shared run flags and their torch-free checks.

Imports torch lazily: ``from recsys_models.train import roc_auc`` works without it.
"""

from __future__ import annotations

from recsys_models.train.checkpoint import load_checkpoint, save_checkpoint
from recsys_models.train.loop import TrainConfig, evaluate, predict, train_model
from recsys_models.train.metrics import log_loss, roc_auc

__all__ = ["TrainConfig", "evaluate", "predict", "train_model", "log_loss", "roc_auc", "load_checkpoint",
           "save_checkpoint"]
