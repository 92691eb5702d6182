"""Export a registered model (by name) or a trained checkpoint to ONNX, checked against onnxruntime."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a registered model name (dlrm, deepfm, ...) or a checkpoint.pt")
    p.add_argument("-o", "--output", required=True, metavar="MODEL.onnx")
    p.add_argument("--batch", type=int, default=None, metavar="N", help="fix the batch size (default: symbolic)")
    p.add_argument("--exporter", choices=("dynamo", "torchscript"), default="torchscript")
    p.add_argument("--seed", type=int, default=0, help="weight initialisation seed for untrained models")


def main(args: argparse.Namespace) -> int:
    from recsys_models.export.onnx_export import export_cli

    return export_cli(args)
