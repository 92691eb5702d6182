"""Supernet training: single-operator any-connection sampling with the full-supernet warm-up, Adagrad, cosine LR.

Source: NASRec ``train_supernet.py`` and ``supernet.py`` (facebookresearch/NasRec@79bf6f99, reference B.1/B.2):
- per step one subnet for the whole batch: one dense and one sparse operator per block, random widths and switches,
  any-path connections (``recsys_models.space.sample_arch``); here also a random precision per operator;
- warm-up: for the first ``warmup_steps`` steps the full supernet (all operators summed, largest widths, every
  connection, both switches on; floating point) is drawn with probability 1 - step / warmup_steps;
- Adagrad (eps 1e-2), weight decay 0, cosine LR with linear warm-up over 10 % of the steps (min 1e-8), gradient-norm
  clip 5.0, BCE-with-logits. NASRec: batch 512, lr 0.12, warm-up 15000 steps on Criteo (one epoch of 36.7 M rows).

Validation (ours; NASRec trains one epoch and does not validate the supernet): every ``val_every`` steps the
supernet's validation log loss is the mean over ``val_subnets`` random subnets, drawn once from a generator seeded
with ``seed + 1`` (the same subnets every time and in every run), of their log loss on the validation rows with the
inherited weights (no head fine-tuning). The best state by that figure is what ``save_best`` receives, and
``patience`` validations without improvement stop the run: on small data the supernet overfits within a few epochs
(docs/supernet.md, "A recipe that learns").

Runs resume exactly (``resume=``): optimizer, step, subnet generator, data position (epoch and batch), RNG, loss
sums, validation history. Devices, bf16 autocast, data parallelism and curves as for ``recsys_models.train.loop``.
Checkpoints are ``recsys_models.train.checkpoint`` payloads (``weights_only=True`` loadable, written atomically,
identical bytes for identical runs) with model ``nasrec_supernet`` and the space menus in ``config``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from recsys_models.blocks.block import BlockSample
from recsys_models.space.choices import SearchSpace
from recsys_models.space.sampling import sample_arch
from recsys_models.supernet.model import Supernet, to_samples
from recsys_models.train.curves import Curves, NoCurves
from recsys_models.train.distributed import Dist

CHECKPOINT_MODEL = "nasrec_supernet"
RECENT_STEPS = 100


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
    val_every: int = 0  # steps between validations (0: none)
    val_subnets: int = 8
    patience: int | None = None  # validations without improvement before stopping

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SupernetRun:
    """Where and how a run executes (see ``recsys_models.train.loop.RunOptions``)."""

    device: object = None
    precision: str = "fp32"
    dist: Dist | None = None
    curves: Curves | NoCurves | None = None
    progress_every_s: float = 30.0
    log_every: int = 10
    checkpoint_every: int = 0
    save_state: Callable[..., None] | None = None
    save_best: Callable[..., None] | None = None
    timing: dict = field(default_factory=dict)


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


def validation_archs(space: SearchSpace, n: int, seed: int):
    """The ``n`` fixed subnets the supernet is validated on (seeded with ``seed + 1``, apart from training)."""
    rng = np.random.default_rng(seed + 1)
    return [sample_arch(space, rng, quantized=space.has_precision) for _ in range(n)]


@torch.no_grad()
def supernet_val_logloss(supernet: Supernet, batches, archs, device=None, precision: str = "fp32") -> float:
    """Mean validation log loss of ``archs`` with the supernet's weights (no fine-tuning)."""
    from recsys_models.train.device import autocast
    from recsys_models.train.loop import _batches
    from recsys_models.train.metrics import log_loss

    device = device if device is not None else supernet.head.weight.device
    was_training = supernet.training
    supernet.eval()
    losses = []
    for arch in archs:
        labels, probs = [], []
        for dense, sparse, label in _batches(batches, 0, 0, (0, 1), device):
            with autocast(device, precision):
                logits = supernet(dense, sparse, arch)
            probs.append(torch.sigmoid(logits.float()).cpu().numpy())
            labels.append(label.cpu().numpy())
        if not labels:
            raise ValueError("the validation data yielded no batches")
        losses.append(log_loss(np.concatenate(labels), np.concatenate(probs)))
    supernet.train(was_training)
    return float(np.mean(losses))


