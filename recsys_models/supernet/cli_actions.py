"""The actions behind ``recsys supernet`` (argument parsing lives in ``recsys_models.cli.supernet``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.io import companion


def resolve_arch(text: str, space=None):
    """A NASRec best-architecture name or a JSON file -> ``Arch`` (``UserError`` naming the file on bad input)."""
    from recsys_models.space import NASREC_BEST, ArchError, load_arch, nasrec_best

    try:
        return nasrec_best(text) if text in NASREC_BEST else load_arch(text, space)
    except ArchError as exc:
        raise UserError(text, str(exc).removeprefix(f"{text}: ")) from None


def _data_path(args) -> Path:
    from recsys_models.data import resolve_path

    path = resolve_path(args.dataset, args.data)
    if not path.exists():
        raise UserError(args.data, "data file not found")
    if not path.is_file():
        raise UserError(args.data, "not a regular file")
    return path


def _batches(args, split: str, shuffle: bool = False, hash_size: int | None = None):
    from recsys_models.data import CTRData

    return CTRData(args.dataset, _data_path(args), split, batch_size=args.batch, hash_size=hash_size or args.hash_size,
                   shuffle=shuffle, seed=args.seed, workers=getattr(args, "loader_workers", 0))


def _head(data, rows: int, device):
    """The first ``rows`` rows of a streamed split, in memory on ``device`` (validation)."""
    import numpy as np
    import torch

    from recsys_models.data import TensorBatches

    parts, have = [], 0
    for chunk in data.chunks():
        parts.append(chunk)
        have += len(chunk[2])
        if have >= rows:
            break
    if not parts:
        raise UserError(data.path, f"the {data.split} split has no rows")
    tensors = [torch.from_numpy(np.concatenate(p)[:rows]) for p in zip(*parts)]
    return TensorBatches(*tensors, batch_size=EVAL_BATCH, device=device)


EVAL_BATCH = 4096
IN_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024


def _space(args):
    """The space with the menus of the command line (parsed into sorted tuples by ``recsys_models.cli.limits``)."""
    from recsys_models.space import get_space

    menus = {k: tuple(getattr(args, k)) for k in ("weight_bits", "act_bits", "dense_widths", "sparse_widths")}
    try:
        return get_space(args.space, **menus)
    except ValueError as exc:
        raise UserError("--weight-bits/--act-bits/--dense-widths/--sparse-widths", str(exc)) from None


def _train_data(args, path: Path, device):
    """``(train batches, validation batches, train rows or None)``: in memory for small files, else streamed."""
    from recsys_models.data import CTRData, TensorBatches, load_all_splits

    in_memory = args.in_memory == "yes" or (args.in_memory == "auto" and path.stat().st_size < IN_MEMORY_LIMIT_BYTES)
    if in_memory:
        splits, _ = load_all_splits(args.dataset, path, hash_size=args.hash_size)
        train: TensorBatches | CTRData = TensorBatches(*splits["train"], batch_size=args.batch, shuffle=True,
                                                       seed=args.seed, device=device)
        val = TensorBatches(*(t[:args.val_rows] for t in splits["val"]), batch_size=EVAL_BATCH, device=device)
        rows = len(splits["train"][2])
        if rows == 0:
            raise UserError(path, "the train split has no rows")
        return train, (val if len(splits["val"][2]) else None), rows, _constant(splits["train"][2], val.tensors[2])
    train = CTRData(args.dataset, path, "train", batch_size=args.batch, hash_size=args.hash_size, shuffle=True,
                    seed=args.seed, workers=args.loader_workers)
    val = _head(CTRData(args.dataset, path, "val", batch_size=EVAL_BATCH, hash_size=args.hash_size), args.val_rows,
                device)
    return train, val, None, None


def _constant(train_labels, val_labels) -> float | None:
    """Validation log loss of the constant predictor (the training click rate): the floor a model must beat."""
    from recsys_models.train.metrics import log_loss

    if len(val_labels) == 0:
        return None
    rate = float(train_labels.double().mean())
    return log_loss(val_labels.cpu().numpy(), [rate] * len(val_labels))


def default_val_every(train_rows: int | None, batch: int) -> int:
    """About one validation per pass over the training split, at least every 1000 steps."""
    if not train_rows:
        return 1000
    return max(1, min(1000, -(-train_rows // batch)))


def _resume_key(args, path: Path, space, warmup: int, val_every: int) -> dict:
    from recsys_models.supernet.train import space_config

    return {"space": space_config(space), "dataset": args.dataset, "hash_size": args.hash_size,
            "data_file": path.name, "data_bytes": path.stat().st_size, "batch": args.batch, "steps": args.steps,
            "lr": args.lr, "warmup_steps": warmup, "seed": args.seed, "val_every": val_every,
            "val_subnets": args.val_subnets, "val_rows": args.val_rows, "patience": args.patience}


def read_supernet_resume(path, key: dict) -> dict:
    """A supernet resume file's payload; ``UserError`` if unreadable or from a different run."""
    from recsys_models.supernet.train import read_supernet_payload

    payload = read_supernet_payload(path, "supernet resume file")
    state = payload.get("train_state")
    if not isinstance(state, dict) or not isinstance(state.get("run"), dict):
        raise UserError(path, "not a resume file (no training state): pass the STEM.last.pt an interrupted run wrote")
    for k, v in key.items():
        if state["run"].get(k) != v:
            raise UserError(path, f"resume file is from a different run: {k} was {state['run'].get(k)!r}, now {v!r}")
    return payload


