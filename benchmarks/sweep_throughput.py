"""Sweep speed: points per second serially and with 2 workers, and the overhead per point.

Workload: the demo DLRM (``recsys export dlrm``), swept over the first N points
of ``configs/sweeps/dlrm_1000.yaml`` with the real compile + simulate
(``--evaluate real``, the default) or with a trivial evaluation (``--evaluate
toy``) that isolates the sweep machinery.  Overhead per point is the wall time
beyond compile + simulate, summed over workers:
``(wall_s * workers - sum(compile_wall_s + simulate_wall_s)) / points``.
``--full`` also runs all 1,000 points on 2 workers (target: under 10 minutes
on 2 cores).  Results and the exact commands are in docs/performance.md.

    .venv/bin/python benchmarks/sweep_throughput.py --points 40
    .venv/bin/python benchmarks/sweep_throughput.py --points 40 --full
    .venv/bin/python benchmarks/sweep_throughput.py --points 40 --full --strategy naive
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SWEEP = REPO / "configs" / "sweeps" / "dlrm_1000.yaml"
MODEL = REPO / "build" / "demo" / "model.onnx"


def toy_evaluate(task) -> dict:
    """A near-free evaluation: the runner's own cost dominates."""
    return {"latency_ns": float(task.arch.pe.adc.bits), "compile_wall_s": 0.0, "simulate_wall_s": 0.0}


def ensure_model() -> None:
    if not MODEL.exists():
        MODEL.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(REPO / ".venv" / "bin" / "recsys"), "export", "dlrm", "-o", str(MODEL)], check=True)


def evaluator(kind: str):
    if kind == "toy":
        return toy_evaluate
    from compiler.api import compile_onnx
    from pimsim.sweep.evaluate import CompileAndSimulate

    return CompileAndSimulate(compile_onnx)


def timed_run(sweep, evaluate, workers: int, scheduler: str | None = None) -> dict:
    from pimsim.sweep.results import read_results
    from pimsim.sweep.runner import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.csv"
        t0 = time.perf_counter()
        outcome = run_sweep(sweep, out, evaluate, workers=workers, scheduler=scheduler, progress=False)
        wall_s = time.perf_counter() - t0
        rows = read_results(out)
    busy_s = sum((r.get("compile_wall_s") or 0.0) + (r.get("simulate_wall_s") or 0.0) for r in rows)
    n = len(rows)
    return {"points": n, "failed": outcome.failed, "wall_s": wall_s, "points_per_s": n / wall_s,
            "work_s_per_point": busy_s / n, "overhead_s_per_point": (wall_s * workers - busy_s) / n,
            "backend": outcome.backend}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40, help="points for the serial/2-worker comparison")
    parser.add_argument("--evaluate", choices=("real", "toy"), default="real")
    parser.add_argument("--full", action="store_true", help="also run all 1,000 points on 2 workers")
    parser.add_argument("--dask", action="store_true", help="also run the N points on a local Dask cluster")
    parser.add_argument("--strategy", choices=("naive", "optimized"),
                        help="override the sweep file's compile strategy (optimized)")
    args = parser.parse_args()
    from pimsim.sweep.space import expand, load_sweep

    ensure_model()
    sweep = load_sweep(SWEEP)
    if args.strategy:
        compile_settings = sweep.spec.compile.model_copy(update={"strategy": args.strategy})
        sweep = expand(sweep.spec.model_copy(update={"compile": compile_settings}), str(SWEEP))
    evaluate = evaluator(args.evaluate)
    # Stride through the sweep so the subset covers every axis, not just the fastest one.
    stride = max(1, len(sweep.points) // args.points)
    subset = dataclasses.replace(sweep, points=sweep.points[::stride][: args.points])
    results = {"serial": timed_run(subset, evaluate, 1), "2 workers": timed_run(subset, evaluate, 2)}
    if args.dask:
        results["Dask local, 2 workers"] = timed_run(subset, evaluate, 2, "local")
    if args.full:
        results["1000 points, 2 workers"] = timed_run(sweep, evaluate, 2)
    print(f"evaluate={args.evaluate}; strategy={sweep.spec.compile.strategy}; python {sys.version.split()[0]}")
    print("| run | points | failed | wall_s | points/s | compile+simulate s/point | overhead s/point |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['points']} | {r['failed']} | {r['wall_s']:.1f} | {r['points_per_s']:.2f} | "
              f"{r['work_s_per_point']:.3f} | {r['overhead_s_per_point']:.4f} |")
    ratio = results["2 workers"]["points_per_s"] / results["serial"]["points_per_s"]
    print(f"2-worker / serial throughput ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