class _Stream:
    """The training batches as an endless stream with a resumable position ``(epoch, batch)``."""

    def __init__(self, source, epoch: int, batch: int, shard, device):
        self.source, self.epoch, self.batch, self.shard, self.device = source, epoch, batch, shard, device
        self._it = None

    def __next__(self):
        from recsys_models.train.loop import _batches

        for _ in range(2):
            if self._it is None:
                self._it = iter(_batches(self.source, self.epoch, self.batch, self.shard, self.device))
            try:
                out = next(self._it)
                self.batch += 1
                return out
            except StopIteration:
                empty = self.batch == 0
                self._it, self.epoch, self.batch = None, self.epoch + 1, 0
                if empty:
                    break
        raise ValueError("the training data yielded no batches")


def _fresh_state(cfg: SupernetTrainConfig) -> dict:
    return {"step": 0, "epoch": 0, "batch": 0, "rows": 0, "loss_sum": 0.0, "full_steps": 0, "recent": [],
            "rng": np.random.default_rng(cfg.seed).bit_generator.state, "val": [], "best": None, "best_step": None,
            "bad_vals": 0, "stopped": False}


def train_supernet(supernet: Supernet, batches, cfg: SupernetTrainConfig, progress: bool = True,
                   checkpoint=None, checkpoint_every: int = 0, log=None, val_batches=None,
                   run: SupernetRun | None = None, resume: dict | None = None) -> dict:
    """Train ``supernet`` in place for ``cfg.steps`` batches (cycling through ``batches``); returns run statistics.

    ``checkpoint`` (a path) is written every ``checkpoint_every`` steps and at the end (a plain checkpoint of the
    last state; the CLI uses ``run.save_state``/``run.save_best`` for resume files and the best state instead).
    Statistics hold no wall-clock figure; ``run.timing`` receives those.
    """
    from recsys_models.train import distributed
    from recsys_models.train.curves import NoCurves
    from recsys_models.train.device import autocast
    from recsys_models.train.loop import _global_rows, full_precision, peak_memory
    from recsys_models.train.progress import Progress

    run = run or SupernetRun()
    device = run.device if run.device is not None else torch.device("cpu")
    ctx = run.dist or distributed.SINGLE
    curves = run.curves if (run.curves is not None and ctx.main) else NoCurves()
    torch.manual_seed(cfg.seed)
    supernet.to(device)
    opt = torch.optim.Adagrad(supernet.parameters(), lr=cfg.lr, eps=cfg.adagrad_eps, weight_decay=0.0)
    state = _fresh_state(cfg) if resume is None else dict(resume)
    if resume is not None:
        opt.load_state_dict(resume["optimizer"])
        torch.set_rng_state(resume["torch_rng"])
    rng = np.random.default_rng(cfg.seed)
    rng.bit_generator.state = state["rng"]  # a fresh run's state is seed's; a resumed run's, where it stopped
    archs = validation_archs(supernet.space, cfg.val_subnets, cfg.seed) if (cfg.val_every and val_batches) else []
    net = distributed.wrap(supernet, ctx, device, find_unused=True)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    supernet.train()
    stream = _Stream(batches, state["epoch"], state["batch"], ctx.shard, device)
    loss_acc = torch.zeros((), dtype=torch.float64, device=device) + state["loss_sum"]
    recent = [torch.tensor(v, device=device) for v in state["recent"]]
    rows, rows_now, t0 = state["rows"], 0, time.perf_counter()
    every = checkpoint_every or run.checkpoint_every

    def snapshot() -> dict:
        recent_values = torch.stack(recent).tolist() if recent else []
        return {**state, "epoch": stream.epoch, "batch": stream.batch, "rows": rows, "loss_sum": float(loss_acc),
                "recent": recent_values, "rng": rng.bit_generator.state, "optimizer": opt.state_dict(),
                "torch_rng": torch.get_rng_state(), "config": cfg.to_dict()}

    def recent_loss() -> float:
        return float(torch.stack(recent).mean()) if recent else float("nan")

    with Progress("supernet", cfg.steps, "step", run.progress_every_s, initial=state["step"],
                  enabled=progress and ctx.main) as bar:
        while state["step"] < cfg.steps and not state["stopped"]:
            step = state["step"]
            dense, sparse, label = next(stream)
            samples, is_full = training_sample(supernet.space, step, cfg.warmup_steps, rng)
            state["full_steps"] += is_full
            lr = cosine_lr(step, cfg.steps, cfg.lr, cfg.lr_warmup_fraction, cfg.min_lr)
            for group in opt.param_groups:
                group["lr"] = lr
            with autocast(device, run.precision):
                logits = net(dense, sparse, samples)
            local = loss_fn(full_precision(logits), label)
            loss = local / _global_rows(len(label), ctx, device) * ctx.world
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(supernet.parameters(), cfg.clip_norm)
            opt.step()
            state["step"] = step = step + 1
            rows += len(label)
            rows_now += len(label)
            loss_acc += local.detach()
            recent = (recent + [(local.detach() / max(len(label), 1)).double()])[-RECENT_STEPS:]
            bar.update(1, rows=len(label) * ctx.world, fields_fn=lambda: {"loss": recent_loss()})
            if step % run.log_every == 0 and curves.active:
                curves.scalar("train/logloss", recent_loss(), step)
                curves.scalar("lr", lr, step)
            if cfg.val_every and archs and (step % cfg.val_every == 0 or step == cfg.steps):
                stop = _validate(supernet, val_batches, archs, state, cfg, run, device, curves, log, ctx) \
                    if ctx.main else False
                state["stopped"] = distributed.broadcast_flag(ctx, stop, device)
            if ctx.main and ((every and step % every == 0) or step == cfg.steps or state["stopped"]):
                if run.save_state:
                    run.save_state(snapshot())
                if checkpoint:
                    save_supernet(checkpoint, supernet, _stats(state, rows, loss_acc, recent_loss()))
            if step % run.log_every == 0 and curves.active:
                curves.flush()
    seconds = time.perf_counter() - t0
    rows_total, loss_total = distributed_sums(ctx, device, rows, float(loss_acc))
    stats = _stats(state, rows_total, loss_total, recent_loss())
    run.timing.update(wall_s=seconds, samples_per_s=rows_now * ctx.world / seconds if seconds > 0 else float("nan"),
                      steps_run=stats["steps"] - (resume["step"] if resume else 0), **peak_memory(device))
    if checkpoint and ctx.main:
        save_supernet(checkpoint, supernet, stats)
    if log and ctx.main:
        log(f"supernet: {stats['steps']} steps, {stats['rows']} rows, train logloss {stats['train_logloss']:.4f} "
            f"(last {RECENT_STEPS} steps {stats['last100_logloss']:.4f}), "
            f"{run.timing['samples_per_s']:.0f} samples/s"
            + (f"; best val logloss {state['best']:.4f} at step {state['best_step']}" if state["best"] is not None
               else ""))
    curves.flush()
    return stats


