"""Evaluate a checkpoint on a dataset split: log loss and AUC of the float model and, with
``--pim mapping.json``, of the same model as executed by the mapped crossbars (``pimsim infer`` numerics).

The mapping must be compiled from this checkpoint's export
(``recsys export CKPT -o m.onnx && pimcompile m.onnx -o m.json``); that is checked
by running the mapping in ideal mode on the first rows and comparing with the float model.
"""

from __future__ import annotations

import argparse
import json

from recsys_models.cli import limits as L
from recsys_models.cli.run_flags import add_device_argument, add_precision_argument

CONSISTENCY_ROWS = 64
CONSISTENCY_TOLERANCE = 1e-3
"""Ideal-mode PIM vs float probabilities must agree this closely (ideal mode is ~1e-5) on the first rows."""
QUANTISED_AGREEING_FRACTION = 0.75
"""For a model with quantised operators (a searched ``nasrec_subnet``), at least this fraction of the first rows must
agree within ``CONSISTENCY_TOLERANCE``: the mapped crossbars and PyTorch's fake quantisation round the same values,
but a float difference on a code boundary flips a code, and one flipped code can move a probability by up to ~0.1
(the criterion and its measurements are those of ``recsys_models.supernet.onnx_qdq.verify_quantized``; measured on
a 4/8-bit Small subnet: 84 % of 64 rows within 1e-3, 75 % within 1e-5, largest 0.0998). A mapping of another model,
or a wrong scale, moves nearly every row."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", type=L.CHECKPOINT, help="checkpoint.pt written by training")
    p.add_argument("--data", required=True, metavar="PATH", type=L.DATA, help="raw dataset file (or directory holding it)")
    p.add_argument("--split", choices=("train", "val", "test", "all"), default="test",
                   help="deterministic split of the file (default: test)")
    p.add_argument("--rows", type=L.ROWS, metavar="N", help="evaluate only the first N rows of the split")
    p.add_argument("--pim", metavar="MAPPING.json", type=L.MAPPING, help="also evaluate the model as executed by this mapping")
    p.add_argument("--variation-sigma", type=L.SIGMA, default=0.0, help="relative conductance sigma (PIM run)")
    p.add_argument("--stuck-at-rate", type=L.FRACTION, default=0.0, help="fraction of cells stuck at 0 or max")
    p.add_argument("--seed", type=L.SEED, default=0, help="seed of the device non-idealities")
    p.add_argument("--adc-bits", type=L.BITS, help="override the mapping's ADC bits")
    p.add_argument("--weight-bits", type=L.BITS, help="override the mapping's crossbar weight bits")
    p.add_argument("--input-bits", type=L.BITS, help="override the mapping's crossbar input bits")
    p.add_argument("--adc-range", choices=("clip", "full"), default="clip", help="ADC model (see docs/accuracy.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_device_argument(p)
    add_precision_argument(p, "the float model's forward precision (bf16: autocast; see docs/models.md)")


def _load_rows(args, spec):
    from recsys_models.data.dataset import load_split
    from recsys_models.errors import UserError

    try:
        dense, sparse, label = load_split(spec.name, args.data, args.split, hash_size=spec.hash_size)
    except (OSError, ValueError) as exc:
        raise UserError(args.data, f"cannot read the {spec.name} data: {exc}") from None
    if args.rows is not None:
        dense, sparse, label = dense[:args.rows], sparse[:args.rows], label[:args.rows]
    if len(label) == 0:
        raise UserError(args.data, f"the {args.split} split has no rows")
    return dense, sparse, label


def _pim_probs(args, dense, sparse, float_probs, quantised: bool):
    from recsys_models.errors import UserError
    from recsys_models.oracles.hardware_cost import pim_forward

    import numpy as np

    head = slice(0, CONSISTENCY_ROWS)
    ideal = pim_forward(args.pim, dense[head], sparse[head], ideal=True)
    diff = np.abs(ideal.reshape(-1) - float_probs[head])
    if quantised:
        agreeing = float(np.mean(diff <= CONSISTENCY_TOLERANCE))
        if agreeing < QUANTISED_AGREEING_FRACTION:
            raise UserError(args.pim, f"ideal-mode outputs agree with the checkpoint's quantised model within "
                                      f"{CONSISTENCY_TOLERANCE:g} on only {agreeing:.0%} of the first rows (need "
                                      f"{QUANTISED_AGREEING_FRACTION:.0%}): was the mapping compiled from this "
                                      "checkpoint's export?")
    elif float(diff.max()) > CONSISTENCY_TOLERANCE:
        raise UserError(args.pim, f"ideal-mode outputs differ from the checkpoint's float model by "
                                  f"{float(diff.max()):.3g}: was the mapping compiled from this checkpoint's export?")
    overrides = {k: getattr(args, k) for k in ("adc_bits", "weight_bits", "input_bits") if getattr(args, k)}
    return pim_forward(args.pim, dense, sparse, variation_sigma=args.variation_sigma,
                       stuck_at_rate=args.stuck_at_rate, seed=args.seed, adc_range=args.adc_range,
                       progress=True, **overrides)


def main(args: argparse.Namespace) -> int:
    from recsys_models.data.specs import DatasetSpec
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.train.checkpoint import load_checkpoint
    from recsys_models.train.device import check_precision_on, resolve_device
    from recsys_models.train.loop import predict
    from recsys_models.train.metrics import log_loss, roc_auc

    device = resolve_device(args.device)
    check_precision_on(device, args.precision)
    model, payload = load_checkpoint(args.checkpoint, device)
    spec = DatasetSpec.from_dict(payload["dataset"])
    dense, sparse, label = _load_rows(args, spec)
    y, p_float = predict(model, TensorBatches(dense, sparse, label, batch_size=4096, device=device), device=device,
                         precision=args.precision)
    result = {"rows": int(len(y)), "split": args.split, "dataset": spec.name,
              "float": {"logloss": log_loss(y, p_float), "auc": roc_auc(y, p_float)}}
    if args.pim:
        quantised = payload["model"] == "nasrec_subnet" and bool(payload["config"]["arch"].get("precision"))
        p_pim = _pim_probs(args, dense.numpy(), sparse.numpy(), p_float, quantised)
        result["pim"] = {"mapping": args.pim, "logloss": log_loss(y, p_pim), "auc": roc_auc(y, p_pim),
                         "max_abs_prob_diff": float(abs(p_pim - p_float).max())}
    print(json.dumps(_finite(result), sort_keys=True, allow_nan=False) if args.json else _table(result))
    return 0


def _finite(value):
    """NaN (the AUC of rows with one class only) becomes null: ``--json`` output stays standard JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _table(r: dict) -> str:
    def num(v: float) -> str:
        return f"{v:>9.4f}" if v == v else f"{'n/a':>9}"

    lines = [f"{r['rows']} rows, {r['dataset']} {r['split']} split"
             + (f"; PIM = {r['pim']['mapping']}" if "pim" in r else ""),
             f"{'model':<16}{'logloss':>9}{'AUC':>9}", f"{'float (PyTorch)':<16}{num(r['float']['logloss'])}"
             f"{num(r['float']['auc'])}"]
    if "pim" in r:
        pim, flt = r["pim"], r["float"]
        lines.append(f"{'PIM':<16}{num(pim['logloss'])}{num(pim['auc'])}"
                     f"   (logloss {pim['logloss'] - flt['logloss']:+.4f}, AUC {pim['auc'] - flt['auc']:+.4f}, "
                     f"max |dp| {pim['max_abs_prob_diff']:.3g})")
    if r["float"]["auc"] != r["float"]["auc"]:
        lines.append("note: AUC undefined (n/a, null in --json): the rows hold one class only")
    return "\n".join(lines)
