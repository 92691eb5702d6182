"""Sweep tile configurations: compile and simulate every point of a sweep file into one table.

This command wires the compiler into the sweep runner (``pimsim.sweep`` itself
never imports it): each point's workload is compiled with
``compiler.api.compile_onnx`` for the point's architecture and simulated with
``pimsim.api.simulate``.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", help="sweep file (see configs/sweeps/ and docs/sweeps.md)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="results table, .csv (appended point by point) or .parquet (needs pyarrow)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: the usable cores)")
    p.add_argument("--scheduler", metavar="ADDRESS|local",
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' "
                        "to start a LocalCluster on 127.0.0.1")
    p.add_argument("--shard", metavar="K/N",
                   help="run only points K, K+N, K+2N, ... (one job of an N-job array; each writes its own -o)")
    p.add_argument("--retry-failed", action="store_true", help="re-run points recorded as failed")
    p.add_argument("--dry-run", action="store_true", help="validate and list the points, run nothing")


def main(args: argparse.Namespace) -> int:
    from pimsim.sweep.executor import check_workers
    from pimsim.sweep.results import require_parquet_support
    from pimsim.sweep.space import load_sweep, parse_shard, shard

    check_workers(args.workers)
    shard_of = parse_shard(args.shard) if args.shard else None
    sweep = load_sweep(args.sweep)
    _refuse_overwriting_inputs(sweep, args.output)
    if shard_of:
        sweep = shard(sweep, *shard_of)
    require_parquet_support(args.output)
    if sweep.precision_policy_path:
        from compiler.precision_policy import load_policy

        load_policy(sweep.precision_policy_path)  # a bad policy fails here, not once per point
    if args.dry_run:
        return _list_points(sweep)
    import signal

    from compiler.api import compile_onnx
    from compiler.frontend.load import load_graph

    for onnx_path in dict.fromkeys(p.workload.onnx_path for p in sweep.points):
        load_graph(onnx_path)  # an unreadable or unsupported model fails once, here, not once per point
    from pimsim.sweep.evaluate import CompileAndSimulate
    from pimsim.sweep.runner import run_sweep

    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops cleanly: finished rows are already on disk
    try:
        outcome = run_sweep(sweep, args.output, CompileAndSimulate(compile_onnx), workers=args.workers,
                            scheduler=args.scheduler, retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        return _interrupted_summary(sweep, args.output)
    return _report(sweep, args.output, outcome)


def _interrupted_summary(sweep, output: str) -> int:
    """Ctrl-C / SIGTERM: one line saying what is safely on disk and how to finish."""
    import sys
    from pathlib import Path

    from pimsim.sweep.results import read_results

    wanted = {p.point_hash for p in sweep.points}
    done = 0
    if Path(output).exists():
        try:
            done = len({r["point_hash"] for r in read_results(output)} & wanted)
        except Exception:  # noqa: BLE001 - a summary must never turn into a traceback
            done = 0
    print(f"error: interrupted: {done} of {len(wanted)} points recorded in {output}; "
          "re-run the same command to finish the rest", file=sys.stderr)
    return 130


def _refuse_overwriting_inputs(sweep, output: str) -> None:
    """``-o`` must not name the sweep file, a workload, the precision policy or the base arch file."""
    from pathlib import Path

    from pimsim.spec.errors import SpecError

    out = Path(output).resolve()
    inputs = [sweep.path, sweep.precision_policy_path, *(p.workload.onnx_path for p in sweep.points)]
    base = Path(sweep.path).parent / sweep.spec.base_arch
    inputs.append(str(base) if base.is_file() else None)
    for given in inputs:
        if given and Path(given).resolve() == out:
            raise SpecError("-o", f"{output}: would overwrite the input {given}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _list_points(sweep) -> int:
    n_archs = len({p.arch_sha256 for p in sweep.points})
    print(f"{len(sweep.points)} points: {len(sweep.spec.workloads)} workload(s), {n_archs} architectures")
    print("\t".join(("point", "point_hash", "workload", *sweep.axis_names)))
    for p in sweep.points:
        print("\t".join(str(v) for v in (p.index, p.point_hash, p.workload.name, *p.axis_values.values())))
    return 0


def _report(sweep, output: str, outcome) -> int:
    from pimsim.sweep.pareto import summarize
    from pimsim.sweep.results import typed_row

    rate = f", {outcome.ran / outcome.wall_s:.2f} points/s" if outcome.ran and outcome.wall_s > 0 else ""
    print(f"{output}: ran {outcome.ran} points ({outcome.failed} failed), skipped {outcome.skipped} already done; "
          f"{outcome.wall_s:.1f} s{rate} on {outcome.backend}")
    if outcome.dropped_torn_line:
        print("note: dropped a torn last line left by an interrupted run", file=sys.stderr)
    hashes = {p.point_hash for p in sweep.points}
    rows = [typed_row(r) for r in outcome.table.latest_rows() if r["point_hash"] in hashes]
    for line in summarize(rows, sweep.axis_names):
        print(line)
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        print(f"warning: {len(failed)} points failed, e.g. point {failed[0]['point_index']}: {failed[0]['error']}",
              file=sys.stderr)
    return 1 if rows and len(failed) == len(rows) else 0

