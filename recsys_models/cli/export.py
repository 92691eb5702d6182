"""Export a registered model (by name) or a trained checkpoint to ONNX, checked against onnxruntime."""

from __future__ import annotations

import argparse

from pimsim.spec.cli_types import InputFile, Int, OutputFile
from pimsim.spec.limits import MAX_SEED
from recsys_models import registry


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=InputFile("checkpoint", presets=registry.MODEL_NAMES, preset_noun="model"),
                   help=f"a registered model name ({', '.join(registry.MODEL_NAMES)}) "
                        "or a checkpoint.pt written by `recsys train`")
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
    from recsys_models.export.onnx_export import export_cli

    return export_cli(args)
