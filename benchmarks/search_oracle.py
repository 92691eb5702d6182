"""Oracle throughput: candidates/s of the search's scorer (supernet accuracy + compile/simulate), cold and warm.

    .venv/bin/python benchmarks/search_oracle.py --supernet build/codesign/search/criteo-small/supernet.pt \
        --data ../shared/data/criteo/criteo_train_head10k.txt.gz [--n 16] [--workers 1 2]

Draws ``--n`` random NASRec-Small candidates (with precisions and a point of
configs/search/hw_small.yaml), then times (1) the accuracy oracle alone, (2) the
hardware oracle alone on an empty cost cache (cold), (3) the same candidates again
(warm: every result is a cache hit), and (4) the full scorer through the executor
with 1 and 2 worker processes.  Figures go to docs/performance.md (search section).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.2f} candidates/s ({seconds / n * 1000:.0f} ms each)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--supernet", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--dataset", default="criteo")
    ap.add_argument("--space", choices=("small", "full"), default="small")
    ap.add_argument("--finetune-batches", type=int, default=64)
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--finetune-steps", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--strategy", choices=("naive", "optimized"), default="optimized",
                    help="compiler mapping the hardware oracle prices with (the search default: optimized)")
    ap.add_argument("--oracle", choices=("composed", "exact"), default="composed",
                    help="hardware oracle (the search default: composed; see docs/search.md)")
    args = ap.parse_args()

    from recsys_models.search.executor import make_executor
    from recsys_models.oracles.oracle import Evaluator
    from recsys_models.search.runner import SearchOptions, build_problem, oracle_spec
    from recsys_models.search.objectives import parse_objective

    with tempfile.TemporaryDirectory() as tmp:
        opts = SearchOptions(space=args.space, finetune_batches=args.finetune_batches, dataset=args.dataset, data=args.data, supernet=args.supernet,
                             hw_space=str(REPO / "configs/search/hw_small.yaml"), out=tmp, batch=8,
                             strategy=args.strategy, oracle=args.oracle,
                             finetune_steps=args.finetune_steps, objective="scalar:latency_ns=0.05@100000")
        problem = build_problem(opts)
        rng = random.Random(0)
        cands = [problem.sample(rng) for _ in range(args.n)]
        spec = oracle_spec(opts, parse_objective(opts.objective))
        ev = Evaluator(spec)
        ev.accuracy(cands[0]["arch"])  # load the supernet and data once (not timed)
        t0 = time.perf_counter()
        for c in cands:
            ev.accuracy(c["arch"])
        print(f"accuracy oracle (finetune {args.finetune_steps} steps): {_rate(args.n, time.perf_counter() - t0)}")
        ev.hardware(cands[0]["arch"], cands[0]["hw"])  # numba JIT warm-up (not timed)
        t0 = time.perf_counter()
        for c in cands[1:]:
            ev.hardware(c["arch"], c["hw"])
        what = "export+compile+simulate" if args.oracle == "exact" else "composed: new units exported, compiled, simulated"
        print(f"hardware oracle ({args.oracle}, {args.strategy}), cold cache ({what}): "
              f"{_rate(args.n - 1, time.perf_counter() - t0)}")
        t0 = time.perf_counter()
        for c in cands:
            ev.hardware(c["arch"], c["hw"])
        print(f"hardware oracle, warm cache: {_rate(args.n, time.perf_counter() - t0)}")
        for w in args.workers:
            spec_w = {**spec, "cache_dir": str(Path(tmp) / f"cache_w{w}")}
            ex = make_executor("recsys_models.oracles.oracle:make_evaluator", spec_w, workers=w)
            ex(cands[:w])  # start workers, load supernet, JIT
            t0 = time.perf_counter()
            ex(cands)
            print(f"full scorer, {w} worker(s), cold cache: {_rate(args.n, time.perf_counter() - t0)}")
            ex.close()


if __name__ == "__main__":
    main()
