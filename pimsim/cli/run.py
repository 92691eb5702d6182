"""Simulate a mapping: latency, throughput, energy, power and area, with an optional trace."""

from __future__ import annotations

import argparse
import sys

from pimsim.spec import limits
from pimsim.spec.cli_types import InputFile, Int, OutputFile, preset_names


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", type=InputFile("mapping"), help="mapping.json written by pimcompile")
    p.add_argument("--batch", type=Int(1, limits.MAX_BATCH.value, why=limits.MAX_BATCH.why), default=1,
                   help="queries streamed through the pipeline")
    p.add_argument("--trace", metavar="FILE", type=OutputFile(), help="write a Chrome Trace Event JSON (opens in Perfetto)")
    p.add_argument("--trace-limit", type=Int(1, limits.MAX_TRACE_QUERIES.value, why=limits.MAX_TRACE_QUERIES.why),
                   default=8, metavar="Q", help="queries written to the trace, the first Q of the stream (the trace says so)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object with the stable metric keys and per-operator records")
    p.add_argument("--arch", metavar="NAME|PATH", type=InputFile("arch", presets=preset_names),
                   help="check the mapping was compiled for this architecture")
    limits.add_memory_flag(p)


def main(args: argparse.Namespace) -> int:
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError
    from pimsim.spec.io import json_text
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(args.mapping)
    if args.arch:
        arch = load_arch(args.arch)
        if arch.sha256() != mapping.arch_sha256:
            raise SpecError(
                args.mapping,
                f"compiled for architecture {mapping.arch.name} ({mapping.arch_sha256[:12]}), "
                f"not {arch.name} ({arch.sha256()[:12]}); recompile with --arch {args.arch}",
            )
    from pimsim.api import estimate_simulation, simulate
    from pimsim.report.text import format_report

    estimate = estimate_simulation(mapping, args.batch, args.trace_limit if args.trace else 0, args.mapping)
    limits.require_memory(estimate.memory_bytes, f"simulating {args.batch} queries", "--batch", args.max_memory_gb,
                          "use a smaller --batch")
    estimate.check_horizon(args.batch, args.mapping)
    try:
        report = simulate(mapping, batch=args.batch, trace_path=args.trace, trace_queries=args.trace_limit,
                          source=args.mapping)
    except MemoryError:
        raise SpecError("--batch", f"{args.batch}: the simulation's event arrays do not fit in memory; "
                                   "use a smaller batch") from None
    print(json_text(report.to_json_dict(operators=True), args.mapping) if args.json else format_report(report))
    if args.trace:
        print(f"wrote {args.trace}", file=sys.stderr if args.json else sys.stdout)
    return 0