def train(args: argparse.Namespace) -> int:
    import sys

    import torch

    from recsys_models.data import dataset_spec
    from recsys_models.supernet import Supernet, SupernetTrainConfig, train_supernet
    from recsys_models.supernet.train import CHECKPOINT_MODEL, SupernetRun, save_supernet
    from recsys_models.train import distributed
    from recsys_models.train.checkpoint import load_state
    from recsys_models.train.curves import CSV_NAME, open_curves
    from recsys_models.train.device import check_precision_on, resolve_device

    space = _space(args)
    path = _data_path(args)
    out = Path(args.output)  # an output that is an input (--data, --resume) was refused while parsing
    device = resolve_device(args.device)
    check_precision_on(device, args.precision)
    warmup = args.warmup_steps if args.warmup_steps is not None else args.steps
    train_data, val_data, train_rows, constant = _train_data(args, path, device)
    val_every = args.val_every if args.val_every is not None else default_val_every(train_rows, args.batch)
    key = _resume_key(args, path, space, warmup, val_every)
    resume = read_supernet_resume(args.resume, key) if args.resume else None
    ctx = distributed.init(device)
    completed = False
    try:
        torch.manual_seed(args.seed)
        net = Supernet(space, dataset_spec(args.dataset, args.hash_size))
        if resume:
            load_state(net, resume["state_dict"], args.resume, CHECKPOINT_MODEL)
        cfg = SupernetTrainConfig(steps=args.steps, lr=args.lr, warmup_steps=warmup, seed=args.seed,
                                  val_every=val_every if val_data is not None else 0, val_subnets=args.val_subnets,
                                  patience=args.patience)
        state = resume["train_state"] if resume else None
        last_file, timing_file = companion(out, ".last.pt"), companion(out, ".timing.json")
        curves = open_curves(args.log_dir, state["step"] if state else None, enabled=ctx.main)
        run = SupernetRun(device=device, precision=args.precision, dist=ctx, curves=curves,
                          progress_every_s=args.progress_every, checkpoint_every=args.checkpoint_every or 0,
                          save_state=lambda s: save_supernet(last_file, net, {}, {**s, "run": key}),
                          save_best=lambda m, rec: save_supernet(out, m, rec))
        n_params = sum(p.numel() for p in net.parameters())
        if ctx.main:
            print(f"supernet {space.name}: {n_params / 1e6:.1f} M parameters; {args.steps} steps of {args.batch} rows "
                  f"on {device} ({args.precision}"
                  + (f", {ctx.world} processes" if ctx.active else "") + f"), warm-up {warmup} steps; "
                  + (f"validation every {cfg.val_every} steps on {len(val_data.tensors[2])} rows"
                     + (f" (constant predictor: val logloss {constant:.4f})" if constant is not None else "") + "; "
                     if cfg.val_every else "no validation; ")
                  + f"resume file {last_file} every {args.checkpoint_every} steps"
                  + (f"; resumed at step {state['step']}" if state else ""))
        try:
            stats = train_supernet(net, train_data, cfg, progress=True, log=print, val_batches=val_data, run=run,
                                   resume=state)
        finally:
            curves.close()
        if ctx.main:
            if stats["best_step"] is None:  # no validation: the last state is the result
                save_supernet(out, net, stats)
            from recsys_models.io import atomic_write_json

            atomic_write_json(timing_file, run.timing)
            kept = (f"the best state: step {stats['best_step']}, val logloss {stats['best_val_logloss']:.4f}"
                    if stats["best_step"] is not None else "the last state")
            print(f"wrote {out} ({kept}), {last_file} (resume file) and {timing_file}"
                  + (f"; curves in {Path(args.log_dir) / CSV_NAME} and TensorBoard events beside it"
                     if args.log_dir else ""), file=sys.stderr)
        completed = True
    finally:
        distributed.shutdown(ctx, completed)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from recsys_models.supernet import evaluate_subnet, load_supernet
    from recsys_models.train.device import resolve_device

    device = resolve_device(args.device)
    net = load_supernet(args.supernet, device)
    arch = resolve_arch(args.arch, net.space)
    t0 = time.perf_counter()
    if net.dataset_spec.name != args.dataset:
        raise UserError(args.supernet, f"supernet was trained on {net.dataset_spec.name}, not {args.dataset}")
    hash_size = net.dataset_spec.hash_size
    m = evaluate_subnet(net, arch, (_batches(args, "train", hash_size=hash_size), _batches(args, "val",
                                                                                             hash_size=hash_size)),
                        args.finetune_steps, seed=args.seed)
    print(f"{args.arch}: inherited-weight val logloss {m['logloss']:.4f}, AUC {m['auc']:.4f} on {m['rows']} rows "
          f"({args.finetune_steps} head steps, {time.perf_counter() - t0:.1f} s)")
    return 0


