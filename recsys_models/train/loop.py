"""A supervised CTR training loop: BCE-with-logits, Adam (default) or Adagrad, seeded, resumable.

Usable from other code (the supernet / search helpers)::

    from recsys_models.train import TrainConfig, train_model, evaluate
    history = train_model(model, train_batches, TrainConfig(epochs=1, lr=3e-3), val_batches=val)
    metrics = evaluate(model, test_batches)       # {"auc": ..., "logloss": ..., "rows": ...}

``*_batches`` are :class:`recsys_models.data.CTRData` or :class:`recsys_models.data.TensorBatches` (anything with
``batches(epoch, skip, shard, device)``), or plain re-iterables of ``(dense, sparse, label)`` torch batches. Models
return logits ``[B, 1]`` or ``[B]``.

What a run gets from :class:`RunOptions` (all optional): a device and ``bf16`` autocast
(``recsys_models.train.device``); data-parallel ranks (``recsys_models.train.distributed``); after every epoch a
validation, the best model handed to ``save_best`` (by validation log loss, or AUC with ``select="auc"``) and early
stopping after ``patience`` epochs without improvement; a resume state handed to ``save_state`` every
``checkpoint_every`` steps and at each epoch end (optimizer, LR scheduler, data position, RNG, history, best so far):
``train_model(..., resume=state)`` continues exactly where it was taken, same batches in the same order; curves
(``recsys_models.train.curves``) and progress lines that also work without a terminal.

Determinism: the data order comes from seeded generators per epoch and the loop reads no clock into its results;
on the CPU identical runs give identical weights. Wall-clock figures live apart, in :data:`TIMING_KEYS`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from recsys_models.train.metrics import log_loss, roc_auc
from recsys_models.train.curves import Curves, NoCurves
from recsys_models.train.distributed import Dist

TIMING_KEYS = ("train_wall_s", "train_samples_per_s")
"""History fields that are wall-clock measurements (kept out of result files, see ``recsys_models.train.run``)."""


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. Defaults are the documented ones for the 10k-row samples (docs/models.md)."""

    epochs: int = 1
    lr: float = 3e-3
    optimizer: str = "adam"  # adam | adagrad (NASRec's choice at batch 256, lr 0.1-0.2)
    weight_decay: float = 0.0
    clip_norm: float | None = None
    seed: int = 0
    schedule: str = "constant"  # constant | cosine (linear warm-up over 10 % of the steps, NASRec B.4)
    select: str = "logloss"  # validation metric of the best checkpoint and of early stopping: logloss | auc
    patience: int | None = None  # stop after this many epochs without a better validation metric

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RunOptions:
    """Where and how a run executes; see the module docstring."""

    device: object = None
    precision: str = "fp32"
    dist: Dist | None = None
    curves: Curves | NoCurves | None = None
    progress_every_s: float = 30.0
    log_every: int = 10
    checkpoint_every: int = 0
    save_state: Callable[[dict], None] | None = None
    save_best: Callable[[object, dict], None] | None = None
    timing: list = field(default_factory=list)


def _optimizer(model, cfg: TrainConfig):
    import torch

    if cfg.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adagrad":
        return torch.optim.Adagrad(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be 'adam' or 'adagrad', got {cfg.optimizer!r}")


def cosine_factor(step: int, total: int, warm_fraction: float = 0.1, floor: float = 0.0) -> float:
    """LR multiplier: linear warm-up over ``warm_fraction`` of ``total`` steps, then cosine decay to ``floor``."""
    warm = max(1, int(total * warm_fraction))
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _scheduler(opt, cfg: TrainConfig, steps_per_epoch: int | None):
    import torch

    if cfg.schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    if cfg.schedule != "cosine":
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {cfg.schedule!r}")
    if not steps_per_epoch:
        raise ValueError("the cosine schedule needs the number of steps: the training data must have a length")
    total = steps_per_epoch * cfg.epochs
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: cosine_factor(step, total))


def _batches(source, epoch: int, skip: int, shard, device):
    """The batches of one epoch of ``source`` (see the module docstring), on ``device``."""
    from recsys_models.train.device import to_device

    if hasattr(source, "batches"):
        return source.batches(epoch, skip, shard, device)
    if hasattr(source, "set_epoch"):
        source.set_epoch(epoch)
    if shard != (0, 1):
        raise ValueError("data-parallel training needs a source with batches(epoch, skip, shard, device)")
    return (to_device(b, device) for k, b in enumerate(source) if k >= skip)


def _device(run: RunOptions):
    import torch

    return run.device if run.device is not None else torch.device("cpu")


