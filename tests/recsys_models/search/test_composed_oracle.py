"""The composed hardware oracle (units priced alone, cached, composed) against whole-model compile + simulate.

Expected values: the exact oracle (``Evaluator`` with ``oracle: exact``, strategy naive) on the same candidate,
i.e. ``compiler.api.compile_onnx`` + ``pimsim.api.simulate`` of the candidate's own ONNX export.  Tolerances
from the measurements in docs/search.md (composed oracle section): at batch 1, latency and throughput within
0.5 % and energy within 4 % on 9 random NASRec-Small/Full candidates; FLOPs and crossbars are sums of the
units' and must be equal.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")


def _chain(fm: int = 0, ds: int = 1, last_reads: int | None = None) -> dict:
    """A NASRec-Small architecture where block i reads block i-1 (block 7 reads ``last_reads`` if given)."""
    macro, micro = [], []
    for i in range(1, 8):
        j = i - 1 if (i < 7 or last_reads is None) else last_reads
        macro.append({"dense_idx": [j], "sparse_idx": [j], "dense_left_idx": [j], "dense_right_idx": [j]})
        micro.append({"active_nodes": [0, 2], "dense_in_dims": 32, "sparse_in_dims": 16,
                      "dense_sparse_interact": ds, "deep_fm": fm})
    return {"config": "autoctr", "num_blocks": 7, "macro": macro, "micro": micro}


def _units(arch_json):
    from recsys_models.search.units import unit_specs
    from recsys_models.space import arch_from_json

    return unit_specs(arch_from_json(arch_json), 13, 26)


def test_units_of_a_chain_and_dead_blocks():
    """Hand count: a 7-block chain with the dense->sparse switch on has stem + 7 x (dense, sparse, ds) + head = 23
    units; when block 7 reads only the raw input, blocks 1-6 are dead code (the exporter drops them): stem +
    block 7's three + head = 5."""
    units = _units(_chain())
    assert len(units) == 23
    assert [u["key"]["unit"] for u in units[:4]] == ["stem", "dense", "sparse", "ds"]
    assert units[1]["key"] == {"unit": "dense", "op": "fc", "d": 32, "precision": None, "widths": [13]}
    # block 2's sparse input is block 1's 16 tokens plus the 8 dense->sparse tokens
    assert units[5]["key"]["tokens"] == [24]
    dead = _units(_chain(last_reads=0))
    assert [u["key"]["unit"] for u in dead] == ["stem", "dense", "sparse", "ds", "head"]
    assert dead[-1]["key"] == {"unit": "head", "d": 32, "t": 24}


@pytest.fixture(scope="module")
def evaluators(tmp_path_factory):
    from recsys_models.search.oracle import Evaluator

    base = {"dataset": "criteo", "base_arch": "default", "batch": 1,
            "cache_dir": str(tmp_path_factory.mktemp("cache"))}
    return Evaluator({**base, "oracle": "composed"}), Evaluator({**base, "oracle": "exact", "strategy": "naive"})


@pytest.mark.parametrize("space, seed", [("small", 0), ("full", 3)])
def test_composed_matches_whole_model(evaluators, space, seed):
    from recsys_models.space import arch_to_json, get_space, sample_arch

    composed_ev, exact_ev = evaluators
    arch = arch_to_json(sample_arch(get_space(space, dense_widths=(16, 64, 256)), np.random.default_rng(seed)))
    composed, exact = composed_ev.hardware(arch, {}), exact_ev.hardware(arch, {})
    assert composed["flops"] == exact["flops"] and composed["crossbars"] == exact["crossbars"]
    assert composed["area_mm2"] == pytest.approx(exact["area_mm2"], rel=1e-12)
    assert composed["latency_ns"] == pytest.approx(exact["latency_ns"], rel=0.02)
    assert composed["throughput_inferences_per_s"] == pytest.approx(exact["throughput_inferences_per_s"], rel=0.02)
    assert composed["energy_per_inference_pj"] == pytest.approx(exact["energy_per_inference_pj"], rel=0.06)


def test_a_mutation_prices_only_the_changed_unit(tmp_path):
    """Changing one block's dense width changes that block's dense unit, its ds unit (input width) and block 2's
    dense unit (input width): three new units priced, the other 20 read from the cache."""
    from recsys_models.search.oracle import Evaluator

    composed_ev = Evaluator({"dataset": "criteo", "batch": 1, "cache_dir": str(tmp_path), "oracle": "composed"})
    first = _chain()
    composed_ev.hardware(first, {})
    changed = json.loads(json.dumps(first))
    changed["micro"][0]["dense_in_dims"] = 64
    misses = composed_ev.cache.misses
    composed_ev.hardware(changed, {})
    assert composed_ev.cache.misses - misses == 3


