"""``pimcompile``: compile an ONNX recommender model into a crossbar mapping."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pimsim.spec.cli_support import OneLineParser, add_debug_flag, guarded


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="pimcompile", description="Compile an ONNX recommender model into a crossbar mapping.")
    p.add_argument("model", help="ONNX file (opset 13-21)")
    p.add_argument("-o", "--output", metavar="MAPPING", help="write mapping.json here")
    p.add_argument("--arch", default="default", metavar="NAME|PATH", help="preset (isaac, default, puma) or an arch.yaml path (default: default)")
    p.add_argument("--strategy", choices=("naive", "optimized"), default="optimized")
    p.add_argument("--precision", metavar="POLICY", help="per-operator precision policy (YAML)")
    p.add_argument("--batch", type=int, metavar="N", help="fix a symbolic batch dimension to N")
    p.add_argument("--area-budget-mm2", type=float, metavar="MM2", help="area allowed for replication")
    p.add_argument("--optimize", choices=("throughput", "latency", "energy", "edp"), default="throughput",
                   help="optimized: what picks among candidate placements (default: throughput within 5 %% of the "
                        "least energy)")
    p.add_argument("--report", action="store_true", help="print where each operator went")
    p.add_argument("--check", action="store_true", help="compare the IR interpreter with onnxruntime")
    p.add_argument("--shapes-only", action="store_true",
                   help="accept absent external-data files: map a model from its shapes alone")
    add_debug_flag(p)
    return p


def run(args: argparse.Namespace) -> int:
    from compiler.driver import run_cli

    return run_cli(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
