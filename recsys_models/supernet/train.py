"""Supernet training: single-operator any-connection sampling with the full-supernet warm-up, Adagrad, cosine LR.

Source: NASRec ``train_supernet.py`` and ``supernet.py`` (facebookresearch/NasRec@79bf6f99, reference B.1/B.2):
- per step one subnet for the whole batch: one dense and one sparse operator per block, random widths and switches,
  any-path connections (``recsys_models.space.sample_arch``); here also a random precision per operator;
- warm-up: for the first ``warmup_steps`` steps the full supernet (all operators summed, largest widths, every
  connection, both switches on; floating point) is drawn with probability 1 - step / warmup_steps;
- Adagrad (eps 1e-2), weight decay 0, cosine LR with linear warm-up over 10 % of the steps (min 1e-8), gradient-norm
  clip 5.0, BCE-with-logits. NASRec: batch 512, lr 0.12, warm-up 15000 steps on Criteo (one epoch of 36.7 M rows).
Checkpoints are ``recsys_models.train.checkpoint`` payloads (``weights_only=True`` loadable, written atomically) with
model ``nasrec_supernet`` and the space menus in ``config``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from recsys_models.blocks.block import BlockSample
from recsys_models.space.choices import SearchSpace
from recsys_models.space.sampling import sample_arch
from recsys_models.supernet.model import Supernet, to_samples

CHECKPOINT_MODEL = "nasrec_supernet"


@dataclass(frozen=True)
class SupernetTrainConfig:
    """Hyper-parameters (NASRec's values are the defaults, except ``warmup_steps`` which scales with the run)."""

    steps: int
    lr: float = 0.12
    warmup_steps: int = 0
    lr_warmup_fraction: float = 0.1
    min_lr: float = 1e-8
    clip_norm: float = 5.0
    adagrad_eps: float = 1e-2
    seed: int = 0


def full_sample(space: SearchSpace, rng: np.random.Generator) -> list[BlockSample]:
    """The whole supernet: every operator, the largest widths, all connections, both switches, floating point.

    Floating point because NASRec's warm-up is (it has no quantisation) and fake-quantising all ~50 M supernet
    weights every warm-up step would double its cost; quantisation is trained by the single-path steps.
    """
    samples = []
    for i in range(space.num_blocks):
        n = i + 1
        samples.append(BlockSample(space.dense_ops, space.sparse_ops, tuple(range(n)), tuple(range(n)),
                                   int(rng.integers(n)), int(rng.integers(n)), space.max_dense_width,
                                   space.max_sparse_width, True, True, None, None))
    return samples


def training_sample(space: SearchSpace, step: int, warmup_steps: int, rng: np.random.Generator):
    """The subnet of one training step (see the module docstring); returns ``(samples, is_full)``."""
    p_full = max(0.0, 1.0 - step / warmup_steps) if warmup_steps > 0 else 0.0
    if rng.random() < p_full:
        return full_sample(space, rng), True
    return to_samples(sample_arch(space, rng, quantized=space.has_precision)), False


def cosine_lr(step: int, total: int, base: float, warm_fraction: float = 0.1, min_lr: float = 1e-8) -> float:
    """Linear warm-up over ``warm_fraction`` of ``total`` steps, then cosine decay to ``min_lr``."""
    warm = max(1, int(total * warm_fraction))
    if step < warm:
        return base * (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return min_lr + (base - min_lr) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _batches_forever(batches):
    epoch = 0
    while True:
        if hasattr(batches, "set_epoch"):
            batches.set_epoch(epoch)
        empty = True
        for batch in batches:
            empty = False
            yield batch
        if empty:
            raise ValueError("the training data yielded no batches")
        epoch += 1


def train_supernet(supernet: Supernet, batches, cfg: SupernetTrainConfig, progress: bool = True,
                   checkpoint=None, checkpoint_every: int = 0, log=None) -> dict:
    """Train ``supernet`` in place for ``cfg.steps`` batches (cycling through ``batches``); returns run statistics.

    ``checkpoint`` (a path) is written every ``checkpoint_every`` steps and at the end.
    """
    from tqdm import tqdm

    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    opt = torch.optim.Adagrad(supernet.parameters(), lr=cfg.lr, eps=cfg.adagrad_eps, weight_decay=0.0)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    supernet.train()
    stream = _batches_forever(batches)
    rows, loss_sum, recent, n_full, t0 = 0, 0.0, [], 0, time.perf_counter()
    bar = tqdm(range(cfg.steps), desc="supernet", unit="step", disable=None if progress else True)
    for step in bar:
        dense, sparse, label = next(stream)
        samples, is_full = training_sample(supernet.space, step, cfg.warmup_steps, rng)
        n_full += is_full
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, cfg.steps, cfg.lr, cfg.lr_warmup_fraction, cfg.min_lr)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(supernet(dense, sparse, samples), label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(supernet.parameters(), cfg.clip_norm)
        opt.step()
        rows += len(label)
        loss_sum += loss.item() * len(label)
        recent = (recent + [loss.item()])[-100:]
        bar.set_postfix(loss=f"{np.mean(recent):.4f}")
        if checkpoint and checkpoint_every and (step + 1) % checkpoint_every == 0:
            save_supernet(checkpoint, supernet, {"step": step + 1, "train_logloss": loss_sum / rows})
    seconds = time.perf_counter() - t0
    stats = {"steps": cfg.steps, "rows": rows, "train_logloss": loss_sum / max(rows, 1),
             "last100_logloss": float(np.mean(recent)) if recent else float("nan"), "full_supernet_steps": n_full,
             "seconds": seconds, "samples_per_s": rows / seconds if seconds > 0 else float("nan")}
    if checkpoint:
        save_supernet(checkpoint, supernet, stats)
    if log:
        log(f"supernet: {cfg.steps} steps, {rows} rows, train logloss {stats['train_logloss']:.4f} "
            f"(last 100 steps {stats['last100_logloss']:.4f}), {stats['samples_per_s']:.0f} samples/s")
    return stats


def space_config(space: SearchSpace) -> dict:
    return {"space": space.name, "num_blocks": space.num_blocks, "dense_widths": list(space.dense_widths),
            "sparse_widths": list(space.sparse_widths), "max_inputs": space.max_inputs,
            "weight_bits": list(space.weight_bits), "act_bits": list(space.act_bits)}


def save_supernet(path, supernet: Supernet, metrics: dict | None = None) -> None:
    """Atomically write a ``weights_only``-loadable checkpoint of ``supernet``."""
    from recsys_models.train.checkpoint import save_checkpoint

    save_checkpoint(path, CHECKPOINT_MODEL, supernet, supernet.dataset_spec, space_config(supernet.space), metrics)


def load_supernet(path) -> Supernet:
    """Rebuild a supernet from ``save_supernet``'s checkpoint (eval mode); ``UserError`` if it is not one."""
    from recsys_models.data.specs import DatasetSpec
    from recsys_models.errors import UserError
    from recsys_models.space.choices import get_space
    from recsys_models.train.checkpoint import read_payload

    payload = read_payload(path, "supernet checkpoint")
    if payload.get("model") != CHECKPOINT_MODEL:
        raise UserError(path, f"not a supernet checkpoint (model {payload.get('model')!r})")
    try:
        cfg = dict(payload["config"])
        space = get_space(cfg.pop("space"), **{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()})
        supernet = Supernet(space, DatasetSpec.from_dict(payload["dataset"]))
        supernet.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # missing fields, another model's weights
        detail = f"lacks {exc.args[0]!r}" if isinstance(exc, KeyError) else " ".join(str(exc).split())[:200]
        raise UserError(path, f"damaged or foreign supernet checkpoint: {detail}") from None
    return supernet.eval()
