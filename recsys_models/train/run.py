"""``recsys train``: read a raw file, train a model, keep the best epoch, evaluate on test, save the results.

Outputs in ``--out DIR`` (rank 0 writes them; each is written atomically):

- ``checkpoint.pt``: the best epoch's model (lowest validation log loss, or highest AUC with ``--select auc``),
  written whenever a better epoch is found, finally with the test metrics (:mod:`recsys_models.train.checkpoint`);
- ``last.pt``: the resume file (weights, optimizer, schedule, data position, RNG, history), written at every epoch
  end and every ``--checkpoint-every`` steps; ``--resume DIR/last.pt`` continues the run;
- ``metrics.json``: ``val_auc``, ``val_logloss`` (best epoch), ``test_auc``, ``test_logloss`` (best model),
  ``best_epoch``, row counts, ``malformed_rows``, the hyper-parameters, the data file and the per-epoch history;
  no wall-clock figure, so identical runs write identical bytes;
- ``timing.json``: wall-clock time and samples/s per epoch (the only file that differs between identical runs).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.io import atomic_write_json

IN_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024
EVAL_BATCH = 4096
RESUME_KEYS = ("model", "model_config", "dataset", "data_file", "data_bytes", "hash_size", "batch_size", "lr",
               "optimizer", "schedule", "clip_norm", "seed", "select", "init")
"""Settings a resume file must share with the command that resumes it (``--epochs`` may grow with a constant
schedule; device, precision, threads, logging and workers may change)."""


def _json_safe(value):
    """NaN (AUC of a split with one class) becomes null: metrics.json stays standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _write_json(path: Path, payload: dict) -> None:
    atomic_write_json(path, _json_safe(payload))


def _batches(args, path, in_memory: bool, device):
    """``({split: batches}, stats)``: in memory, the file is read once (onto ``device``); streamed, once per pass."""
    from recsys_models.data import CTRData, TensorBatches, load_all_splits

    common = dict(hash_size=args.hash_size, seed=args.seed, strict=args.strict)
    if in_memory:
        splits, stats = load_all_splits(args.dataset, path, **common)
        return {s: TensorBatches(*t, batch_size=args.batch_size if s == "train" else EVAL_BATCH,
                                 shuffle=s == "train", seed=args.seed, device=device)
                for s, t in splits.items()}, stats
    out = {s: CTRData(args.dataset, path, s, batch_size=args.batch_size if s == "train" else EVAL_BATCH,
                      shuffle=s == "train", workers=args.loader_workers, **common) for s in ("train", "val", "test")}
    return out, out["train"]


def _resume_key(args, path: Path, model_name: str, model_config: dict) -> dict:
    return {"model": model_name, "model_config": model_config, "dataset": args.dataset, "data_file": path.name,
            "data_bytes": path.stat().st_size, "hash_size": args.hash_size, "batch_size": args.batch_size,
            "lr": args.lr, "optimizer": args.optimizer, "schedule": args.schedule, "clip_norm": args.clip_norm,
            "seed": args.seed, "select": args.select, "init": Path(args.init).name if args.init else None}


def read_resume(path, key: dict, epochs: int, schedule: str) -> dict:
    """The payload of a resume file; ``UserError`` if it is unreadable or from a different run."""
    from recsys_models.train.checkpoint import check_payload, read_payload

    payload = check_payload(path, read_payload(path, "resume file"))
    state = payload.get("train_state")
    if not isinstance(state, dict) or not isinstance(state.get("run"), dict):
        raise UserError(path, "not a resume file (no training state): pass DIR/last.pt of an interrupted run")
    saved = state["run"]
    for k in RESUME_KEYS:
        if saved.get(k) != key.get(k):
            raise UserError(path, f"resume file is from a different run: {k} was {saved.get(k)!r}, now {key.get(k)!r}")
    done = int(state.get("epoch", 0))
    planned = state["config"]["epochs"]
    if epochs < done or (schedule == "cosine" and epochs != planned):
        of = f" of a {planned}-epoch cosine schedule" if schedule == "cosine" else ""
        raise UserError("--epochs", f"{epochs}: the resume file has {done} epoch(s) done{of}")
    return payload


def _model_choice(args, spec):
    """``(model name, constructor config, state_dict to start from or None)`` from --init or --model/--arch."""
    if args.init:
        from recsys_models.registry import MODEL_NAMES
        from recsys_models.train.checkpoint import check_payload, read_payload, supernet_hint

        payload = check_payload(args.init, read_payload(args.init))
        if payload["model"] not in MODEL_NAMES:
            raise UserError(args.init, f"checkpoint of {payload['model']!r}, not a trainable model"
                                       f"{supernet_hint(payload['model'])}")
        theirs = payload["dataset"]
        if theirs.get("name") != spec.name or list(theirs.get("table_sizes", [])) != list(spec.table_sizes):
            raise UserError(args.init, f"checkpoint was trained on {theirs.get('name')} with tables "
                                       f"{theirs.get('hash_size')} rows; this run is {spec.name} --hash-size "
                                       f"{spec.hash_size}")
        return payload["model"], dict(payload["config"]), payload["state_dict"]
    name = args.model.lower()
    if name == "nasrec_subnet":
        from recsys_models.space import arch_to_json
        from recsys_models.supernet.cli_actions import resolve_arch

        return name, {"arch": arch_to_json(resolve_arch(args.arch)), "layernorm": False}, None
    return name, ({"embedding_dim": args.embedding_dim} if name != "lr" else {}), None


