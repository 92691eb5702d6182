"""Search objectives: a scalarised penalty form, a Pareto (non-dominated) mode, and a log-loss constraint.

Scalarised: ``fitness = log_loss + sum_m w_m * (value_m / target_m - 1)``.  This
is the form of NASRec's ``test_loss_penalty_lat`` criterion ("TuNAS ... relaxed
to favor efficient models", ``recsys_search_space.md`` B.3), generalised from
GPU latency to every hardware metric the simulator reports.  A design below
its target is rewarded, one above it penalised, linearly.  For a metric that
is better when larger (throughput, power efficiency) the ratio is inverted,
``w_m * (target_m / value_m - 1)``, so a design above its target is rewarded.

Pareto: every listed metric is minimised (those that are better when larger,
such as throughput, are negated); the kept set is the non-dominated one
(``pimsim.sweep.pareto.pareto_mask``, the project's one Pareto filter).

Log-loss constraint (``--max-logloss X``, or ``--logloss-slack S`` with
``--logloss-reference L`` for ``X = L + S``, L being e.g. the best hand-crafted
model's log loss): a candidate whose log loss exceeds X is *infeasible*
(fitness +inf, Pareto vector +inf, never a parent of choice, never chosen),
not penalised: accuracy is then not traded for hardware at any rate.

Energy per inference is static + dynamic (``energy_per_inference_pj``; the
two parts are also metrics); power efficiency is ``inferences_per_s_per_w``
(throughput over average chip power, static included:
``pimsim.spec.units.inferences_per_s_per_w``).

Objective strings (``--objective``):

- ``accuracy``: log loss alone (NASRec's default, beta = 0);
- ``scalar:latency_ns=0.02@5000,area_mm2=0.01@40``: weight ``0.02`` on
  latency against a 5000 ns target, and so on;
- ``pareto:log_loss,latency_ns,energy_per_inference_pj,area_mm2``; ``pareto``
  alone means exactly these four (the claims' axes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pimsim.sweep.pareto import pareto_mask
from recsys_models.errors import UserError
from recsys_models.search.engine import Metrics

# name -> +1 if smaller is better, -1 if larger is better
METRICS = {
    "log_loss": +1,
    "auc": -1,
    "latency_ns": +1,
    "throughput_inferences_per_s": -1,
    "energy_per_inference_pj": +1,
    "energy_dynamic_per_inference_pj": +1,
    "energy_static_per_inference_pj": +1,
    "power_mw": +1,
    "area_mm2": +1,
    "inferences_per_s_per_w": -1,
    "flops": +1,
    "crossbars": +1,
}
HARDWARE_METRICS = ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2")
DEFAULT_PARETO = ("log_loss", "latency_ns", "energy_per_inference_pj", "area_mm2")
"""``--objective pareto``: the axes of the claims (accuracy, speed, energy, area)."""


def _check_metric(name: str, where: str) -> str:
    if name not in METRICS:
        raise UserError(where, f"unknown metric {name!r} (known: {', '.join(METRICS)})")
    return name


@dataclass(frozen=True)
class Objective:
    """Parsed ``--objective``: ``mode`` is ``scalar`` or ``pareto``; ``max_log_loss`` the constraint (or None)."""

    mode: str
    penalties: tuple[tuple[str, float, float], ...] = ()  # (metric, weight, target)
    pareto_metrics: tuple[str, ...] = ()
    max_log_loss: float | None = None

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric the objective reads."""
        names = ("log_loss",) + tuple(m for m, _, _ in self.penalties) + self.pareto_metrics
        return tuple(dict.fromkeys(names))

    @property
    def needs_hardware(self) -> bool:
        return any(m not in ("log_loss", "auc") for m in self.metrics)

    def feasible(self, metrics: Metrics) -> bool:
        """Priced by the hardware tools and within the log-loss constraint."""
        if "infeasible" in metrics:
            return False
        return self.max_log_loss is None or float(metrics["log_loss"]) <= self.max_log_loss

    def fitness(self, metrics: Metrics) -> float:
        """Scalarised value, lower is better (also the Pareto tie-breaker); +inf for an infeasible design."""
        if not self.feasible(metrics):
            return float("inf")
        value = float(metrics["log_loss"])
        for name, weight, target in self.penalties:
            ratio = float(metrics[name]) / target
            value += weight * ((ratio if METRICS[name] > 0 else 1.0 / ratio) - 1.0)
        return value

    def vector(self, metrics: Metrics) -> tuple[float, ...]:
        """The minimised vector of Pareto mode (+inf everywhere for an infeasible design)."""
        names = self.pareto_metrics or ("log_loss",)
        if not self.feasible(metrics):
            return tuple(float("inf") for _ in names)
        return tuple(METRICS[n] * float(metrics[n]) for n in names)

    def to_json(self) -> dict:
        return {"mode": self.mode, "penalties": [list(p) for p in self.penalties],
                "pareto_metrics": list(self.pareto_metrics), "max_log_loss": self.max_log_loss}


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


