"""Compare two mappings (simulated here) or two ``pimsim run --json`` reports: B relative to A."""

from __future__ import annotations

import argparse

from pimsim.spec import limits
from pimsim.spec.cli_types import InputFile, Int


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A.json", type=InputFile("mapping", also=("report",)),
                   help="baseline: a mapping.json (simulated) or a pimsim run --json report")
    p.add_argument("b", metavar="B.json", type=InputFile("mapping", also=("report",)),
                   help="candidate, same kinds as A")
    p.add_argument("--batch", type=Int(1, limits.MAX_BATCH.value, why=limits.MAX_BATCH.why), default=64,
                   help="queries streamed when simulating a mapping (reports keep their own)")
    p.add_argument("--json", action="store_true", help="print one JSON object: a, b and ratios")
    limits.add_memory_flag(p)


def _side(path: str, args: argparse.Namespace):
    from pimsim.report.compare import side_from_report_json, side_from_simulation
    from pimsim.spec.errors import SpecError
    from pimsim.spec.io import read_json

    data = read_json(path)
    if isinstance(data, dict) and "operators" in data and "latency_ns" not in data:  # reports list operators too
        from pimsim.api import estimate_simulation, simulate
        from pimsim.spec.mapping import mapping_from_dict

        mapping = mapping_from_dict(data, path)
        estimate = estimate_simulation(mapping, args.batch, source=path)
        limits.require_memory(estimate.memory_bytes, f"simulating {args.batch} queries of {path}", "--batch",
                              args.max_memory_gb, "use a smaller --batch")
        estimate.check_horizon(args.batch, path)
        return side_from_simulation(path, mapping, simulate(mapping, batch=args.batch, source=path))
    if isinstance(data, dict) and "latency_ns" in data:
        try:
            return side_from_report_json(path, data)
        except KeyError as exc:
            raise SpecError(path, f"report lacks {exc.args[0]} (expected pimsim run --json output)") from None
    raise SpecError(path, "neither a mapping (no 'operators') nor a pimsim run --json report (no 'latency_ns')")


def main(args: argparse.Namespace) -> int:
    from pimsim.report.compare import comparison_json, format_comparison
    from pimsim.spec.io import json_text, require_finite

    a, b = _side(args.a, args), _side(args.b, args)
    figures = comparison_json(a, b)
    require_finite(figures, f"{args.a} vs {args.b}")
    print(json_text(figures, args.a) if args.json else format_comparison(a, b))
    return 0
