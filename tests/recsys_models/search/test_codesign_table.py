"""The co-design table's ratios and rendering, on hand-made rows."""

from __future__ import annotations

import pytest

from recsys_models.search.codesign_table import Row, best_hand_crafted, ratios, render_dataset


def _rows():
    hw = dict(latency_ns=1000.0, area_mm2=80.0, inferences_per_s_per_w=500.0, throughput_inferences_per_s=1e6,
              energy_per_inference_pj=4e5, flops=2e6)
    return [
        Row("hand-crafted", "dlrm", {**hw, "log_loss": 0.47}),
        Row("hand-crafted", "dcnv2", {**hw, "log_loss": 0.46, "area_mm2": 40.0, "inferences_per_s_per_w": 800.0}),
        Row("searched-naive", "searched", {**hw, "log_loss": 0.45, "latency_ns": 3000.0}),
        Row("searched-optimised", "searched", {**hw, "log_loss": 0.45, "energy_per_inference_pj": 9e5}),
        Row("co-designed", "co", {**hw, "log_loss": 0.455, "area_mm2": 20.0, "inferences_per_s_per_w": 4000.0,
                                   "throughput_inferences_per_s": 3e6, "flops": 1e6}),
    ]


def test_ratios_by_hand():
    """Hand: speedup 3000/1000 = 3; area 40/20 = 2 (dcnv2 is the best hand-crafted: 0.46 < 0.47);
    power efficiency 4000/800 = 5; FLOPs 2e6/1e6 = 2; energy 9e5/4e5 = 2.25; performance 3e6/1e6 = 3."""
    rows = _rows()
    assert best_hand_crafted(rows).name == "dcnv2"
    r = ratios(rows)
    assert r == pytest.approx({"speedup": 3.0, "area_reduction": 2.0, "power_efficiency_gain": 5.0,
                               "flops_gain": 2.0, "energy_gain": 2.25, "performance_gain": 3.0})


def test_missing_rows_give_dashes_not_numbers():
    rows = [r for r in _rows() if r.kind != "co-designed"]
    assert all(v is None for v in ratios(rows).values())
    text = render_dataset("criteo", rows)
    assert "| speedup | - | 3.36x |" in text