MAX_LOG_LOSS_LIMIT = 100.0
"""A log-loss bound above 100 nats is a typo (a constant 0.5 predictor scores ln 2 = 0.69)."""


def log_loss_bound(max_log_loss: float | None, slack: float | None, reference: float | None) -> float | None:
    """The log-loss constraint from the flags: ``--max-logloss X`` or ``--logloss-reference L --logloss-slack S``
    (X = L + S); None when neither is given.  Errors name the flag."""
    if slack is not None and max_log_loss is not None:
        raise UserError("--logloss-slack", "give either --max-logloss or --logloss-slack, not both")
    if (slack is None) != (reference is None):
        flag = "--logloss-slack" if reference is None else "--logloss-reference"
        raise UserError(flag, "--logloss-slack and --logloss-reference go together (bound = reference + slack)")
    bound = max_log_loss if slack is None else (None if reference is None else reference + slack)
    flag = "--max-logloss" if slack is None else "--logloss-slack"
    if bound is not None and not (0.0 < bound <= MAX_LOG_LOSS_LIMIT):
        raise UserError(flag, f"log-loss bound {bound:g}: must be in (0, {MAX_LOG_LOSS_LIMIT:g}]")
    if slack is not None and slack < 0:
        raise UserError("--logloss-slack", f"{slack:g}: must be >= 0 (a tolerance above the reference)")
    return bound


def parse_objective(text: str, where: str = "--objective", max_log_loss: float | None = None) -> Objective:
    """Parse an objective string (see the module docstring); errors name the bad item."""
    text = text.strip()
    if text == "accuracy":
        return Objective("scalar", max_log_loss=max_log_loss)
    if text == "pareto":
        return Objective("pareto", pareto_metrics=DEFAULT_PARETO, max_log_loss=max_log_loss)
    mode, _, body = text.partition(":")
    items = [s.strip() for s in body.split(",") if s.strip()]
    if mode == "scalar" and items:
        return Objective("scalar", penalties=tuple(_parse_penalty(i, where) for i in items), max_log_loss=max_log_loss)
    if mode == "pareto" and items:
        names = tuple(_check_metric(i, where) for i in items)
        if len(names) < 2:
            raise UserError(where, "pareto needs at least two metrics")
        return Objective("pareto", pareto_metrics=names, max_log_loss=max_log_loss)
    raise UserError(where, f"{text!r}: expected 'accuracy', 'scalar:M=W@T,...', 'pareto' or 'pareto:M1,M2,...'")


def non_dominated(vectors: Sequence[tuple[float, ...]]) -> list[int]:
    """Indices of the non-dominated vectors, in input order (exact duplicates all kept): the project's one Pareto
    filter, ``pimsim.sweep.pareto.pareto_mask`` (numpy only: one of the shared helpers recsys_models may import)."""
    if not vectors:
        return []
    return [int(i) for i in pareto_mask(np.asarray(vectors, dtype=float)).nonzero()[0]]


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