def distributed_sums(ctx, device, rows: int, loss_sum) -> tuple[int, float]:
    from recsys_models.train.loop import _sum_over_ranks

    loss_sum = float(loss_sum)
    total_loss, total_rows = _sum_over_ranks([loss_sum, float(rows)], ctx, device)
    return int(total_rows), total_loss


def _stats(state: dict, rows, loss_sum, recent: float) -> dict:
    loss_sum = float(loss_sum)
    return {"steps": state["step"], "rows": int(rows), "train_logloss": loss_sum / max(int(rows), 1),
            "last100_logloss": recent, "full_supernet_steps": state["full_steps"], "val": list(state["val"]),
            "best_val_logloss": state["best"], "best_step": state["best_step"], "stopped_early": state["stopped"]}


def _validate(supernet, val_batches, archs, state, cfg, run, device, curves, log, ctx) -> bool:
    """One validation: record it, hand a better state to ``save_best``; True when patience is exhausted."""
    from recsys_models.train.loop import improved

    value = supernet_val_logloss(supernet, val_batches, archs, device, run.precision)
    supernet.train()
    step = state["step"]
    state["val"] = list(state["val"]) + [[step, value]]
    curves.scalar("val/logloss", value, step)
    better = improved(value, state["best"], "logloss")
    if better:
        state.update(best=value, best_step=step, bad_vals=0)
        if run.save_best:
            run.save_best(supernet, {"step": step, "val_logloss": value})
    else:
        state["bad_vals"] += 1
    if log:
        log(f"supernet: step {step}: val logloss {value:.4f} (mean of {len(archs)} subnets)"
            + (" (best so far)" if better else f", best {state['best']:.4f} at step {state['best_step']}"))
    return cfg.patience is not None and state["bad_vals"] >= cfg.patience


