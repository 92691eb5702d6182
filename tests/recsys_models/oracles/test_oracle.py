"""The hardware oracle end to end: export -> compiler -> pimsim on a small NASRec-Small candidate."""

from __future__ import annotations

import random

import pytest

from tests.conftest import REPO

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def evaluator_and_cand(tmp_path_factory):
    from recsys_models.search.hw_space import load_hw_space
    from recsys_models.oracles.oracle import Evaluator
    from recsys_models.search.problem import CoDesignProblem
    from recsys_models.space import get_space

    hw = str(REPO / "configs/search/hw_small.yaml")
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,), weight_bits=(4, 8), act_bits=(8,))
    cand = CoDesignProblem(space, load_hw_space(hw)).sample(random.Random(0))
    # naive mapping: fast; the optimizer is the compiler's to test, the plumbing is ours
    ev = Evaluator({"dataset": "criteo", "hw_space": hw, "batch": 2, "strategy": "naive",
                    "cache_dir": str(tmp_path_factory.mktemp("cache"))})
    return ev, cand


def test_hardware_metrics_are_the_simulators_and_cached(evaluator_and_cand):
    ev, cand = evaluator_and_cand
    small = {**cand["hw"], "chip.tiles": 32}
    big = {**cand["hw"], "chip.tiles": 64}
    m_small = ev.hardware(cand["arch"], small)
    for key in ("latency_ns", "energy_per_inference_pj", "area_mm2", "power_mw", "flops", "crossbars"):
        assert m_small[key] > 0, key
    # power efficiency is throughput / power, spelled out in hardware_cost (power in mW)
    assert m_small["inferences_per_s_per_w"] == pytest.approx(
        m_small["throughput_inferences_per_s"] / (m_small["power_mw"] * 1e-3))
    m_big = ev.hardware(cand["arch"], big)
    assert m_big["area_mm2"] > m_small["area_mm2"]  # chip area grows with the tile count
    assert m_big["flops"] == m_small["flops"]  # same model
    assert len(list(ev._onnx_dir.glob("*.onnx"))) == 1  # exported once for both PIM configurations
    misses = ev.cache.misses
    assert ev.hardware(cand["arch"], small) == m_small and ev.cache.misses == misses  # a cache hit


def test_hardware_matches_a_direct_compile_and_simulate(evaluator_and_cand):
    """The oracle adds nothing of its own: its numbers equal compiler.api + pimsim.api called directly."""
    from compiler.api import compile_onnx
    from pimsim.api import simulate
    from recsys_models.oracles.hardware_cost import arch_from_doc

    ev, cand = evaluator_and_cand
    metrics = ev.hardware(cand["arch"], cand["hw"])
    onnx_path = ev.onnx_for(cand["arch"])
    arch = arch_from_doc(ev.arch_doc(cand["hw"]), "test")
    report = simulate(compile_onnx(str(onnx_path), arch, strategy="naive", batch=1), batch=2)
    direct = report.to_json_dict()
    for key in ("latency_ns", "energy_per_inference_pj", "area_mm2", "power_mw"):
        assert metrics[key] == pytest.approx(direct[key]), key
