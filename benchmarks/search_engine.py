"""Search-engine overhead: NASRec-scale evolution over the real co-design space with a free scorer.

Measures what the search costs *besides* the oracle: sampling, mutation, hashing,
duplicate rejection, tournament selection and the fsync'd history lines, for the
full NASRec schedule (128 + 240 x 8 = 2,048 candidates) over NASRec-Full with
precisions and the full hardware space.  The scorer is an analytic function of the
candidate (mean dense width), so the figure is the engine's ceiling on throughput.

    .venv/bin/python benchmarks/search_engine.py [--budget 2048]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from recsys_models.search import engine
from recsys_models.search.engine import EvolutionConfig, Scorer
from recsys_models.search.history import HistoryWriter
from recsys_models.search.hw_space import load_hw_space
from recsys_models.search.problem import CoDesignProblem
from recsys_models.space import get_space

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=2048)
    args = ap.parse_args()
    problem = CoDesignProblem(get_space("full"), load_hw_space(REPO / "configs/search/hw_full.yaml"))
    cfg = EvolutionConfig.for_budget(args.budget)

    def free(cands):
        return [{"log_loss": sum(m["dense_in_dims"] for m in c["arch"]["micro"]) / 7.0} for c in cands]

    with tempfile.TemporaryDirectory() as tmp, HistoryWriter(Path(tmp) / "h.jsonl", {"bench": 1}) as hist:
        scorer = Scorer(problem, free, lambda m: m["log_loss"], None,
                        lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics), hist.sync)
        t0 = time.perf_counter()
        state = engine.regularized_evolution(problem, scorer, cfg)
        seconds = time.perf_counter() - t0
        size_kb = (Path(tmp) / "h.jsonl").stat().st_size / 1024
    n = len(state.evaluated)
    print(f"evolution {cfg.population} + {cfg.generations} x {cfg.children}: {n} candidates in {seconds:.2f} s "
          f"= {n / seconds:.0f} candidates/s engine overhead (history {size_kb:.0f} KiB, fsync per batch)")


if __name__ == "__main__":
    main()
