"""Command line of the co-design experiment (``make results``, ``make results-search``).

    python -m experiments.codesign --from-designs results/designs      # train, price, write docs/results.md
    python -m experiments.codesign --search --designs-out results/designs [--datasets criteo avazu --spaces small full]

Progress lines go to stderr; bad input is one line naming the file or flag, exit 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m experiments.codesign", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-designs", metavar="DIR", help="committed designs to train and price (results/designs)")
    mode.add_argument("--search", action="store_true", help="run the searches and write the designs")
    ap.add_argument("--designs-out", default=str(REPO / "results/designs"), help="where --search writes designs")
    ap.add_argument("--datasets", nargs="+", default=None, help="default: criteo avazu kdd (--search: criteo avazu)")
    ap.add_argument("--spaces", nargs="+", default=["small", "full"], choices=("small", "full"))
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared/data"))
    ap.add_argument("--build", default=str(REPO / "build/codesign"), help="caches (resume) and search outputs")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of hand-crafted rows"
                    " (and, with --search, of every retrained candidate)")
    ap.add_argument("--hand-crafted", nargs="+", default=None, metavar="MODEL",
                    help="hand-crafted baselines (default: dlrm deepfm dcnv2 autoint xdeepfm widedeep)")
    ap.add_argument("--batch", type=int, default=64, help="simulated queries per pricing (>= 2: steady state)")
    ap.add_argument("--results", default=str(REPO / "docs/results.md"))
    ap.add_argument("--plots", default=str(REPO / "docs/results"), help="directory of the figures")
    for name, default in (("supernet-steps", 400), ("search-budget", 64), ("population", 16), ("children", 4),
                          ("sample-size", 8), ("finetune-steps", 50), ("top-k", 3)):
        ap.add_argument(f"--{name}", type=int, default=default, help="--search budget")
    ap.add_argument("--logloss-slack", type=float, default=0.01,
                    help="--search: log-loss bound = best hand-crafted mean + this")
    return ap


def _check(args: argparse.Namespace) -> None:
    from experiments.codesign.pipeline import DATASETS
    from experiments.codesign.pricing import UserError

    for ds in args.datasets or []:
        if ds not in DATASETS:
            raise UserError("--datasets", f"{ds!r}: expected one of {', '.join(DATASETS)}")
    from experiments.codesign.pipeline import HAND_CRAFTED

    for name in args.hand_crafted or []:
        if name not in HAND_CRAFTED:
            raise UserError("--hand-crafted", f"{name!r}: expected one of {', '.join(HAND_CRAFTED)}")
    if args.batch < 2:
        raise UserError("--batch", f"{args.batch}: must be >= 2 (the steady-state rate needs a stream)")
    if len(set(args.seeds)) < len(args.seeds) or not args.seeds:
        raise UserError("--seeds", f"{args.seeds}: give distinct seeds")
    for flag in ("supernet_steps", "search_budget", "population", "children", "sample_size", "top_k"):
        if getattr(args, flag) < 1:
            raise UserError("--" + flag.replace("_", "-"), f"{getattr(args, flag)}: must be >= 1")
    if args.logloss_slack < 0:
        raise UserError("--logloss-slack", f"{args.logloss_slack}: must be >= 0")


def _settings(args: argparse.Namespace):
    from experiments.codesign.pipeline import HAND_CRAFTED, Settings

    return Settings(Path(args.data_dir), Path(args.build), tuple(args.seeds), tuple(args.hand_crafted or HAND_CRAFTED),
                    args.batch)


def run_search(args: argparse.Namespace) -> int:
    from experiments.codesign.pricing import UserError
    from experiments.codesign.search import Budget, search_pair

    s = _settings(args)
    b = Budget(args.supernet_steps, search_budget=args.search_budget, population=args.population,
               children=args.children, sample_size=args.sample_size, finetune_steps=args.finetune_steps,
               top_k=args.top_k, logloss_slack=args.logloss_slack)
    datasets = args.datasets or ["criteo", "avazu"]
    if "kdd" in datasets:
        raise UserError("--datasets", "kdd: 11 rows, none clicked: no supernet can be trained or scored on it")
    for ds in datasets:
        for space in args.spaces:
            search_pair(s, ds, space, b, Path(args.designs_out), s.log)
    return 0


def run_from_designs(args: argparse.Namespace) -> int:
    from experiments.codesign.designs import load_designs
    from experiments.codesign.markdown import write_results
    from experiments.codesign.pipeline import DATASETS, all_rows

    t0 = time.perf_counter()
    designs = load_designs(args.from_designs)
    s = _settings(args)
    datasets = args.datasets or list(DATASETS)
    rows = all_rows(s, datasets, [d for d in designs if d.dataset in datasets])
    command = "python -m experiments.codesign " + " ".join(sys.argv[1:])
    write_results(rows, designs, Path(args.results), Path(args.plots), command, time.perf_counter() - t0, s)
    s.log(f"wrote {args.results} and {args.plots}/*.png")
    return 0


def main(argv: list[str] | None = None) -> int:
    from experiments.codesign.pricing import UserError

    args = parser().parse_args(argv)
    try:
        _check(args)
        return run_search(args) if args.search else run_from_designs(args)
    except UserError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished rows are cached under --build; run again to resume", file=sys.stderr)
        return 130
