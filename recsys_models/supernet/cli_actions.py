"""The actions behind ``recsys supernet`` (argument parsing lives in ``recsys_models.cli.supernet``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from recsys_models.errors import UserError


def _bits(text, flag: str) -> tuple[int, ...]:
    """A comma-separated menu of positive integers (bit widths or widths), sorted (a tuple when the parser did it)."""
    if isinstance(text, tuple):
        return text
    try:
        return tuple(sorted({int(b) for b in text.split(",") if b.strip()}))
    except ValueError:
        raise UserError(flag, f"expected comma-separated integers, got {text!r}") from None


def resolve_arch(text: str, space=None):
    """A NASRec best-architecture name or a JSON file -> ``Arch`` (``UserError`` naming the file on bad input)."""
    from recsys_models.space import NASREC_BEST, ArchError, load_arch, nasrec_best

    try:
        return nasrec_best(text) if text in NASREC_BEST else load_arch(text, space)
    except ArchError as exc:
        raise UserError(text, str(exc).removeprefix(f"{text}: ")) from None


def _batches(args, split: str, shuffle: bool = False):
    from recsys_models.data import CTRData

    if not Path(args.data).exists():
        raise UserError(args.data, "data file not found")
    return CTRData(args.dataset, args.data, split, batch_size=args.batch, hash_size=args.hash_size,
                   shuffle=shuffle, seed=args.seed)


def train(args: argparse.Namespace) -> int:
    from recsys_models.data import dataset_spec
    from recsys_models.space import get_space
    from recsys_models.supernet import Supernet, SupernetTrainConfig, train_supernet

    if args.steps < 1:
        raise UserError("--steps", f"must be >= 1, got {args.steps}")
    weight_bits, act_bits = _bits(args.weight_bits, "--weight-bits"), _bits(args.act_bits, "--act-bits")
    if bool(weight_bits) != bool(act_bits):
        raise UserError("--weight-bits/--act-bits", "give both menus or neither")
    widths = {"dense_widths": _bits(args.dense_widths, "--dense-widths"),
              "sparse_widths": _bits(args.sparse_widths, "--sparse-widths")}
    try:
        space = get_space(args.space, weight_bits=weight_bits, act_bits=act_bits, **widths)
    except ValueError as exc:
        raise UserError("--weight-bits/--act-bits/--*-widths", str(exc)) from None
    import torch

    torch.manual_seed(args.seed)
    net = Supernet(space, dataset_spec(args.dataset, args.hash_size))
    warmup = args.warmup_steps if args.warmup_steps is not None else args.steps // 5
    cfg = SupernetTrainConfig(steps=args.steps, lr=args.lr, warmup_steps=warmup, seed=args.seed)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"supernet {space.name}: {n_params / 1e6:.1f} M parameters; {args.steps} steps of {args.batch} rows, "
          f"warm-up {warmup} steps; checkpoint {args.output} every {args.checkpoint_every} steps")
    train_supernet(net, _batches(args, "train", shuffle=True), cfg, progress=True, checkpoint=args.output,
                   checkpoint_every=args.checkpoint_every, log=print)
    print(f"wrote {args.output}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from recsys_models.supernet import evaluate_subnet, load_supernet

    net = load_supernet(args.supernet)
    arch = resolve_arch(args.arch, net.space)
    t0 = time.perf_counter()
    m = evaluate_subnet(net, arch, (_batches(args, "train"), _batches(args, "val")), args.finetune_steps,
                        seed=args.seed)
    print(f"{args.arch}: inherited-weight val logloss {m['logloss']:.4f}, AUC {m['auc']:.4f} on {m['rows']} rows "
          f"({args.finetune_steps} head steps, {time.perf_counter() - t0:.1f} s)")
    return 0


def standalone(args: argparse.Namespace) -> int:
    from recsys_models.data import dataset_spec
    from recsys_models.supernet import train_standalone
    from recsys_models.train.loop import evaluate as evaluate_model

    arch = resolve_arch(args.arch)
    spec = dataset_spec(args.dataset, args.hash_size)
    model, history = train_standalone(arch, spec, _batches(args, "train", shuffle=True), _batches(args, "val"),
                                      lr=args.lr, epochs=args.epochs, seed=args.seed, progress=True)
    test = evaluate_model(model, _batches(args, "test"))
    last = history[-1]
    print(f"{args.arch}: {args.epochs} epoch(s), {last['train_samples_per_s']:.0f} samples/s; "
          f"val logloss {last['val_logloss']:.4f}; test logloss {test['logloss']:.4f}, AUC {test['auc']:.4f} "
          f"on {test['rows']} rows")
    if args.output:
        from recsys_models.train.checkpoint import save_checkpoint
        from recsys_models.space import arch_to_json

        save_checkpoint(args.output, "nasrec_subnet", model, spec, {"arch": arch_to_json(arch)}, test)
        print(f"wrote {args.output}")
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
    if args.batch is not None and args.batch < 1:
        raise UserError("--batch", f"must be >= 1, got {args.batch}")
    out = export_subnet_onnx(arch, dataset, args.output, batch=args.batch, model=model, seed=args.seed,
                             hash_size=args.hash_size)
    q = count_qdq(out)
    print(f"wrote {out}: {args.arch} ({out.stat().st_size / 1e6:.1f} MB, opset 18); "
          f"{q['QuantizeLinear']} QuantizeLinear/DequantizeLinear pairs, {q['Clip']} sub-8-bit Clips; "
          f"checked against onnxruntime")
    return 0