def test_a_candidate_too_big_for_the_chip_is_infeasible(evaluators):
    from recsys_models.search.oracle import Evaluator

    composed_ev, _ = evaluators
    tiny = Evaluator({**composed_ev.spec, "base_arch": "default"})
    doc = json.loads(json.dumps(tiny.base_doc))
    doc["chip"].update(tiles=4, mesh_cols=2)
    doc["tile"]["pes"], doc["pe"]["crossbars"] = 1, 2  # 8 crossbars: every unit fits, the 22 weighted ones do not
    tiny.base_doc = doc
    out = tiny.hardware(_chain(), {})
    assert set(out) == {"infeasible"} and out["infeasible"].startswith("needs ")
    assert out["infeasible"].endswith("crossbars, the chip has 8")


def test_dead_blocks_do_not_make_a_distinct_model():
    """Block 7 reads only the raw input, so blocks 1-6 are dead: changing block 3 keeps the model digest, changing
    block 7 does not; best_designs(dataset=...) keeps one design per model."""
    from recsys_models.search import engine, objectives
    from recsys_models.search.report import best_designs
    from recsys_models.search.units import model_digest
    from recsys_models.space import arch_from_json

    base = _chain(last_reads=0)
    dead_change = json.loads(json.dumps(base))
    dead_change["micro"][2]["dense_in_dims"] = 64
    live_change = json.loads(json.dumps(base))
    live_change["micro"][6]["dense_in_dims"] = 64
    digest = [model_digest(arch_from_json(a), 13, 26) for a in (base, dead_change, live_change)]
    assert digest[0] == digest[1] != digest[2]
    obj = objectives.parse_objective("accuracy")
    items = [engine.Evaluated(k, {"arch": a, "hw": {}}, {"log_loss": v}, v, 0)
             for k, a, v in (("a", base, 0.40), ("b", dead_change, 0.40), ("c", live_change, 0.45))]
    assert [e.key for e in best_designs(items, obj, 3)] == ["a", "b", "c"]
    assert [e.key for e in best_designs(items, obj, 3, dataset="criteo")] == ["a", "c"]


@pytest.mark.xfail(strict=True, reason=(
    "measured after the integ2 merge (execution model of issue 16): seed 12's composed latency is 111,652 ns against "
    "96,445 ns whole-model naive (+15.8 %; seeds 10, 11, 13: +1.7 %, +2.1 %, +0.1 %), so the pair (10, 12) is "
    "discordant; compose does not model per-input start offsets (docs/search.md)"))
def test_rank_agreement_on_a_fixed_seed_set(evaluators):
    """Kendall's tau (scipy.stats.kendalltau, tau-b) of composed vs whole-model naive latency on 4 NASRec-Small
    candidates drawn with seeds 10-13.  Derivation of the expectation: ``test_composed_matches_whole_model`` bounds
    each composed latency within 2 % of the exact one, so any pair whose exact latencies differ by more than
    ``1.02 / 0.98 - 1 = 4.1 %`` must be ranked alike (concordant); tau is then at least 1 - 2 * (pairs closer than
    that) / 6.  The agreement with the *optimized* whole-model mapping is measured, not asserted, by
    ``benchmarks/composed_oracle.py --n 0 --validate 32`` (docs/search.md)."""
    from scipy.stats import kendalltau

    from recsys_models.space import arch_to_json, get_space, sample_arch

    composed_ev, exact_ev = evaluators
    space = get_space("small", dense_widths=(16, 64, 256))
    archs = [arch_to_json(sample_arch(space, np.random.default_rng(seed))) for seed in range(10, 14)]
    c = [composed_ev.hardware(a, {})["latency_ns"] for a in archs]
    x = [exact_ev.hardware(a, {})["latency_ns"] for a in archs]
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    separated = [(i, j) for i, j in pairs if max(x[i], x[j]) / min(x[i], x[j]) - 1 > 1.02 / 0.98 - 1]
    assert all((c[i] - c[j]) * (x[i] - x[j]) > 0 for i, j in separated)
    tau = kendalltau(c, x).statistic
    assert tau >= 1 - 2 * (len(pairs) - len(separated)) / len(pairs)