def standalone(args: argparse.Namespace) -> int:
    from recsys_models.data import dataset_spec
    from recsys_models.supernet import train_standalone
    from recsys_models.train.device import check_precision_on, resolve_device
    from recsys_models.train.loop import evaluate as evaluate_model

    arch = resolve_arch(args.arch)
    spec = dataset_spec(args.dataset, args.hash_size)
    device = resolve_device(args.device)
    check_precision_on(device, args.precision)
    model, history, timing = train_standalone(arch, spec, _batches(args, "train", shuffle=True), _batches(args, "val"),
                                              lr=args.lr, epochs=args.epochs, seed=args.seed, progress=True,
                                              device=device, precision=args.precision)
    test = evaluate_model(model, _batches(args, "test"), device=device, precision=args.precision)
    last = history[-1]
    print(f"{args.arch}: {args.epochs} epoch(s), {timing[-1]['train_samples_per_s']:.0f} samples/s; "
          f"val logloss {last['val_logloss']:.4f}; test logloss {test['logloss']:.4f}, AUC {test['auc']:.4f} "
          f"on {test['rows']} rows")
    if args.output:
        from recsys_models.space import arch_to_json
        from recsys_models.train.checkpoint import save_checkpoint

        save_checkpoint(args.output, "nasrec_subnet", model, spec, {"arch": arch_to_json(arch), "layernorm": False},
                        {"epoch": last["epoch"], "val_logloss": last["val_logloss"], "val_auc": last["val_auc"],
                         "test_logloss": test["logloss"], "test_auc": test["auc"], "test_rows": test["rows"]})
        print(f"wrote {args.output} (a nasrec_subnet checkpoint: recsys export / evaluate / train --init take it)")
    return 0


def export(args: argparse.Namespace) -> int:
    from recsys_models.supernet import build_standalone, count_qdq, export_subnet_onnx, load_supernet

    model = None
    if args.supernet:
        net = load_supernet(args.supernet)
        arch = resolve_arch(args.arch, net.space)
        model = build_standalone(arch, net.dataset_spec, supernet=net)
        dataset = net.dataset_spec
    else:
        arch = resolve_arch(args.arch)
        dataset = args.dataset
    out = export_subnet_onnx(arch, dataset, args.output, batch=args.batch, model=model, seed=args.seed,
                             hash_size=args.hash_size)
    q = count_qdq(out)
    print(f"wrote {out}: {args.arch} ({out.stat().st_size / 1e6:.1f} MB, opset 18); "
          f"{q['QuantizeLinear']} QuantizeLinear/DequantizeLinear pairs, {q['Clip']} sub-8-bit Clips; "
          f"checked against onnxruntime")
    return 0
