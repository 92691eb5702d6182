"""``pimcompile``: compile an ONNX recommender model into a crossbar mapping."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from compiler import __version__
from pimsim.spec import limits
from pimsim.spec.cli_support import OneLineParser, add_debug_flag, add_version_flag, guarded, parse_or_exit_code
from pimsim.spec.cli_types import InputFile, Int, OutputFile, Real, preset_names


def weights_beside(mapping_path: str) -> list[str]:
    """The weights file ``pimcompile -o X.json`` writes next to the mapping (``X.weights.npz``)."""
    from pathlib import Path

    out = Path(mapping_path)
    return [str(out.with_name(f"{out.name.removesuffix('.json')}.weights.npz"))]


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="pimcompile", description="Compile an ONNX recommender model into a crossbar mapping.")
    add_version_flag(p, "pimcompile", __version__)
    p.add_argument("model", type=InputFile("onnx"), help="ONNX file (opset 11-28)")
    p.add_argument("-o", "--out", dest="output", metavar="MAPPING", type=OutputFile(derived=weights_beside),
                   help="write mapping.json here (and its weights beside it, MAPPING.weights.npz)")
    p.add_argument("--arch", default="default", metavar="NAME|PATH", type=InputFile("arch", presets=preset_names),
                   help="preset (isaac, default, puma, neurosim_rram) or an arch.yaml path")
    p.add_argument("--strategy", choices=("naive", "optimized"), default="optimized", help="mapping strategy")
    p.add_argument("--precision", metavar="POLICY", type=InputFile("precision-policy"),
                   help="per-operator precision policy (YAML, configs/precision/)")
    p.add_argument("--batch", type=Int(1, limits.MAX_BATCH.value, why=limits.MAX_BATCH.why), metavar="N",
                   help="fix a symbolic batch dimension to N")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=N",
                   help="bind a symbolic dimension: NAME=N on every axis that carries it, or 'INPUT[AXIS]=N' on one "
                        "axis of one input (repeatable)")
    p.add_argument("--inputs", metavar="SAMPLE.npz", type=InputFile("npz"),
                   help="input arrays (name -> array with the batch axis): their shapes bind every symbolic "
                        "dimension, and --check runs on them")
    p.add_argument("--name", help="the model's name in mappings and reports (default: the ONNX file's stem)")
    p.add_argument("--area-budget-mm2", type=Real(0, limits.MAX_AREA_MM2.value, lo_open=True,
                                                  why=limits.MAX_AREA_MM2.why),
                   metavar="MM2", help="area allowed for replication")
    p.add_argument("--optimize", choices=("throughput", "latency", "energy", "edp"), default="throughput",
                   help="optimized: what picks among candidate placements (default: throughput within 5 %% of the "
                        "least energy)")
    p.add_argument("--pipeline", choices=("auto", "layer", "element"), default="auto",
                   help="when an operator starts: layer (its inputs complete) or element (a convolution, pooling "
                        "or element-wise operator on the input rows that exist, holding only the rows it still "
                        "needs); auto: element for models with convolutions or pooling, else layer (default: auto)")
    p.add_argument("--report", action="store_true", help="print where each operator went")
    p.add_argument("--check", action="store_true", help="compare the IR interpreter with onnxruntime")
    p.add_argument("--shapes-only", action="store_true",
                   help="accept absent external-data files: map a model from its shapes alone")
    limits.add_memory_flag(p)
    add_debug_flag(p)
    return p


COMPILE_MEMORY_FACTOR = 4
"""Peak memory of a compile per byte of weights it loads: the protobuf, the NumPy initializers, the mapping's
weights and the npz being written each hold a copy (the DLRM demo, 9.6 MB of weights: 63 MB peak, most of it
the interpreter and libraries; docs/robustness.md)."""


def compile_memory_bytes(args: argparse.Namespace) -> int:
    """Upper estimate of the memory the compile needs for the model's weights (external data only with --check)."""
    from compiler.frontend.load import read_model
    from onnx import helper

    model = read_model(args.model)
    total = 0
    for init in model.graph.initializer:
        n = 1
        for d in init.dims:
            n *= d
        external = init.data_location == 1  # TensorProto.EXTERNAL: never loaded unless --check runs the model
        if not external or args.check:
            total += n * max(1, helper.tensor_dtype_to_np_dtype(init.data_type).itemsize)
    return total * COMPILE_MEMORY_FACTOR


def run(args: argparse.Namespace) -> int:
    from compiler.driver import run_cli
    from pimsim.spec.errors import SpecError

    limits.require_memory(compile_memory_bytes(args), f"compiling {args.model}", args.model, args.max_memory_gb,
                          "map a smaller model, or use --shapes-only with external data")
    try:
        return run_cli(args)
    except RecursionError:  # a model whose subgraphs (If/Loop bodies) nest deeper than Python's stack
        raise SpecError(args.model, "graph nested too deeply (subgraphs inside subgraphs beyond Python's "
                                    "recursion limit)") from None
    except MemoryError as exc:
        raise SpecError(args.model, f"ran out of memory ({' '.join(str(exc).split()) or 'MemoryError'}): a tensor "
                                    "shape or size in the model is too large") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_or_exit_code(build_parser(), argv)
    return args if isinstance(args, int) else guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
