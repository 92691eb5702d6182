"""Composed hardware oracle: throughput (cold and warm) over an evolution-shaped stream, and fidelity.

    .venv/bin/python benchmarks/composed_oracle.py [--space full] [--n 2048] [--batch 1] [--validate 12]
        [--unit-strategy naive|optimized] [--cost-cache DIR] [--layernorm]
    .venv/bin/python benchmarks/composed_oracle.py --n 0 --validate 32      # rank agreement only
    .venv/bin/python benchmarks/composed_oracle.py --n 0 --validate 32 --hw-space configs/search/hw_codesign.yaml

1. Stream: ``--n`` NASRec candidates in the order a regularised evolution produces
   them (128 random, then one-key mutations of recent members), precisions
   included, priced by the composed oracle on the ``default`` arch with an empty
   unit cache.  Reports the rate over all of them and over the last 1,000 (steady
   state: most units already priced), and the distinct units priced.
2. Warm: the same candidates again, every unit cached: the per-candidate cost of
   decoding, listing units, cache look-ups and composition.  One core.
3. Fidelity (``--validate K``): K fresh random candidates priced composed (units
   mapped naively, and units mapped with the optimized strategy), exact naive and
   exact optimized (whole model exported, compiled, simulated): relative errors per
   metric and Kendall's tau of the rankings, each composed oracle against the whole
   model mapped with its units' strategy (and the naive units against optimized).
   With ``--hw-space FILE`` every candidate also draws a PIM configuration from
   that design space (as the co-design search does), so the ranking covers
   (model, chip) pairs; without it every candidate runs on the ``default`` chip,
   where power differs only by the dynamic part (leakage is the same chip's).
   With ``--layernorm`` every oracle prices the model with LayerNorm in its blocks
   (``recsys search --layernorm``).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

import numpy as np


def _stream(space, n: int, seed: int):
    from recsys_models.space import mutate, sample_arch

    rng = np.random.default_rng(seed)
    pop = [sample_arch(space, rng) for _ in range(min(128, n))]
    out = list(pop)
    while len(out) < n:
        child = mutate(pop[int(rng.integers(len(pop)))], space, rng)
        out.append(child)
        pop = (pop + [child])[-128:]
    return out


def _kendall(a, b) -> float:
    """Kendall's tau-b (ties in either ranking counted as in scipy; scipy ships with scikit-learn)."""
    from scipy.stats import kendalltau

    return float(kendalltau(a, b).statistic)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="full")
    ap.add_argument("--dataset", default="criteo")
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--validate", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unit-strategy", choices=("naive", "optimized"), default="naive",
                    help="the units' mapping in the stream (the fidelity part measures both)")
    ap.add_argument("--unit-objective", choices=("throughput", "latency", "energy", "edp"), default="edp",
                    help="compiler objective of the optimized units (default: hardware_cost.UNIT_OBJECTIVE's)")
    ap.add_argument("--hw-space", metavar="FILE",
                    help="fidelity: draw each candidate's PIM configuration from this design space (sweep format)")
    ap.add_argument("--layernorm", action="store_true",
                    help="price every candidate with LayerNorm in its blocks (recsys search --layernorm)")
    ap.add_argument("--cost-cache", metavar="DIR",
                    help="reuse unit and whole-model results from DIR (figures are the same; only times change)")
    args = ap.parse_args()

    from recsys_models.oracles.oracle import Evaluator
    from recsys_models.space import arch_to_json, get_space

    space = get_space(args.space)
    with tempfile.TemporaryDirectory() as tmp:
        spec = {"dataset": args.dataset, "base_arch": "default", "batch": args.batch,
                "cache_dir": args.cost_cache or tmp, "hw_space": args.hw_space, "layernorm": args.layernorm}
        if args.n == 0:  # fidelity only
            _fidelity(spec, space, args)
            return
        ev = Evaluator({**spec, "oracle": "composed", "unit_strategy": args.unit_strategy,
                        "unit_objective": args.unit_objective})
        cands = [arch_to_json(a) for a in _stream(space, args.n, args.seed)]
        times = []
        for c in cands:
            t0 = time.perf_counter()
            ev.hardware(c, {})
            times.append(time.perf_counter() - t0)
        tail = times[-1000:]
        print(f"cold stream: {args.n} candidates in {sum(times):.1f} s = {args.n / sum(times):.1f} candidates/s; "
              f"last {len(tail)}: {len(tail) / sum(tail):.1f} candidates/s; "
              f"{ev.cache.misses} units priced, {ev.cache.hits} unit look-ups hit")
        t0 = time.perf_counter()
        for c in cands:
            ev.hardware(c, {})
        warm = time.perf_counter() - t0
        print(f"warm (every unit cached): {args.n / warm:.0f} candidates/s ({warm / args.n * 1e3:.2f} ms each)")
        if args.validate:
            _fidelity(spec, space, args)


def _price(ev, arch: dict, hw: dict) -> dict:
    """One oracle's figures, or ``{"infeasible": why}`` where the compiler or simulator refuses the design (as the
    search's evaluator records it)."""
    from recsys_models.errors import UserError

    try:
        return dict(ev.hardware(arch, hw))
    except UserError as exc:
        return {"infeasible": exc.message}


def _fidelity(spec: dict, space, args) -> None:
    from recsys_models.oracles.oracle import Evaluator
    from recsys_models.space import arch_to_json, sample_arch

    evs = {name: Evaluator({**spec, **extra}) for name, extra in
           (("composed naive", {"oracle": "composed", "unit_strategy": "naive"}),
            ("composed optimized", {"oracle": "composed", "unit_strategy": "optimized",
                                    "unit_objective": args.unit_objective}),
            ("naive", {"oracle": "exact", "strategy": "naive"}),
            ("optimized", {"oracle": "exact", "strategy": "optimized"}))}
    rng = np.random.default_rng(args.seed + 1000)
    hw_rng = random.Random(args.seed + 1000)
    hw_space = evs["naive"].hw_space
    rows: list[dict[str, dict[str, float]]] = []
    rejected = dict.fromkeys(evs, 0)
    while len(rows) < args.validate:
        arch = arch_to_json(sample_arch(space, rng))
        hw = hw_space.sample(hw_rng) if hw_space is not None else {}
        got = {name: _price(ev, arch, hw) for name, ev in evs.items()}
        for name, m in got.items():
            rejected[name] += "infeasible" in m
        if not any("infeasible" in m for m in got.values()):
            rows.append(got)
    keys = ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "energy_dynamic_per_inference_pj",
            "power_mw", "inferences_per_s_per_w", "flops", "crossbars")
    chips = f"chips drawn from {args.hw_space}" if args.hw_space else "the default chip"
    print(f"fidelity on {len(rows)} random candidates, {chips} (batch {args.batch}, seed {args.seed + 1000}); "
          f"draws rejected by each oracle (the compiler or simulator refused them): {rejected}")
    pairs = (("composed naive", "naive"), ("composed naive", "optimized"), ("composed optimized", "optimized"))
    for key in keys:
        for composed, ref in pairs:
            c = np.array([r[composed][key] for r in rows])
            x = np.array([r[ref][key] for r in rows])
            err = c / x - 1
            print(f"  {key:28s} {composed:18s} vs exact {ref:9s}: mean {np.mean(err):+7.2%}, "
                  f"max |err| {np.max(np.abs(err)):6.2%}, Kendall tau {_kendall(c, x):+.2f}")


if __name__ == "__main__":
    main()
