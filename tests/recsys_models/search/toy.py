"""A real, cheap search problem for testing the engine: integer vectors scored analytically.

Candidate: ``{"x": [x0, ..., x5]}`` with ``xi in 0..7``.  "log_loss" is the squared
distance to the vector 3, 1, 4, 1, 5, 2 (divided by 100), "latency_ns" is ``100 * sum(x)``,
so the two conflict and the Pareto front is non-trivial.  The evaluator counts its calls
so tests can check what was (re-)evaluated.
"""

from __future__ import annotations

import random

TARGET = (3, 1, 4, 1, 5, 2)
CALLS: list[str] = []


class ToyProblem:
    def sample(self, rng: random.Random) -> dict:
        return {"x": [rng.randrange(8) for _ in TARGET]}

    def mutate(self, cand: dict, rng: random.Random) -> dict:
        x = list(cand["x"])
        i = rng.randrange(len(x))
        x[i] = rng.choice([v for v in range(8) if v != x[i]])
        return {"x": x}

    def key(self, cand: dict) -> str:
        return "".join(map(str, cand["x"]))


def toy_metrics(cand: dict) -> dict:
    x = cand["x"]
    CALLS.append("".join(map(str, x)))
    return {"log_loss": sum((a - b) ** 2 for a, b in zip(x, TARGET)) / 100.0, "latency_ns": 100.0 * sum(x)}


def make_toy_evaluator(spec: dict):
    return toy_metrics
