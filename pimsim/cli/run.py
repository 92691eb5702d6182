"""Simulate a mapping: latency, throughput, energy, power and area, with an optional trace."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", help="mapping.json written by pimcompile")
    p.add_argument("--batch", type=int, default=1, help="queries streamed through the pipeline (default 1)")
    p.add_argument("--trace", metavar="FILE", help="write a Chrome Trace Event JSON (opens in Perfetto)")
    p.add_argument("--trace-limit", type=int, default=8, metavar="Q",
                   help="queries written to the trace, the first Q of the stream (default 8; the trace says so)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object with the stable metric keys and per-operator records")
    p.add_argument("--arch", metavar="NAME|PATH", help="check the mapping was compiled for this architecture")


def main(args: argparse.Namespace) -> int:
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError
    from pimsim.spec.mapping import load_mapping

    if args.batch < 1:
        raise SpecError("--batch", f"{args.batch}: must be at least 1")
    if args.trace_limit < 1:
        raise SpecError("--trace-limit", f"{args.trace_limit}: must be at least 1")
    mapping = load_mapping(args.mapping)
    if args.arch:
        arch = load_arch(args.arch)
        if arch.sha256() != mapping.arch_sha256:
            raise SpecError(
                args.mapping,
                f"compiled for architecture {mapping.arch.name} ({mapping.arch_sha256[:12]}), "
                f"not {arch.name} ({arch.sha256()[:12]}); recompile with --arch {args.arch}",
            )
    from pimsim.api import simulate
    from pimsim.report.text import format_report

    try:
        report = simulate(mapping, batch=args.batch, trace_path=args.trace, trace_queries=args.trace_limit,
                          source=args.mapping)
    except MemoryError:
        raise SpecError("--batch", f"{args.batch}: the simulation's event arrays do not fit in memory; "
                                   "use a smaller batch") from None
    if args.json:
        print(json.dumps(report.to_json_dict(operators=True), sort_keys=True))
    else:
        print(format_report(report))
    return 0
