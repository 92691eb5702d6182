"""A plain supervised CTR training loop: BCE-with-logits, Adam (default) or Adagrad, seeded, with progress.

Usable from other code (the supernet / search helpers)::

    from recsys_models.train import TrainConfig, train_model, evaluate
    history = train_model(model, train_batches, TrainConfig(epochs=1, lr=3e-3), val_batches=val)
    metrics = evaluate(model, test_batches)       # {"auc": ..., "logloss": ..., "rows": ...}

``*_batches`` are re-iterable collections of ``(dense, sparse, label)`` torch batches (e.g.
:class:`recsys_models.data.CTRData` or :class:`recsys_models.data.TensorBatches`); if they have
``set_epoch`` it is called so shuffling differs per epoch. Models return logits ``[B, 1]``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from recsys_models.train.metrics import log_loss, roc_auc


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. Defaults are the documented ones for the 10k-row samples (docs/models.md)."""

    epochs: int = 1
    lr: float = 3e-3
    optimizer: str = "adam"  # adam | adagrad (NASRec's choice at batch 256, lr 0.1-0.2)
    weight_decay: float = 0.0
    clip_norm: float | None = None
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _optimizer(model, cfg: TrainConfig):
    import torch

    if cfg.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adagrad":
        return torch.optim.Adagrad(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be 'adam' or 'adagrad', got {cfg.optimizer!r}")


def _progress(iterable, desc: str, enabled: bool):
    from tqdm import tqdm

    total = len(iterable) if hasattr(iterable, "__len__") else None
    # disable=None turns the bar off when stderr is not a TTY (CI logs, tests).
    return tqdm(iterable, desc=desc, total=total, unit="batch", leave=False, disable=None if enabled else True)


def predict(model, batches, progress: bool = False, desc: str = "eval"):
    """``(labels, probabilities)`` numpy float arrays over all batches, in order."""
    import torch

    model.eval()
    labels, probs = [], []
    with torch.no_grad():
        for dense, sparse, label in _progress(batches, desc, progress):
            probs.append(torch.sigmoid(model(dense, sparse)).reshape(-1).numpy())
            labels.append(label.numpy())
    if not labels:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    return np.concatenate(labels), np.concatenate(probs)


def evaluate(model, batches, progress: bool = False, desc: str = "eval") -> dict:
    """``{"auc", "logloss", "rows"}``; AUC is ``nan`` (and log loss too if empty) when undefined."""
    y, p = predict(model, batches, progress, desc)
    if y.size == 0:
        return {"auc": float("nan"), "logloss": float("nan"), "rows": 0}
    return {"auc": roc_auc(y, p), "logloss": log_loss(y, p), "rows": int(y.size)}


def train_model(model, train_batches, cfg: TrainConfig = TrainConfig(), val_batches=None,
                progress: bool = True, log=None) -> list[dict]:
    """Train in place; returns one dict per epoch (train loss, rows, samples/s, and val metrics if given)."""
    import torch

    torch.manual_seed(cfg.seed)
    opt = _optimizer(model, cfg)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    history = []
    for epoch in range(cfg.epochs):
        if hasattr(train_batches, "set_epoch"):
            train_batches.set_epoch(epoch)
        model.train()
        rows, loss_sum, t0 = 0, 0.0, time.perf_counter()
        for dense, sparse, label in _progress(train_batches, f"epoch {epoch + 1}/{cfg.epochs}", progress):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(dense, sparse).reshape(-1), label)
            loss.backward()
            if cfg.clip_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
            opt.step()
            rows += len(label)
            loss_sum += loss.item() * len(label)
        seconds = time.perf_counter() - t0
        rec = {"epoch": epoch + 1, "train_rows": rows, "train_logloss": loss_sum / max(rows, 1),
               "train_seconds": seconds, "train_samples_per_s": rows / seconds if seconds > 0 else float("nan")}
        if val_batches is not None:
            m = evaluate(model, val_batches, progress, "val")
            rec.update(val_auc=m["auc"], val_logloss=m["logloss"], val_rows=m["rows"])
        history.append(rec)
        if log:
            log(_epoch_line(rec))
    return history


def _epoch_line(rec: dict) -> str:
    line = (f"epoch {rec['epoch']}: train logloss {rec['train_logloss']:.4f} on {rec['train_rows']} rows "
            f"({rec['train_samples_per_s']:.0f} samples/s)")
    if "val_auc" in rec:
        line += f"; val AUC {rec['val_auc']:.4f}, logloss {rec['val_logloss']:.4f}"
    return line
