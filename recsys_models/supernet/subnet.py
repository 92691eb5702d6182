"""Subnets: inherited-weight evaluation with head fine-tuning, standalone models, training from scratch.

Source: NASRec ``eval_subnet_from_supernet.py`` (facebookresearch/NasRec@79bf6f99, reference B.1): the subnet inherits
the supernet weights, only the final logit layer is trained (embeddings and blocks frozen) for ``max_train_steps``
= 500 steps at lr 0.04 (cosine, 10 % warm-up; Adagrad, NASRec's default optimizer), then log loss on the validation
split. The no-fine-tuning ablation is 1 step. Standalone training follows B.4 (Adagrad, LayerNorm off).

Speed-up (same result): the frozen body's features of the fine-tuning batches are computed once and cached
(up to ``cache_batches`` batches), so 500 head steps cost a few forward passes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from recsys_models.space.choices import Arch
from recsys_models.supernet.model import Supernet, SubnetModel, to_samples
from recsys_models.supernet.train import cosine_lr
from recsys_models.train.metrics import log_loss, roc_auc


@dataclass
class SubnetData:
    """Batches of ``(dense, sparse, label)`` for fine-tuning the head (``train``) and scoring (``val``)."""

    train: object
    val: object


def _split(data) -> tuple[object, object]:
    if isinstance(data, SubnetData):
        return data.train, data.val
    if isinstance(data, tuple | list) and len(data) == 2:
        return data[0], data[1]
    raise TypeError("data must be SubnetData(train, val) or a (train_batches, val_batches) pair")


@torch.no_grad()
def _features(supernet: Supernet, samples, batches, limit: int | None = None):
    from recsys_models.train.loop import _batches

    out = []
    device = supernet.head.weight.device
    for k, (dense, sparse, label) in enumerate(_batches(batches, 0, 0, (0, 1), device)):
        if limit is not None and k >= limit:
            break
        out.append((supernet.features(dense, sparse, samples), label))
    return out


def evaluate_subnet(supernet: Supernet, arch: Arch, data, finetune_steps: int = 500, lr: float = 0.04,
                    seed: int = 0, cache_batches: int = 64) -> dict[str, float]:
    """Score ``arch`` with inherited weights: fine-tune a copy of the logit layer, then validate.

    Parameters
    ----------
    supernet : a trained ``Supernet`` (left unchanged).
    arch : the subnet (precisions included).
    data : ``SubnetData(train, val)`` or a ``(train_batches, val_batches)`` pair of re-iterable batch collections.
    finetune_steps : head updates (NASRec: 500; 0 or 1 for the no-fine-tuning ablation).

    Returns
    -------
    ``{"logloss": nats, "auc": AUC, "rows": validation rows}``.
    """
    train, val = _split(data)
    supernet.eval()  # frozen body: LayerNorm/quantisation ranges fixed, no range updates
    samples = to_samples(arch)
    cols = supernet.layout.head_cols(samples[-1]).to(supernet.head.weight.device)
    head = copy.deepcopy(supernet.head)
    if finetune_steps > 0:
        torch.manual_seed(seed)
        cached = _features(supernet, samples, train, cache_batches)
        if not cached:
            raise ValueError("evaluate_subnet: the fine-tuning data yielded no batches")
        opt = torch.optim.Adagrad(head.parameters(), lr=lr, eps=1e-2)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for step in range(finetune_steps):
            feats, label = cached[step % len(cached)]
            for group in opt.param_groups:
                group["lr"] = cosine_lr(step, finetune_steps, lr)
            opt.zero_grad(set_to_none=True)
            loss_fn(head(feats, 1, cols).squeeze(1), label).backward()
            opt.step()
    labels, probs = [], []
    with torch.no_grad():
        for feats, label in _features(supernet, samples, val):
            probs.append(torch.sigmoid(head(feats, 1, cols).squeeze(1)).cpu().numpy())
            labels.append(label.cpu().numpy())
    if not labels:
        raise ValueError("evaluate_subnet: the validation data yielded no batches")
    y, p = np.concatenate(labels), np.concatenate(probs)
    return {"logloss": log_loss(y, p), "auc": roc_auc(y, p), "rows": int(y.size)}


def build_standalone(arch: Arch, dataset_spec, supernet: Supernet | None = None, layernorm: bool | None = None,
                     seed: int = 0) -> SubnetModel:
    """The standalone PyTorch model of ``arch``.

    With ``supernet`` it inherits the weight slices (``layernorm`` defaults to on, as in the supernet, so the
    forward equals the supernet's); without, it is freshly initialised with ``seed`` (``layernorm`` defaults to off,
    NASRec's standalone setting).
    """
    if layernorm is None:
        layernorm = supernet is not None
    torch.manual_seed(seed)
    model = SubnetModel(arch, dataset_spec if supernet is None else supernet.dataset_spec, layernorm=layernorm)
    if supernet is not None:
        model.load_from_supernet(supernet)
    return model


def train_standalone(arch: Arch, dataset_spec, train_batches, val_batches=None, lr: float = 0.01, epochs: int = 1,
                     seed: int = 0, progress: bool = False, layernorm: bool = False, device=None,
                     precision: str = "fp32"):
    """Train ``arch`` from scratch (NASRec B.4: Adagrad, clip 5.0); returns ``(model, history, timing)``.

    ``lr`` defaults to 0.01: NASRec's 0.1 (LayerNorm off) diverged on the 8,000-row Criteo sample (val log loss 12.6
    for Criteo-Small; 0.503 at 0.01).
    """
    from recsys_models.train.loop import RunOptions, TrainConfig, train_model

    model = build_standalone(arch, dataset_spec, layernorm=layernorm, seed=seed)
    cfg = TrainConfig(epochs=epochs, lr=lr, optimizer="adagrad", clip_norm=5.0, seed=seed)
    run = RunOptions(device=device, precision=precision)
    history = train_model(model, train_batches, cfg, val_batches=val_batches, progress=progress, run=run)
    return model, history, run.timing
