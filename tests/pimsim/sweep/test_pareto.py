"""Pareto filter and summary (pimsim.sweep.pareto)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pimsim.sweep.pareto import pareto_mask, summarize


def test_pareto_mask_hand_example():
    """Hand check (minimise both): (1,5) (2,3) (4,1) trade off; (3,4) is dominated by (2,3);
    (2,3) duplicated: equal points do not dominate each other, so both stay; NaN is never on the front."""
    v = np.array([[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [np.nan, 0]])
    assert pareto_mask(v).tolist() == [True, True, False, True, True, False]


def test_pareto_mask_maximize():
    """Maximise the second objective (throughput): (1,10) dominates (2,5) and (1,4); (3,20) trades."""
    v = np.array([[1, 10], [2, 5], [1, 4], [3, 20]])
    assert pareto_mask(v, [False, True]).tolist() == [True, False, False, True]


def test_summary_names_best_points_and_front_size():
    rows = [
        {"status": "ok", "point_index": 0, "workload": "w", "a": 1, "latency_ns": 10.0,
         "energy_per_inference_pj": 1.0, "area_mm2": 2.0, "throughput_inferences_per_s": 5.0},
        {"status": "ok", "point_index": 1, "workload": "w", "a": 2, "latency_ns": 5.0,
         "energy_per_inference_pj": 2.0, "area_mm2": 2.0, "throughput_inferences_per_s": 9.0},
        {"status": "ok", "point_index": 2, "workload": "w", "a": 3, "latency_ns": 6.0,
         "energy_per_inference_pj": 3.0, "area_mm2": 3.0, "throughput_inferences_per_s": 7.0},
        {"status": "error", "point_index": 3, "workload": "w", "a": 4},
    ]
    lines = summarize(rows, ["a"])
    assert lines[0] == "4 points in the table: 3 ok, 1 failed"
    assert "best latency_ns: 5 at point 1 (a=2)" in lines
    assert "best throughput_inferences_per_s: 9 at point 1 (a=2)" in lines
    assert "best energy_per_inference_pj: 1 at point 0 (a=1)" in lines
    # Point 2 is dominated by point 1 in latency, energy and area.
    assert lines[-1] == "Pareto set (latency_ns, energy_per_inference_pj, area_mm2) for w: 2 of 3 points"
    # A second workload: each is summarised on its own, lines prefixed with its name.
    other = [{**r, "workload": "v", "latency_ns": 1.0} for r in rows[:1]]
    lines = summarize(rows + other, ["a"])
    assert "[v] best latency_ns: 1 at point 0 (a=1)" in lines and "[w] best latency_ns: 5 at point 1 (a=2)" in lines
    assert "[v] Pareto set (latency_ns, energy_per_inference_pj, area_mm2) for v: 1 of 1 points" in lines


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25))
@settings(max_examples=60, deadline=None)
def test_pareto_mask_matches_the_definition(points):
    """Brute force from the definition: on the front iff no point is <= everywhere and < somewhere."""
    v = np.array(points, dtype=float)
    mask = pareto_mask(v)
    for i, p in enumerate(v):
        dominated = any((q <= p).all() and (q < p).any() for q in v)
        assert mask[i] == (not dominated)
