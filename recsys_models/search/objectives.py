"""Search objectives: a scalarised penalty form and a Pareto (non-dominated) mode.

Scalarised: ``fitness = log_loss + sum_m w_m * (value_m / target_m - 1)``.  This
is the form of NASRec's ``test_loss_penalty_lat`` criterion ("TuNAS ... relaxed
to favor efficient models", ``recsys_search_space.md`` B.3), generalised from
GPU latency to every hardware metric the simulator reports.  A design below
its target is rewarded, one above it penalised, linearly.

Pareto: every listed metric is minimised (those that are better when larger,
such as throughput, are negated); the kept set is the non-dominated one.

Objective strings (``--objective``):

- ``accuracy``: log loss alone (NASRec's default, beta = 0);
- ``scalar:latency_ns=0.02@5000,area_mm2=0.01@40``: weight ``0.02`` on
  latency against a 5000 ns target, and so on;
- ``pareto:log_loss,latency_ns,energy_per_inference_pj,area_mm2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from recsys_models.errors import UserError

# name -> +1 if smaller is better, -1 if larger is better
METRICS = {
    "log_loss": +1,
    "auc": -1,
    "latency_ns": +1,
    "throughput_inferences_per_s": -1,
    "energy_per_inference_pj": +1,
    "power_mw": +1,
    "area_mm2": +1,
    "inferences_per_s_per_w": -1,
    "flops": +1,
    "crossbars": +1,
}
HARDWARE_METRICS = ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2")


def _check_metric(name: str, where: str) -> str:
    if name not in METRICS:
        raise UserError(where, f"unknown metric {name!r} (known: {', '.join(METRICS)})")
    return name


@dataclass(frozen=True)
class Objective:
    """Parsed ``--objective``: ``mode`` is ``scalar`` or ``pareto``."""

    mode: str
    penalties: tuple[tuple[str, float, float], ...] = ()  # (metric, weight, target)
    pareto_metrics: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric the objective reads."""
        names = ("log_loss",) + tuple(m for m, _, _ in self.penalties) + self.pareto_metrics
        return tuple(dict.fromkeys(names))

    @property
    def needs_hardware(self) -> bool:
        return any(m not in ("log_loss", "auc") for m in self.metrics)

    def fitness(self, metrics: dict[str, float]) -> float:
        """Scalarised value, lower is better (also the Pareto tie-breaker); +inf for an infeasible design."""
        if "infeasible" in metrics:
            return float("inf")
        value = float(metrics["log_loss"])
        for name, weight, target in self.penalties:
            value += weight * (float(metrics[name]) / target - 1.0)
        return value

    def vector(self, metrics: dict[str, float]) -> tuple[float, ...]:
        """The minimised vector of Pareto mode."""
        names = self.pareto_metrics or ("log_loss",)
        if "infeasible" in metrics:
            return tuple(float("inf") for _ in names)
        return tuple(METRICS[n] * float(metrics[n]) for n in names)

    def to_json(self) -> dict:
        return {"mode": self.mode, "penalties": [list(p) for p in self.penalties],
                "pareto_metrics": list(self.pareto_metrics)}


def _parse_penalty(item: str, where: str) -> tuple[str, float, float]:
    try:
        name, rest = item.split("=", 1)
        weight, target = rest.split("@", 1)
        w, t = float(weight), float(target)
    except ValueError:
        raise UserError(where, f"{item!r}: expected METRIC=WEIGHT@TARGET, e.g. latency_ns=0.02@5000") from None
    if t <= 0:
        raise UserError(where, f"{item!r}: target must be > 0")
    return _check_metric(name.strip(), where), w, t


def parse_objective(text: str, where: str = "--objective") -> Objective:
    """Parse an objective string (see the module docstring); errors name the bad item."""
    text = text.strip()
    if text == "accuracy":
        return Objective("scalar")
    mode, _, body = text.partition(":")
    items = [s.strip() for s in body.split(",") if s.strip()]
    if mode == "scalar" and items:
        return Objective("scalar", penalties=tuple(_parse_penalty(i, where) for i in items))
    if mode == "pareto" and items:
        names = tuple(_check_metric(i, where) for i in items)
        if len(names) < 2:
            raise UserError(where, "pareto needs at least two metrics")
        return Objective("pareto", pareto_metrics=names)
    raise UserError(where, f"{text!r}: expected 'accuracy', 'scalar:M=W@T,...' or 'pareto:M1,M2,...'")


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """``a`` is no worse than ``b`` everywhere and better somewhere (minimisation)."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def non_dominated(vectors: list[tuple[float, ...]]) -> list[int]:
    """Indices of the non-dominated vectors, in input order (exact duplicates all kept)."""
    return [i for i, v in enumerate(vectors) if not any(dominates(w, v) for w in vectors)]


def pareto_ranks(vectors: list[tuple[float, ...]]) -> list[int]:
    """Non-domination rank of each vector (0 = first front), by repeated peeling."""
    ranks = [-1] * len(vectors)
    left = list(range(len(vectors)))
    rank = 0
    while left:
        front = [left[i] for i in non_dominated([vectors[j] for j in left])]
        for i in front:
            ranks[i] = rank
        left = [i for i in left if ranks[i] < 0]
        rank += 1
    return ranks
