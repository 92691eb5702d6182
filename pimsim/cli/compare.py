"""Compare two mappings (simulated here) or two ``pimsim run --json`` reports: B relative to A."""

from __future__ import annotations

import argparse
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A.json", help="baseline: a mapping.json (simulated) or a pimsim run --json report")
    p.add_argument("b", metavar="B.json", help="candidate, same kinds as A")
    p.add_argument("--batch", type=int, default=64,
                   help="queries streamed when simulating a mapping (default 64; reports keep their own)")
    p.add_argument("--json", action="store_true", help="print one JSON object: a, b and ratios")


def _side(path: str, batch: int):
    from pimsim.report.compare import side_from_report_json, side_from_simulation
    from pimsim.spec.errors import SpecError
    from pimsim.spec.io import read_json

    data = read_json(path)
    if isinstance(data, dict) and "operators" in data:
        from pimsim.api import simulate
        from pimsim.spec.mapping import mapping_from_dict

        mapping = mapping_from_dict(data, path)
        return side_from_simulation(path, mapping, simulate(mapping, batch=batch, source=path))
    if isinstance(data, dict) and "latency_ns" in data:
        try:
            return side_from_report_json(path, data)
        except KeyError as exc:
            raise SpecError(path, f"report lacks {exc.args[0]} (expected pimsim run --json output)") from None
    raise SpecError(path, "neither a mapping (no 'operators') nor a pimsim run --json report (no 'latency_ns')")


def main(args: argparse.Namespace) -> int:
    from pimsim.report.compare import comparison_json, format_comparison
    from pimsim.spec.errors import SpecError

    if args.batch < 1:
        raise SpecError("--batch", f"{args.batch}: must be at least 1")
    a, b = _side(args.a, args.batch), _side(args.b, args.batch)
    print(json.dumps(comparison_json(a, b), sort_keys=True) if args.json else format_comparison(a, b))
    return 0
