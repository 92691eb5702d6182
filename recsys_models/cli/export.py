"""Export a registered model (by name) or a trained checkpoint to ONNX, checked against onnxruntime."""

from __future__ import annotations

import argparse

from pimsim.spec.cli_types import InputFile, Int, OutputFile
from pimsim.spec.limits import MAX_SEED
from recsys_models import registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=InputFile("checkpoint", presets=registry.MODEL_NAMES, preset_noun="model"),
                   help=f"a registered model name ({', '.join(registry.BASELINE_NAMES)}) or a checkpoint.pt "
                        "written by `recsys train` or `recsys supernet standalone -o` (a nasrec_subnet, exported "
                        "with its precisions as QDQ pairs)")
    p.add_argument("-o", "--out", dest="output", required=True, metavar="MODEL.onnx", type=OutputFile((".onnx",)),
                   help="the ONNX file to write")
    p.add_argument("--batch", type=Int(1, registry.MAX_EXPORT_BATCH, why=registry.MAX_EXPORT_BATCH_WHY), default=None,
                   metavar="N", help="fix the batch size (default: symbolic)")
    p.add_argument("--exporter", choices=("dynamo", "torchscript"), default="torchscript", help="torch's ONNX exporter")
    p.add_argument("--seed", type=Int(0, MAX_SEED.value, why=MAX_SEED.why), default=0,
                   help="weight initialisation seed for untrained models")
    p.add_argument("--dataset", choices=registry.DATASET_NAMES, default="criteo",
                   help="input shapes for a model given by name (criteo: 13 dense + 26 sparse)")
    p.add_argument("--hash-size", type=Int(2, registry.MAX_HASH_SIZE, why=registry.MAX_HASH_SIZE_WHY),
                   default=10_000, metavar="ROWS", help="cap on rows per embedding table for a model given by name")


def main(args: argparse.Namespace) -> int:
    from recsys_models.errors import UserError

    if str(args.model).lower() == "nasrec_subnet":
        raise UserError("nasrec_subnet", "a searched model needs its architecture: `recsys supernet export --arch "
                                         "ARCH.json`, or export its checkpoint (`recsys export model.pt`)")
    if _subnet_checkpoint(args.model):
        return _export_subnet(args)
    from recsys_models.export.onnx_export import export_cli

    return export_cli(args)


def _subnet_checkpoint(target: str) -> bool:
    """Is ``target`` a ``nasrec_subnet`` checkpoint (exported with its QDQ precisions)?"""
    from pathlib import Path

    if not Path(target).is_file():
        return False
    from recsys_models.train.checkpoint import read_payload

    return read_payload(target).get("model") == "nasrec_subnet"


def _export_subnet(args: argparse.Namespace) -> int:
    """A searched model's checkpoint -> ONNX with its precisions as QDQ pairs, checked against onnxruntime."""
    from recsys_models.space import arch_from_json
    from recsys_models.supernet.onnx_qdq import count_qdq, export_subnet_onnx
    from recsys_models.train.checkpoint import load_checkpoint

    model, payload = load_checkpoint(args.model)
    arch = arch_from_json(payload["config"]["arch"])
    from recsys_models.data.specs import DatasetSpec

    out = export_subnet_onnx(arch, DatasetSpec.from_dict(payload["dataset"]), args.output, batch=args.batch,
                             model=model)
    q = count_qdq(out)
    print(f"wrote {out}: nasrec_subnet from checkpoint {args.model} ({out.stat().st_size / 1e6:.1f} MB, "
          f"opset 18); {q['QuantizeLinear']} QuantizeLinear/DequantizeLinear pairs, {q['Clip']} sub-8-bit Clips; "
          f"checked against onnxruntime")
    return 0
