"""The ratios, their "up to" variants and the shortfall sentences, on hand-made rows (every number by hand)."""

from __future__ import annotations

import pytest

from experiments.codesign.pricing import efficiency
from experiments.codesign.rows import Row, best_hand_crafted, ratios, shortfall


def _hw(**kw):
    base = dict(latency_ns=1000.0, area_mm2=80.0, compute_area_mm2=60.0, inferences_per_j=500.0,
                steady_inferences_per_s_per_w=400.0, throughput_steady_inferences_per_s=1e6, flops=2e6,
                energy_per_inference_pj=4e5, energy_breakdown_pj={"io_link": 1e5, "embedding_storage": 5e4,
                                                                   "leakage": 5e4, "adc": 2e5},
                area_breakdown_mm2={"io_link": 20.0})
    return {**base, **kw}


def _scores(*losses):
    return [{"log_loss": v, "auc": 0.7} for v in losses]


def _rows():
    return [
        Row("criteo", "hand-crafted", "hand-crafted", "dlrm", "default", "optimized", [0, 1], _scores(0.47, 0.47),
            _hw()),
        Row("criteo", "hand-crafted", "hand-crafted", "dcnv2", "default", "optimized", [0, 1], _scores(0.45, 0.47),
            _hw(area_mm2=40.0, inferences_per_j=800.0)),
        Row("criteo", "hand-crafted", "hand-crafted", "dcnv2", "isaac", "optimized", [0, 1], _scores(0.45, 0.47),
            _hw(area_mm2=100.0, compute_area_mm2=90.0, inferences_per_j=100.0)),
        Row("criteo", "small", "searched-naive", "s", "default", "naive", [0], _scores(0.45), _hw(latency_ns=3000.0)),
        Row("criteo", "small", "searched-optimized", "s", "default", "optimized", [0], _scores(0.45),
            _hw(energy_per_inference_pj=9e5)),
        Row("criteo", "small", "co-designed", "c", "own", "optimized", [0, 1], _scores(0.455, 0.465),
            _hw(area_mm2=20.0, compute_area_mm2=15.0, inferences_per_j=4000.0, steady_inferences_per_s_per_w=800.0,
                throughput_steady_inferences_per_s=3e6, flops=1e6)),
    ]


def test_ratios_by_hand():
    """dcnv2 is the best hand-crafted (mean 0.46 < 0.47); co-designed mean 0.46, so Δ = 0 against it.
    speedup 3000/1000 = 3; area 40/20 = 2, up to 100/20 = 5 (dcnv2 on isaac); compute area 60/15 = 4, up to 90/15 =
    6; inf/J 4000/800 = 5, up to 4000/100 = 40; inf/s/W 800/400 = 2; FLOPs 2e6/1e6 = 2; energy 9e5/4e5 = 2.25;
    performance 3e6/1e6 = 3."""
    rows = _rows()
    assert best_hand_crafted(rows, "criteo").name == "dcnv2"
    got = {r.label: r.value for r in ratios(rows, "criteo", "small")}
    want = {"speedup (latency, naive searched / co-designed)": 3.0,
            "area reduction, whole chip": 2.0, "area reduction, whole chip, up to": 5.0,
            "area reduction, compute only": 4.0, "area reduction, compute only, up to": 6.0,
            "power efficiency, inferences/J": 5.0, "power efficiency, inferences/J, up to": 40.0,
            "power efficiency, steady inf/s per W": 2.0, "power efficiency, steady inf/s per W, up to": 2.0,
            "TORS FLOPs (MACs, searched / co-designed)": 2.0,
            "TORS energy (per inference, searched / co-designed)": 2.25,
            "TORS performance (steady throughput, co-designed / searched)": 3.0}
    assert got == pytest.approx(want)
    dll = {r.label: r.dlog_loss for r in ratios(rows, "criteo", "small")}
    assert dll["area reduction, whole chip"] == pytest.approx(0.0)  # 0.46 - 0.46
    assert dll["speedup (latency, naive searched / co-designed)"] == pytest.approx(0.01)  # 0.46 - 0.45


def test_shortfall_names_the_floor():
    """TORS energy 2.25 >= 1.8: no sentence; power efficiency 5 < 12.48 is 2.50x short; the co-designed
    energy 4e5 pJ has floor 1e5 + 5e4 + 5e4 = 2e5 pJ (I/O link 25 %), so the ratio can grow by 4e5/2e5 = 2x.
    With 3.6e4 of the 5e4 pJ leakage the link's (a SerDes leaks its whole power), the link is 1.36e5 pJ = 34 % and
    the other leakage 1.4e4 pJ; the floor is unchanged."""
    rows = _rows()
    rs = {r.label: r for r in ratios(rows, "criteo", "small")}
    text = shortfall(rs["power efficiency, inferences/J"], rows, "criteo", "small")
    assert "2.50x short of 12.48x" in text and "the I/O link (dynamic + static) 25%" in text and "= 2.00x" in text
    rows[-1].hw["static_energy_breakdown_pj"] = {"io_link": 3.6e4, "tile_buffer": 1.4e4}
    text = shortfall(rs["power efficiency, inferences/J"], rows, "criteo", "small")
    assert "the I/O link (dynamic + static) 34%" in text and "the other leakage (static) " in text
    assert "= 2.00x" in text and "is lifted by a link sized to the traffic" in text
    assert shortfall(rs["TORS energy (per inference, searched / co-designed)"], rows, "criteo", "small") is None
    assert shortfall(rs["area reduction, whole chip"], rows, "criteo", "small") is None  # 2.0 >= 1.68
    rows[-1].hw["area_mm2"] = 50.0  # area 40 / 50 = 0.80x, 1.68 / 0.8 = 2.10x short; link 20 of 50 mm2 = 40 %
    area = {r.label: r for r in ratios(rows, "criteo", "small")}["area reduction, whole chip"]
    text = shortfall(area, rows, "criteo", "small")
    assert "0.80x is 2.10x short of 1.68x" in text and "20.00 of the co-designed chip's 50.00 mm2 (40%)" in text


def test_missing_rows_give_no_numbers():
    rows = [r for r in _rows() if r.kind != "searched-naive"]
    got = {r.label: r.value for r in ratios(rows, "criteo", "small")}
    assert got["speedup (latency, naive searched / co-designed)"] is None
    assert ratios([r for r in rows if r.kind != "co-designed"], "criteo", "small") == []


def test_infeasible_reference_gives_no_ratio():
    rows = _rows()
    rows[1].hw = {"infeasible": "does not fit"}
    assert best_hand_crafted(rows, "criteo").name == "dlrm"  # dcnv2 on default cannot be priced


def test_efficiency_definitions_by_hand():
    """inf/J = 1e12 / 2e6 pJ = 5e5; steady: P = 1e6 pJ x 1e5 inf/s x 1e-12 + 100 mW x 1e-3 = 0.1 + 0.1 = 0.2 W,
    so 1e5 / 0.2 = 5e5 inf/s/W."""
    got = efficiency({"throughput_steady_inferences_per_s": 1e5, "throughput_inferences_per_s": 9e4,
                      "energy_per_inference_pj": 2e6, "energy_dynamic_per_inference_pj": 1e6, "power_static_mw": 100.0})
    assert got == pytest.approx({"inferences_per_j": 5e5, "steady_inferences_per_s_per_w": 5e5})