def train_cli(args) -> int:
    import torch

    from recsys_models.data import dataset_spec, resolve_path
    from recsys_models.train import distributed
    from recsys_models.train.device import check_precision_on, resolve_device

    device = resolve_device(args.device)
    check_precision_on(device, args.precision)
    torch.set_num_threads(args.threads)
    path = resolve_path(args.dataset, args.data)
    if not path.is_file():
        raise UserError(path, "data file not found" if not path.exists() else "not a regular file")
    out = Path(args.out)  # an output that is an input (--data, --init) was refused while parsing
    spec = dataset_spec(args.dataset, args.hash_size)
    model_name, config, start = _model_choice(args, spec)
    resume = None
    if args.resume:
        resume = read_resume(args.resume, _resume_key(args, path, model_name, config), args.epochs, args.schedule)
        start = resume["state_dict"]
    ctx = distributed.init(device)
    completed = False
    try:
        status = _train(args, path, out, spec, model_name, config, start, resume, device, ctx)
        completed = True
        return status
    finally:
        distributed.shutdown(ctx, completed)


def _train(args, path, out, spec, model_name, config, start, resume, device, ctx) -> int:
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.train.checkpoint import load_checkpoint, load_state, save_checkpoint
    from recsys_models.train.curves import CSV_NAME, open_curves
    from recsys_models.train.loop import TrainConfig, RunOptions, evaluate, train_model

    in_memory = args.in_memory == "yes" or (args.in_memory == "auto" and path.stat().st_size < IN_MEMORY_LIMIT_BYTES)
    t0 = time.perf_counter()
    batches, stats_holder = _batches(args, path, in_memory, device)
    torch.manual_seed(args.seed)
    model = build_model(model_name, spec.n_int, spec.table_sizes, **config)
    if start is not None:
        load_state(model, start, args.resume or args.init, model_name)
    cfg = TrainConfig(epochs=args.epochs, lr=args.lr, optimizer=args.optimizer, seed=args.seed, schedule=args.schedule,
                      clip_norm=args.clip_norm, select=args.select, patience=args.patience)
    key = _resume_key(args, path, model_name, config)
    log = (lambda s: print(s, file=sys.stderr)) if ctx.main else None  # stdout keeps the final summary
    state = resume["train_state"] if resume else None

    def save_state(s: dict) -> None:
        save_checkpoint(out / "last.pt", model_name, model, spec, config, {}, {**s, "run": key})

    def save_best(m, rec: dict) -> None:
        save_checkpoint(out / "checkpoint.pt", model_name, m, spec, config, _results_of(rec))

    resumed_step = state["step"] if state else None
    curves = open_curves(args.log_dir, resumed_step, enabled=ctx.main)
    run = RunOptions(device=device, precision=args.precision, dist=ctx, curves=curves,
                     progress_every_s=args.progress_every, checkpoint_every=args.checkpoint_every or 0,
                     save_state=save_state if ctx.main else None, save_best=save_best if ctx.main else None)
    if ctx.main:
        out.mkdir(parents=True, exist_ok=True)
    try:
        history = train_model(model, batches["train"], cfg, batches["val"], progress=True, log=log, run=run,
                              resume=state)
    finally:
        curves.close()
    if not ctx.main:
        return 0
    stats = stats_holder.stats
    last = history[-1]
    if last["train_rows"] == 0:
        raise UserError(path, f"the train split has no rows ({stats.rows_read} rows read)")
    if not (out / "checkpoint.pt").exists():
        save_best(model, last)
    best_model, best_payload = load_checkpoint(out / "checkpoint.pt", device)
    test = evaluate(best_model, batches["test"], progress=True, desc="test", device=device, precision=args.precision)
    best = best_payload["metrics"]
    metrics = {
        "model": model_name, "dataset": args.dataset, "data": str(path), "hash_size": args.hash_size,
        "train_config": cfg.to_dict(), "batch_size": args.batch_size, "model_config": config,
        "precision": args.precision, "device_type": device.type, "world_size": ctx.world,
        "best_epoch": best.get("epoch"), "epochs_run": len(history),
        "stopped_early": len(history) < args.epochs,
        "val_auc": best.get("val_auc"), "val_logloss": best.get("val_logloss"), "val_rows": best.get("val_rows"),
        "test_auc": test["auc"], "test_logloss": test["logloss"], "test_rows": test["rows"],
        "train_rows": last["train_rows"], "rows_read": stats.rows_read, "malformed_rows": stats.rows_bad,
        "history": history,
    }
    save_checkpoint(out / "checkpoint.pt", model_name, best_model, spec, config,
                    {**best, "test_auc": test["auc"], "test_logloss": test["logloss"], "test_rows": test["rows"]})
    _write_json(out / "metrics.json", metrics)
    _write_json(out / "timing.json", {"wall_s": time.perf_counter() - t0, "epochs": run.timing})
    print(stats.summary(), file=sys.stderr)
    if test["auc"] != test["auc"] or metrics["val_auc"] is None or metrics["val_auc"] != metrics["val_auc"]:
        print("warning: AUC undefined (null in metrics.json): a split has only one class", file=sys.stderr)
    print(f"{model_name} on {args.dataset}: best epoch {metrics['best_epoch']} of {len(history)}: val AUC "
          f"{_fmt(metrics['val_auc'])} logloss {_fmt(metrics['val_logloss'])}; test AUC {_fmt(test['auc'])} logloss "
          f"{_fmt(test['logloss'])} ({metrics['train_rows']} train / {metrics['val_rows']} val / {test['rows']} test "
          f"rows) -> {out}" + (f"; curves in {Path(args.log_dir) / CSV_NAME} and TensorBoard events beside it"
                               if args.log_dir else ""))
    return 0


def _results_of(rec: dict) -> dict:
    """The epoch record as stored in a checkpoint (no wall-clock figures)."""
    return {k: v for k, v in rec.items() if k in ("epoch", "train_rows", "train_logloss", "val_auc", "val_logloss",
                                                    "val_rows")}


def _fmt(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.4f}"
