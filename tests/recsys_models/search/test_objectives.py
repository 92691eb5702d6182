"""Objectives that match the claims: the log-loss constraint, energy and power-efficiency terms, the Pareto front."""

from __future__ import annotations

import math

import pytest

from recsys_models.errors import UserError
from recsys_models.search import objectives, report
from recsys_models.search.engine import Evaluated


def _ev(key: str, **metrics) -> Evaluated:
    obj = objectives.parse_objective("accuracy")
    return Evaluated(key, {"arch": {}, "hw": {}}, metrics, obj.fitness(metrics), 0)


def test_log_loss_above_the_bound_is_infeasible_not_penalised():
    """Bound 0.45: 0.4501 is infeasible (+inf fitness, +inf vector) however cheap; 0.45 itself is feasible and
    scored as without the bound (0.45 + 0.1 * (2000/1000 - 1) = 0.55, hand calculation)."""
    bound = objectives.log_loss_bound(None, 0.01, 0.44)  # reference 0.44 + slack 0.01
    assert bound == pytest.approx(0.45, abs=1e-15)
    obj = objectives.parse_objective("scalar:latency_ns=0.1@1000", max_log_loss=bound)
    assert not obj.feasible({"log_loss": 0.4501, "latency_ns": 1.0})
    assert obj.fitness({"log_loss": 0.4501, "latency_ns": 1.0}) == math.inf
    assert obj.fitness({"log_loss": 0.45, "latency_ns": 2000.0}) == pytest.approx(0.55, abs=1e-12)
    pareto = objectives.parse_objective("pareto", max_log_loss=0.45)
    assert pareto.vector({"log_loss": 0.46, "latency_ns": 1, "energy_per_inference_pj": 1, "area_mm2": 1}) \
        == (math.inf,) * 4
    assert obj.to_json()["max_log_loss"] == pytest.approx(0.45)  # in the history header: resume must match


def test_chosen_designs_respect_the_bound():
    """The cheapest design breaks the bound, so the choice is the feasible one even though its fitness
    without the bound would be worse."""
    cands = [_ev("fast", log_loss=0.47, latency_ns=100.0), _ev("slow", log_loss=0.44, latency_ns=900.0)]
    obj = objectives.parse_objective("scalar:latency_ns=1@100", max_log_loss=0.45)
    cands = [Evaluated(e.key, e.candidate, e.metrics, obj.fitness(e.metrics), 0) for e in cands]
    assert [e.key for e in report.best_designs(cands, obj, 2)] == ["slow"]


def test_bound_flags_are_checked():
    with pytest.raises(UserError, match="either --max-logloss or --logloss-slack"):
        objectives.log_loss_bound(0.4, 0.01, 0.44)
    with pytest.raises(UserError, match="go together"):
        objectives.log_loss_bound(None, 0.01, None)
    with pytest.raises(UserError, match="must be >= 0"):
        objectives.log_loss_bound(None, -0.01, 0.44)
    assert objectives.log_loss_bound(None, None, None) is None


def test_larger_is_better_terms_reward_being_above_target():
    """Power efficiency is better when larger: 2e6 inf/s/W against a 1e6 target scores 0.4 + 0.1 * (1/2 - 1) =
    0.35, below the log loss; energy (static + dynamic) as a smaller-is-better term: 0.4 + 0.1 * (3/2 - 1) = 0.45."""
    obj = objectives.parse_objective("scalar:inferences_per_s_per_w=0.1@1e6")
    assert obj.fitness({"log_loss": 0.4, "inferences_per_s_per_w": 2e6}) == pytest.approx(0.35, abs=1e-12)
    obj = objectives.parse_objective("scalar:energy_per_inference_pj=0.1@2e6")
    assert obj.fitness({"log_loss": 0.4, "energy_per_inference_pj": 3e6}) == pytest.approx(0.45, abs=1e-12)
    for part in ("energy_dynamic_per_inference_pj", "energy_static_per_inference_pj"):
        assert objectives.parse_objective(f"scalar:{part}=0.1@1").metrics == ("log_loss", part)


def test_pareto_front_on_a_hand_made_set():
    """Four objectives (log loss, latency, energy, area), hand-checked: B is dominated by A (worse or equal in every
    one); C trades log loss for latency; D is infeasible (log loss above 0.45); E duplicates A (both kept, as
    equal points do not dominate each other)."""
    rows = {"A": (0.44, 100.0, 5.0, 10.0), "B": (0.44, 120.0, 5.0, 10.0), "C": (0.45, 50.0, 6.0, 10.0),
            "D": (0.46, 10.0, 1.0, 1.0), "E": (0.44, 100.0, 5.0, 10.0)}
    obj = objectives.parse_objective("pareto", max_log_loss=0.45)
    assert obj.pareto_metrics == ("log_loss", "latency_ns", "energy_per_inference_pj", "area_mm2")
    metrics = {k: dict(zip(obj.pareto_metrics, v)) for k, v in rows.items()}
    front = objectives.non_dominated([obj.vector(m) for m in metrics.values()])
    assert [list(rows)[i] for i in front] == ["A", "C", "E"]
    evaluated = [Evaluated(k, {"arch": {}, "hw": {}}, m, obj.fitness(m), 0) for k, m in metrics.items()]
    assert [e.key for e in report.best_designs(evaluated, obj, 3)] == ["A", "E", "C"]  # sorted by log loss
