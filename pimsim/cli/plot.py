"""Plot two metrics of a sweep's results with the Pareto front highlighted."""

from __future__ import annotations

import argparse

from pimsim.spec.cli_types import InputFile, OutputFile

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="+", type=InputFile("results"),
                   help="results tables written by pimsim sweep (.csv or .parquet); "
                        "several (e.g. the shards of one sweep) are plotted together")
    p.add_argument("--x", default="latency_ns", help="column on the x axis")
    p.add_argument("--y", default="energy_per_inference_pj", help="column on the y axis")
    p.add_argument("--color", metavar="COLUMN", help="colour points by this column (a metric or an axis)")
    p.add_argument("--workload", metavar="NAME", help="plot only this workload's points")
    p.add_argument("--title", help="plot title")
    p.add_argument("-o", "--out", dest="output", default="pareto.png", type=OutputFile(IMAGE_SUFFIXES),
                   help="image file, .png, .svg or .pdf")


def main(args: argparse.Namespace) -> int:
    from pimsim.spec.errors import SpecError
    from pimsim.sweep.plot import plot_results
    from pimsim.sweep.results import read_results

    by_point = {row["point_hash"]: row for path in args.results for row in read_results(path)}
    rows = list(by_point.values())
    source = args.results[0] if len(args.results) == 1 else ", ".join(args.results)
    if args.workload is not None:
        rows = [r for r in rows if str(r.get("workload")) == args.workload]
        if not rows:
            raise SpecError(source, f"no rows for workload {args.workload!r}")
    front = plot_results(rows, source, args.output, args.x, args.y, args.color, args.title)
    ok = sum(r.get("status") == "ok" for r in rows)
    print(f"wrote {args.output}: {ok} points, {len(front)} on the Pareto front of ({args.x}, {args.y})")
    _print_front(front, args.x, args.y)
    return 0


def _print_front(front: list[dict], x: str, y: str, limit: int = 30) -> None:
    from pimsim.sweep.plot import axis_columns

    if not front:
        return
    columns = ["point_index", "workload", *axis_columns(front[0]), x, y]
    print("\t".join(columns))
    for row in front[:limit]:
        print("\t".join(f"{row[c]:.6g}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    if len(front) > limit:
        print(f"... {len(front) - limit} more")