def space_config(space: SearchSpace) -> dict:
    return {"space": space.name, "num_blocks": space.num_blocks, "dense_widths": list(space.dense_widths),
            "sparse_widths": list(space.sparse_widths), "max_inputs": space.max_inputs,
            "weight_bits": list(space.weight_bits), "act_bits": list(space.act_bits)}


def save_supernet(path, supernet: Supernet, metrics: dict | None = None, train_state: dict | None = None) -> None:
    """Atomically write a ``weights_only``-loadable checkpoint of ``supernet`` (a resume file with ``train_state``)."""
    from recsys_models.train.checkpoint import save_checkpoint

    save_checkpoint(path, CHECKPOINT_MODEL, supernet, supernet.dataset_spec, space_config(supernet.space), metrics,
                    train_state)


def read_supernet_payload(path, what: str = "supernet checkpoint") -> dict:
    """The checked payload of a supernet checkpoint; ``UserError`` naming the file when it is not one."""
    from recsys_models.errors import UserError
    from recsys_models.train.checkpoint import check_payload, read_payload

    payload = read_payload(path, what)
    if payload.get("model") != CHECKPOINT_MODEL:
        raise UserError(path, f"not a supernet checkpoint (model {payload.get('model')!r})")
    return check_payload(path, payload)


def supernet_from_payload(path, payload: dict) -> Supernet:
    from recsys_models.data.specs import DatasetSpec
    from recsys_models.errors import UserError
    from recsys_models.space.choices import get_space
    from recsys_models.train.checkpoint import load_state

    try:
        cfg = dict(payload["config"])
        space = get_space(cfg.pop("space"), **{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()})
        supernet = Supernet(space, DatasetSpec.from_dict(payload["dataset"]))
    except (KeyError, TypeError, ValueError) as exc:  # missing fields, a space or dataset we cannot build
        detail = f"lacks {exc.args[0]!r}" if isinstance(exc, KeyError) else " ".join(str(exc).split())[:200]
        raise UserError(path, f"damaged or foreign supernet checkpoint: {detail}") from None
    load_state(supernet, payload["state_dict"], path, CHECKPOINT_MODEL)
    return supernet


def load_supernet(path, device=None) -> Supernet:
    """Rebuild a supernet from ``save_supernet``'s checkpoint (eval mode, on ``device``, default CPU)."""
    supernet = supernet_from_payload(path, read_supernet_payload(path))
    if device is not None:
        supernet = supernet.to(device)
    return supernet.eval()