def predict(model, batches, progress: bool = False, desc: str = "eval", device=None, precision: str = "fp32"):
    """``(labels, probabilities)`` numpy float arrays over all batches, in order."""
    import torch

    from recsys_models.train.device import autocast
    from recsys_models.train.progress import Progress

    device = device if device is not None else next(model.parameters()).device
    model.eval()
    labels, probs = [], []
    total = len(batches) if hasattr(batches, "__len__") else None
    with torch.no_grad(), Progress(desc, total, "batch", enabled=progress) as bar:
        for dense, sparse, label in _batches(batches, 0, 0, (0, 1), device):
            with autocast(device, precision):
                logits = model(dense, sparse)
            probs.append(torch.sigmoid(logits.float()).reshape(-1).cpu().numpy())
            labels.append(label.cpu().numpy())
            bar.update(1, rows=len(label))
    if not labels:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    return np.concatenate(labels), np.concatenate(probs)


def evaluate(model, batches, progress: bool = False, desc: str = "eval", device=None, precision: str = "fp32") -> dict:
    """``{"auc", "logloss", "rows"}``; AUC is ``nan`` (and log loss too if empty) when undefined."""
    y, p = predict(model, batches, progress, desc, device, precision)
    if y.size == 0:
        return {"auc": float("nan"), "logloss": float("nan"), "rows": 0}
    return {"auc": roc_auc(y, p), "logloss": log_loss(y, p), "rows": int(y.size)}


def improved(value: float, best: float | None, select: str) -> bool:
    """Is ``value`` a better validation ``select`` metric than ``best``? (NaN never is.)"""
    if value != value:
        return False
    if best is None:
        return True
    return value < best if select == "logloss" else value > best


def fresh_state() -> dict:
    """The resume state of a run that has not started."""
    return {"epoch": 0, "batch": 0, "step": 0, "rows": 0, "loss_sum": 0.0, "history": [], "best": None,
            "best_epoch": None, "bad_epochs": 0, "stopped": False}


