"""Sweep tile configurations: compile and simulate every point of a sweep file into one table.

This command wires the compiler into the sweep runner (``pimsim.sweep`` itself
never imports it): each point's workload is compiled with
``compiler.api.compile_onnx`` for the point's architecture and simulated with
``pimsim.api.simulate``.
"""

from __future__ import annotations

import argparse
import sys

from pimsim.spec import limits
from pimsim.spec.cli_types import InputFile, Int, OutputFile


def shard_spec(text: str) -> tuple[int, int]:
    from pimsim.spec.errors import SpecError
    from pimsim.sweep.shard import parse_shard

    try:
        return parse_shard(text)
    except SpecError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", type=InputFile("sweep"), help="sweep file (see configs/sweeps/ and docs/sweeps.md)")
    p.add_argument("-o", "--out", dest="output", required=True, metavar="FILE", type=OutputFile((".csv", ".parquet")),
                   help="results table, .csv (appended point by point) or .parquet (needs pyarrow)")
    p.add_argument("--workers", type=Int(1, limits.MAX_WORKERS.value, why=limits.MAX_WORKERS.why), metavar="N",
                   help="worker processes (default: the idle cores, 1 when the machine is busy; the reason is printed)")
    p.add_argument("--scheduler", metavar="ADDRESS|local",
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' "
                        "to start a LocalCluster on 127.0.0.1")
    p.add_argument("--shard", metavar="K/N", type=shard_spec,
                   help="run only points K, K+N, K+2N, ... (one job of an N-job array; each writes its own -o)")
    p.add_argument("--retry-failed", action="store_true", help="re-run points recorded as failed")
    p.add_argument("--dry-run", action="store_true", help="validate the sweep and its workloads, list the points, "
                                                          "run nothing")


def main(args: argparse.Namespace) -> int:
    from pimsim.sweep.executor import choose_workers
    from pimsim.sweep.results import require_parquet_support
    from pimsim.sweep.space import load_sweep, shard

    sweep = load_sweep(args.sweep)
    _refuse_overwriting_inputs(sweep, args.output)
    if args.shard:
        sweep = shard(sweep, *args.shard)
    require_parquet_support(args.output)
    if sweep.precision_policy_path:
        from compiler.precision_policy import load_policy

        load_policy(sweep.precision_policy_path)  # a bad policy fails here, not once per point
    from compiler.api import compile_onnx
    from compiler.frontend.load import load_graph

    for onnx_path in dict.fromkeys(p.workload.onnx_path for p in sweep.points):
        load_graph(onnx_path)  # an unreadable or unsupported model fails once, here, not once per point
    if args.dry_run:
        return _list_points(sweep)
    import signal

    from pimsim.sweep.evaluate import CompileAndSimulate
    from pimsim.sweep.runner import run_sweep

    workers, why = (args.workers, None) if args.scheduler else choose_workers(args.workers, len(sweep.points))
    if why:
        print(f"note: {why}", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops cleanly: finished rows are already on disk
    try:
        outcome = run_sweep(sweep, args.output, CompileAndSimulate(compile_onnx), workers=workers,
                            scheduler=args.scheduler, retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        return _interrupted_summary(sweep, args.output)
    return _report(sweep, args.output, outcome)


def _interrupted_summary(sweep, output: str) -> int:
    """Ctrl-C / SIGTERM: one line saying what is safely on disk and how to finish."""
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

    from pimsim.spec.cli_support import same_file
    from pimsim.spec.errors import SpecError

    inputs = [sweep.path, sweep.precision_policy_path, *(p.workload.onnx_path for p in sweep.points)]
    base = Path(sweep.path).parent / sweep.spec.base_arch
    inputs.append(str(base) if base.is_file() else None)
    for given in inputs:
        if given and same_file(given, output):
            raise SpecError("-o/--out", f"{output}: would overwrite the input {given}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _list_points(sweep) -> int:
    n_archs = len({p.arch_sha256 for p in sweep.points})
    print(f"{len(sweep.points)} points: {len(sweep.spec.workloads)} workload(s), {n_archs} architectures "
          "(sweep, architectures and workloads validated)")
    print("\t".join(("point", "point_hash", "workload", *sweep.axis_names)))
    for p in sweep.points:
        print("\t".join(str(v) for v in (p.index, p.point_hash, p.workload.name, *p.axis_values.values())))
    return 0


def _report(sweep, output: str, outcome) -> int:
    from pimsim.sweep.pareto import summarize
    from pimsim.sweep.results import typed_row

    rate = f", {outcome.ran / outcome.wall_s:.2f} points/s" if outcome.ran and outcome.wall_s > 0 else ""
    print(f"wrote {output}: ran {outcome.ran} points ({outcome.failed} failed), skipped {outcome.skipped} already "
          f"done; {outcome.wall_s:.1f} s{rate} on {outcome.backend}")
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
