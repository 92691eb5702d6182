"""``recsys train``: read a raw file, train a registered model, evaluate on val and test, save the results.

Outputs in ``--out DIR``: ``checkpoint.pt`` (:mod:`recsys_models.train.checkpoint`) and ``metrics.json``
with ``val_auc``, ``val_logloss``, ``test_auc``, ``test_logloss``, ``train_rows``, ``val_rows``,
``test_rows``, ``malformed_rows``, ``train_samples_per_s``, the hyper-parameters and the data file.
Both are written atomically.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.io import atomic_write_json

IN_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024


def _batches(args, path, spec_hash: int, in_memory: bool):
    """``({split: batches}, stats)``; in memory reads the file once, streaming re-reads it per pass."""
    from recsys_models.data import CTRData, TensorBatches, load_all_splits

    common = dict(hash_size=spec_hash, seed=args.seed, strict=args.strict)
    if in_memory:
        splits, stats = load_all_splits(args.dataset, path, **common)
        return {s: TensorBatches(*t, batch_size=args.batch_size if s == "train" else 4096,
                                 shuffle=s == "train", seed=args.seed) for s, t in splits.items()}, stats
    out = {s: CTRData(args.dataset, path, s, batch_size=args.batch_size if s == "train" else 4096,
                      shuffle=s == "train", **common) for s in ("train", "val", "test")}
    return out, out["train"]


def _json_safe(value):
    """NaN (AUC of a split with one class) becomes null: metrics.json stays standard JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _write_json(path: Path, payload: dict) -> None:
    atomic_write_json(path, _json_safe(payload))


def _check_args(args) -> None:
    from recsys_models.baselines import MODELS

    if args.model.lower() not in MODELS:
        raise UserError("--model", f"unknown model {args.model!r}; known: {', '.join(MODELS)}")
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise UserError(flag, f"must be >= 1, got {value}")
    if not args.lr > 0:
        raise UserError("--lr", f"must be > 0, got {args.lr}")
    if args.threads < 1:
        raise UserError("--threads", f"must be >= 1, got {args.threads}")
    if args.hash_size < 2:
        raise UserError("--hash-size", f"must be >= 2, got {args.hash_size}")


def train_cli(args) -> int:
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.data import dataset_spec, resolve_path
    from recsys_models.train.checkpoint import save_checkpoint
    from recsys_models.train.loop import TrainConfig, evaluate, train_model

    _check_args(args)
    torch.set_num_threads(args.threads)
    path = resolve_path(args.dataset, args.data)
    if not path.is_file():
        raise UserError(path, "data file not found")
    in_memory = args.in_memory == "yes" or (args.in_memory == "auto" and path.stat().st_size < IN_MEMORY_LIMIT_BYTES)
    t0 = time.perf_counter()
    batches, stats_holder = _batches(args, path, args.hash_size, in_memory)
    spec = dataset_spec(args.dataset, args.hash_size)
    config = {"embedding_dim": args.embedding_dim} if args.model.lower() != "lr" else {}
    torch.manual_seed(args.seed)
    model = build_model(args.model, spec.n_int, spec.table_sizes, **config)
    cfg = TrainConfig(epochs=args.epochs, lr=args.lr, optimizer=args.optimizer, seed=args.seed)
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731 - keep stdout for the final summary
    history = train_model(model, batches["train"], cfg, batches["val"], progress=True, log=log)
    test = evaluate(model, batches["test"], progress=True, desc="test")
    stats = stats_holder.stats
    last = history[-1]
    metrics = {
        "model": args.model.lower(), "dataset": args.dataset, "data": str(path), "hash_size": args.hash_size,
        "train_config": cfg.to_dict(), "batch_size": args.batch_size, "model_config": config,
        "val_auc": last["val_auc"], "val_logloss": last["val_logloss"], "val_rows": last["val_rows"],
        "test_auc": test["auc"], "test_logloss": test["logloss"], "test_rows": test["rows"],
        "train_rows": last["train_rows"], "train_samples_per_s": last["train_samples_per_s"],
        "rows_read": stats.rows_read, "malformed_rows": stats.rows_bad, "history": history,
        "seconds": time.perf_counter() - t0,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(out / "checkpoint.pt", args.model.lower(), model, spec, config, metrics)
    _write_json(out / "metrics.json", metrics)
    print(stats.summary(), file=sys.stderr)
    if test["auc"] != test["auc"] or last["val_auc"] != last["val_auc"]:
        print("warning: AUC undefined (null in metrics.json): a split has only one class", file=sys.stderr)
    print(f"{args.model.lower()} on {args.dataset}: val AUC {metrics['val_auc']:.4f} logloss "
          f"{metrics['val_logloss']:.4f}; test AUC {metrics['test_auc']:.4f} logloss {metrics['test_logloss']:.4f} "
          f"({metrics['train_rows']} train / {metrics['val_rows']} val / {metrics['test_rows']} test rows) -> {out}")
    return 0
