"""Export a registered model (by name) or a trained checkpoint to ONNX, checked against onnxruntime."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a registered model name (dlrm, deepfm, dcnv2, autoint, xdeepfm, widedeep, lr) "
                   "or a checkpoint.pt written by `recsys train`")
    p.add_argument("-o", "--output", required=True, metavar="MODEL.onnx")
    p.add_argument("--batch", type=int, default=None, metavar="N", help="fix the batch size (default: symbolic)")
    p.add_argument("--exporter", choices=("dynamo", "torchscript"), default="torchscript")
    p.add_argument("--seed", type=int, default=0, help="weight initialisation seed for untrained models")
    p.add_argument("--dataset", choices=("criteo", "avazu", "kdd"), default="criteo",
                   help="input shapes for a model given by name (default: criteo, 13 dense + 26 sparse)")
    p.add_argument("--hash-size", type=int, default=10_000, metavar="ROWS",
                   help="cap on rows per embedding table for a model given by name (default: 10000)")


def main(args: argparse.Namespace) -> int:
    from recsys_models.export.onnx_export import export_cli

    return export_cli(args)
