"""Hardware-aware architecture search: NASRec evolution scored by the supernet and the PIM simulator.

See docs/search.md.  Killing a search and re-running the same command resumes
from ``OUT/history.jsonl`` without re-evaluating anything.
"""

from __future__ import annotations

import argparse

from recsys_models.train.flags import add_device_argument


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=("full", "small"), required=True, help="NASRec-Full or NASRec-Small")
    p.add_argument("--dataset", required=True, help="criteo | avazu | kdd")
    p.add_argument("--data", metavar="FILE", help="dataset sample used for the supernet's validation log loss")
    p.add_argument("--supernet", metavar="CKPT", help="trained supernet checkpoint (recsys supernet ...)")
    p.add_argument("--arch", default="default", metavar="ARCH",
                   help="base PIM architecture: preset (default, isaac) or arch.yaml (default: default)")
    p.add_argument("--hw-space", metavar="HW.yaml", help="co-design: also search these hardware axes")
    p.add_argument("--objective", default="accuracy",
                   help="accuracy | scalar:M=W@T,... | pareto:M1,M2,... (see docs/search.md)")
    p.add_argument("--algorithm", choices=("evolution", "random"), default="evolution")
    p.add_argument("--budget", type=int, metavar="N", help="candidates to evaluate (sets the generations)")
    p.add_argument("--population", type=int, default=128, help="initial population (NASRec: 128)")
    p.add_argument("--generations", type=int, default=240, help="NASRec: 240 (ignored with --budget)")
    p.add_argument("--children", type=int, default=8, help="children per generation (NASRec: 8)")
    p.add_argument("--sample-size", type=int, default=64, help="tournament sample (NASRec: 64)")
    p.add_argument("--float", dest="quantized", action="store_false",
                   help="no per-operator precision choices (plain NASRec accuracy search)")
    p.add_argument("--strategy", choices=("optimized", "naive"), default="optimized",
                   help="compiler mapping of the exact oracle and of the chosen designs")
    p.add_argument("--oracle", choices=("composed", "exact"), default="composed",
                   help="hardware oracle in the loop: composed (per-unit cache, naive units; chosen designs are "
                        "re-priced exactly) or exact (compile + simulate every candidate) -- see docs/search.md")
    p.add_argument("--batch", type=int, default=1, help="inferences simulated together")
    p.add_argument("--finetune-steps", type=int, default=500, help="logit-layer fine-tuning per subnet (NASRec: 500)")
    p.add_argument("--cost-cache", metavar="DIR",
                   help="hardware-cost cache shared between runs (default: OUT/cost_cache); unit and candidate "
                        "results do not depend on the supernet or the search settings, so later searches start warm")
    p.add_argument("--verify-top", type=int, default=16, metavar="K",
                   help="with the composed oracle: re-price the K best designs exactly (whole model, --strategy) "
                        "and choose among them on those figures (default: 16)")
    p.add_argument("--finetune-batches", type=int, default=64, metavar="N",
                   help="distinct 512-row training batches the logit layer is fine-tuned on; the subnet's features "
                        "are computed once per batch, which is most of a candidate's accuracy cost (default: 64)")
    p.add_argument("--eval-rows", type=int, help="validation rows used per candidate (default: all)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="evaluate on the workers of a Dask scheduler at tcp://HOST:PORT (any host; the supernet, data "
                        "and hardware files are sent to the workers; see docs/search.md)")
    add_device_argument(p)
    p.add_argument("--progress-every", type=float, default=30.0, metavar="SECONDS",
                   help="without a terminal, a progress line every SECONDS (default 30)")
    p.add_argument("--top", type=int, default=3, help="designs to keep in scalar mode")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seed-arch", dest="seed_archs", action="append", default=[], metavar="ARCH.json",
                   help="start the population with this architecture (NASRec JSON; repeatable)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory (history, plots, designs)")
    p.add_argument("--no-designs", action="store_true", help="skip exporting ONNX/mapping of the chosen designs")


def check_args(args: argparse.Namespace) -> None:
    """The run flags checked before anything is loaded."""
    from recsys_models.train.flags import check_finite_positive
    from recsys_models.train.device import check_device_text

    check_device_text(args.device)
    check_finite_positive(args.progress_every, "--progress-every", allow_zero=True)


def main(args: argparse.Namespace) -> int:
    check_args(args)
    import json
    import sys
    from pathlib import Path

    from recsys_models.search import report
    from recsys_models.search.runner import SearchOptions, oracle_spec, run_search

    fields = SearchOptions.__dataclass_fields__
    opts = SearchOptions(**{k: (tuple(v) if k == "seed_archs" else v) for k, v in vars(args).items() if k in fields})
    try:
        result = run_search(opts)
    except KeyboardInterrupt:
        return _interrupted_summary(Path(opts.out) / "history.jsonl")
    out, objective, evaluated = Path(opts.out), result.objective, result.state.evaluated
    spec = oracle_spec(opts, objective)
    as_searched = {e.key: e for e in evaluated}
    # the composed oracle screens; the best few are then decided on whole-model figures
    chosen, checked = report.choose_designs(evaluated, objective, opts.top, spec, opts.verify_top)
    verified = checked > 0
    plotted = report.pareto_plot(evaluated, [as_searched[d.key] for d in chosen], out / "pareto.png")
    if not args.no_designs and objective.needs_hardware:
        for i, d in enumerate(chosen[: max(opts.top, 1)]):
            report.write_design(d, i + 1, out / "designs", spec)
    table = report.best_table(chosen)
    if verified:
        table = (f"Chosen among the {checked} best by the composed oracle, re-priced by compiling the whole "
                 f"model with `--strategy {opts.strategy}` and simulating it:\n\n{table}\nThe same designs as the "
                 f"search scored them (composed oracle):\n\n{report.best_table([as_searched[d.key] for d in chosen])}")
    _write_atomic(out / "best.md", table)
    summary = {"evaluated": len(evaluated), "fresh": result.fresh, "seconds": result.seconds,
               "candidates_per_s": result.throughput, "oracle": opts.oracle,
               "verified_exactly": checked,
               "best": [{"key": d.key, "fitness": d.fitness, "metrics": d.metrics,
                         **({"search_metrics": as_searched[d.key].metrics} if verified else {})} for d in chosen]}
    _write_atomic(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
    print(table, end="")
    rate = f"{result.throughput:.2f} candidates/s" if result.fresh else "the rest read back from the history"
    print(f"{len(result.state.evaluated)} candidates ({result.fresh} evaluated now, {rate}); outputs in {out}"
          + ("" if plotted else " (no plot)"), file=sys.stderr)
    return 0


def _interrupted_summary(history) -> int:
    """Ctrl-C: one line saying how many candidates are safely recorded and how to resume."""
    import sys

    from recsys_models.search.history import read_history

    try:
        done = len(read_history(history)[1]) if history.exists() else 0
    except Exception:  # noqa: BLE001 - a summary must never turn into a traceback
        done = 0
    print(f"error: interrupted: {done} candidates recorded in {history}; re-run the same command to resume",
          file=sys.stderr)
    return 130


def _write_atomic(path, text: str) -> None:
    """Temporary file + rename: a search killed while writing its summary leaves the old one, not half a file."""
    from recsys_models.io import atomic_write_text

    atomic_write_text(path, text)
