"""Hardware-aware architecture search: NASRec evolution scored by the supernet and the PIM simulator.

See docs/search.md.  Killing a search and re-running the same command resumes
from ``OUT/history.jsonl`` without re-evaluating anything.
"""

from __future__ import annotations

import argparse
from typing import Any

from pimsim.spec.cli_types import InputFile, preset_names
from recsys_models.cli import limits as L
from recsys_models.cli.run_flags import add_device_argument, add_progress_argument
from recsys_models.registry import DATASET_NAMES, SPACES


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=SPACES, required=True, help="NASRec-Full or NASRec-Small")
    p.add_argument("--dataset", required=True, choices=DATASET_NAMES, help="format of --data and the model's inputs")
    p.add_argument("--data", metavar="FILE", type=L.DATA, help="dataset sample used for the supernet's validation log loss")
    p.add_argument("--supernet", metavar="CKPT", type=L.CHECKPOINT, help="trained supernet checkpoint (recsys supernet ...)")
    p.add_argument("--arch", default="default", metavar="ARCH", type=InputFile("arch", presets=preset_names),
                   help="base PIM architecture: preset (default, isaac) or arch.yaml (default: default)")
    p.add_argument("--hw-space", metavar="HW.yaml", type=L.HW_SPACE, help="co-design: also search these hardware axes")
    p.add_argument("--objective", default="accuracy",
                   help="accuracy | scalar:M=W@T,... | pareto | pareto:M1,M2,... (see docs/search.md)")
    p.add_argument("--max-logloss", type=L.LOG_LOSS, metavar="X",
                   help="constraint: a candidate with log loss above X is infeasible (never chosen), not penalised")
    p.add_argument("--logloss-slack", type=L.LOG_LOSS_SLACK, metavar="S",
                   help="constraint relative to --logloss-reference L (e.g. the best hand-crafted model's log loss): "
                        "bound = L + S")
    p.add_argument("--logloss-reference", type=L.LOG_LOSS, metavar="L",
                   help="the reference log loss of --logloss-slack")
    p.add_argument("--algorithm", choices=("evolution", "random"), default="evolution")
    p.add_argument("--budget", type=L.SEARCH_SIZE, metavar="N", help="candidates to evaluate (sets the generations)")
    p.add_argument("--population", type=L.SEARCH_SIZE, default=128, help="initial population (NASRec: 128)")
    p.add_argument("--generations", type=L.SEARCH_SIZE, default=240, help="NASRec: 240 (ignored with --budget)")
    p.add_argument("--children", type=L.SEARCH_SIZE, default=8, help="children per generation (NASRec: 8)")
    p.add_argument("--sample-size", type=L.SEARCH_SIZE, default=64, help="tournament sample (NASRec: 64)")
    p.add_argument("--float", dest="quantized", action="store_false",
                   help="no per-operator precision choices (plain NASRec accuracy search)")
    p.add_argument("--strategy", choices=("optimized", "naive"), default="optimized",
                   help="compiler mapping of the exact oracle and of the chosen designs")
    p.add_argument("--oracle", choices=("composed", "exact"), default="composed",
                   help="hardware oracle in the loop: composed (per-unit cache, units mapped by --unit-strategy; "
                        "chosen designs are re-priced exactly) or exact (compile + simulate every candidate) -- see "
                        "docs/search.md")
    p.add_argument("--unit-strategy", choices=("naive", "optimized"), default="naive",
                   help="composed oracle: compiler mapping of each unit; optimized ranks optimized whole models at "
                        "Kendall tau 0.99-1.00 (naive: 0.94-0.95); a cold search runs about 2.8x slower, a warm cache "
                        "about as fast -- see docs/search.md")
    p.add_argument("--layernorm", action="store_true",
                   help="price each candidate's standalone model with LayerNorm in every block, as it will be "
                        "trained (NASRec-Full designs in experiments/codesign; default: off, NASRec's standalone "
                        "models); chosen designs are exported with it too")
    p.add_argument("--batch", type=L.SIM_BATCH, default=1, help="inferences simulated together")
    p.add_argument("--finetune-steps", type=L.STEPS0, default=500, help="logit-layer fine-tuning per subnet (NASRec: 500)")
    p.add_argument("--cost-cache", metavar="DIR", type=L.out_dir(),
                   help="hardware-cost cache shared between runs (default: OUT/cost_cache); unit and candidate "
                        "results do not depend on the supernet or the search settings, so later searches start warm")
    p.add_argument("--verify-top", type=L.VERIFY, default=16, metavar="K",
                   help="with the composed oracle: re-price the K best designs exactly (whole model, --strategy) "
                        "and choose among them on those figures; at least --top; 0: no re-pricing (default: 16)")
    p.add_argument("--finetune-batches", type=L.SEARCH_SIZE, default=64, metavar="N",
                   help="distinct 512-row training batches the logit layer is fine-tuned on; the subnet's features "
                        "are computed once per batch, which is most of a candidate's accuracy cost (default: 64)")
    p.add_argument("--eval-rows", type=L.ROWS, help="validation rows used per candidate (default: all)")
    p.add_argument("--workers", type=L.WORKERS, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="evaluate on the workers of a Dask scheduler at tcp://HOST:PORT (any host; the supernet, data "
                        "and hardware files are sent to the workers; see docs/search.md)")
    add_device_argument(p)
    add_progress_argument(p)
    p.add_argument("--top", type=L.TOP, default=3, help="designs to keep in scalar mode")
    p.add_argument("--seed", type=L.SEED, default=0, help="seed of the search and of fine-tuning")
    p.add_argument("--seed-arch", dest="seed_archs", action="append", default=[], metavar="ARCH.json",
                   type=L.NASREC_ARCH,
                   help="start the population with this architecture (NASRec JSON; repeatable)")
    p.add_argument("-o", "--out", required=True, metavar="DIR",
                   type=L.out_dir("history.jsonl", "best.md", "summary.json", "pareto.png"), help="output directory (history, plots, designs)")
    p.add_argument("--no-designs", action="store_true", help="skip exporting ONNX/mapping of the chosen designs")


def main(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from recsys_models.search import report
    from recsys_models.search.runner import SearchOptions, oracle_spec, run_search

    fields = SearchOptions.__dataclass_fields__
    given: dict[str, Any] = {k: (tuple(v) if k == "seed_archs" else v) for k, v in vars(args).items() if k in fields}
    opts = SearchOptions(**given)
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
    estimate = "composed-oracle estimates" if opts.oracle == "composed" else "exact figures"
    plotted = report.pareto_plot(evaluated, chosen, out / "pareto.png",
                                 [as_searched[d.key] for d in chosen] if verified else None, estimate)
    if not args.no_designs and objective.needs_hardware:
        for i, d in enumerate(chosen[: max(opts.top, 1)]):
            report.write_design(d, i + 1, out / "designs", spec)
    table = report.best_table(chosen)
    if verified:
        raised = f" (--verify-top {opts.verify_top} raised to --top {opts.top})" if checked > opts.verify_top else ""
        table = (f"Chosen among the {checked} best{raised} by the composed oracle, re-priced by compiling the whole "
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
    written = ["history.jsonl", "best.md", "summary.json"] + (["pareto.png"] if plotted else [])
    print(f"{len(result.state.evaluated)} candidates ({result.fresh} evaluated now, {rate}); wrote "
          + ", ".join(str(out / f) for f in written) + ("" if plotted else " (no plot: no hardware metric)"),
          file=sys.stderr)
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