def _rng_state(device) -> dict:
    import torch

    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, device) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def peak_memory(device) -> dict:
    """Peak resident memory of this process and, on a GPU, peak bytes allocated by torch (timing records)."""
    import resource

    out = {"host_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}  # Linux: KiB
    if device.type == "cuda":
        import torch

        out["gpu_peak_alloc_bytes"] = torch.cuda.max_memory_allocated(device)
    return out


def full_precision(logits):
    """bf16 logits (autocast) go to the loss in float32; float32 and float64 stay as they are."""
    import torch

    return logits.float() if logits.dtype in (torch.bfloat16, torch.float16) else logits


def _global_rows(n: int, ctx, device):
    """Rows of the global batch (the sum over ranks; ``n`` itself in one process), as a 0-d float64 tensor in
    data-parallel runs (0-d, so dividing a loss by it keeps the loss's own precision)."""
    if not ctx.active:
        return float(n)
    import torch
    import torch.distributed as dist

    t = torch.tensor(float(n), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t


def _sum_over_ranks(values: list[float], ctx, device) -> list[float]:
    if not ctx.active:
        return values
    import torch
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def train_model(model, train_batches, cfg: TrainConfig = TrainConfig(), val_batches=None,
                progress: bool = True, log=None, run: RunOptions | None = None, resume: dict | None = None) -> list[dict]:
    """Train in place; returns one dict per epoch (train loss and rows, timing, val metrics if given).

    ``resume`` is a state that ``run.save_state`` received (the model's weights already loaded by the caller).
    """
    import torch

    from recsys_models.train import distributed
    from recsys_models.train.curves import NoCurves
    from recsys_models.train.device import autocast
    from recsys_models.train.progress import Progress

    run = run or RunOptions()
    device, ctx = _device(run), run.dist or distributed.SINGLE
    curves = run.curves if (run.curves is not None and ctx.main) else NoCurves()
    torch.manual_seed(cfg.seed)
    model.to(device)
    opt = _optimizer(model, cfg)
    steps_per_epoch = len(train_batches) if hasattr(train_batches, "__len__") else None
    sched = _scheduler(opt, cfg, steps_per_epoch)
    state = dict(fresh_state() if resume is None else resume)
    if resume is not None:
        opt.load_state_dict(resume["optimizer"])
        sched.load_state_dict(resume["scheduler"])
        _set_rng_state(resume["rng"], device)
    net = distributed.wrap(model, ctx, device)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    history = list(state["history"])

    def snapshot(epoch: int, batch: int, rows: int, loss_sum: float) -> dict:
        return {**state, "epoch": epoch, "batch": batch, "rows": rows, "loss_sum": loss_sum, "history": list(history),
                "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "rng": _rng_state(device),
                "config": cfg.to_dict()}

    for epoch in range(state["epoch"], cfg.epochs):
        if state["stopped"]:
            break
        skip = state["batch"] if epoch == state["epoch"] else 0
        rows = state["rows"] if skip else 0
        loss_acc = torch.zeros((), dtype=torch.float64, device=device) + (state["loss_sum"] if skip else 0.0)
        net.train()
        t0 = time.perf_counter()
        k, rows_now = skip, 0
        with Progress(f"epoch {epoch + 1}/{cfg.epochs}", steps_per_epoch, "batch", run.progress_every_s, initial=skip,
                      enabled=progress and ctx.main) as bar:
            for dense, sparse, label in _batches(train_batches, epoch, skip, ctx.shard, device):
                with autocast(device, run.precision):
                    logits = net(dense, sparse)
                local = loss_fn(full_precision(logits).reshape(-1), label)
                loss = local / _global_rows(len(label), ctx, device) * ctx.world
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.clip_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
                opt.step()
                sched.step()
                state["step"] += 1
                k += 1
                rows += len(label)
                rows_now += len(label)
                loss_acc += local.detach()
                bar.update(1, rows=len(label) * ctx.world,
                           fields_fn=lambda: {"loss": float(loss_acc) / max(rows, 1)})
                if state["step"] % run.log_every == 0 and curves.active:
                    value = float(loss_acc) / max(rows, 1)
                    curves.scalar("train/logloss", value, state["step"])
                    curves.scalar("lr", sched.get_last_lr()[0], state["step"])
                if run.checkpoint_every and state["step"] % run.checkpoint_every == 0 and run.save_state and ctx.main:
                    run.save_state(snapshot(epoch, k, rows, float(loss_acc)))
        loss_total, rows_total = _sum_over_ranks([float(loss_acc), float(rows)], ctx, device)
        seconds = time.perf_counter() - t0
        rec = {"epoch": epoch + 1, "train_rows": int(rows_total), "train_logloss": loss_total / max(rows_total, 1)}
        run.timing.append({"epoch": epoch + 1, "train_wall_s": seconds, **peak_memory(device),
                           "train_samples_per_s": rows_now * ctx.world / seconds if seconds > 0 else float("nan")})
        curves.scalar("train/epoch_logloss", rec["train_logloss"], state["step"])
        stop = False
        if ctx.main:
            stop = _validate_and_select(model, val_batches, rec, cfg, state, run, device, progress, curves)
        stop = distributed.broadcast_flag(ctx, stop, device)
        history.append(rec)
        state.update(stopped=stop)
        if run.save_state and ctx.main:
            run.save_state(snapshot(epoch + 1, 0, 0, 0.0))
        curves.flush()
        if log and ctx.main:
            log(_epoch_line(rec, run.timing[-1]))
        if stop:
            if log and ctx.main:
                log(f"early stop: validation {cfg.select} has not improved for {cfg.patience} epoch(s) "
                    f"(best: epoch {state['best_epoch']})")
            break
    return history


def _validate_and_select(model, val_batches, rec: dict, cfg: TrainConfig, state: dict, run: RunOptions, device,
                         progress: bool, curves) -> bool:
    """Validation of this epoch (``rec`` gets ``val_*``), the best model saved, and whether to stop early."""
    if val_batches is None:
        if run.save_best:
            run.save_best(model, rec)  # no validation: the last epoch is the one kept
        return False
    m = evaluate(model, val_batches, progress, "val", device, run.precision)
    rec.update(val_auc=m["auc"], val_logloss=m["logloss"], val_rows=m["rows"])
    curves.scalar("val/logloss", m["logloss"], state["step"])
    if m["auc"] == m["auc"]:
        curves.scalar("val/auc", m["auc"], state["step"])
    value = m[cfg.select]
    if improved(value, state["best"], cfg.select):
        state.update(best=value, best_epoch=rec["epoch"], bad_epochs=0)
        if run.save_best:
            run.save_best(model, rec)
    else:
        state["bad_epochs"] += 1
    rec["best_epoch"] = state["best_epoch"]
    return cfg.patience is not None and state["bad_epochs"] >= cfg.patience


def _epoch_line(rec: dict, timing: dict) -> str:
    line = (f"epoch {rec['epoch']}: train logloss {rec['train_logloss']:.4f} on {rec['train_rows']} rows "
            f"({timing['train_samples_per_s']:.0f} samples/s)")
    if "val_auc" in rec:
        line += f"; val AUC {rec['val_auc']:.4f}, logloss {rec['val_logloss']:.4f}"
        if rec.get("best_epoch") == rec["epoch"]:
            line += " (best so far)"
    return line
