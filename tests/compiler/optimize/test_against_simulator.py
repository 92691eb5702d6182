"""Issues 6 and 16: the mapper's estimates agree with the simulator; optimized is never slower than naive.

Measured agreement (benchmarks/mapper_agreement.py, docs/mapping.md): within 5 % on every model and
strategy; the bound is the issue's 10 %.
"""

from __future__ import annotations

import pytest

from tests.compiler.optimize.conftest import MODELS, SIM_BATCH

TOLERANCE = 0.10  # issue 6: "within 10% on the test models"


def _estimate(mapping):
    from compiler.cost.estimate import estimate
    from compiler.ir.from_mapping import graph_from_mapping

    return estimate(graph_from_mapping(mapping), mapping.arch, mapping.pipeline)


@pytest.mark.parametrize("strategy", ["naive", "optimized"])
@pytest.mark.parametrize("model", MODELS)
def test_mapper_estimate_within_10_percent(compiled, model, strategy):
    """Latency of one query, the makespan of SIM_BATCH pipelined queries and the energy per inference,
    estimate vs pimsim (the energy from the same shared per-task costs, so it differs only in the NoC
    traffic of the copy groups query 0 does not use)."""
    mapping, report = compiled[model, strategy]
    est = _estimate(mapping)
    assert est.latency_cycles == pytest.approx(report.latency_cycles, rel=TOLERANCE)
    assert est.makespan_cycles(SIM_BATCH) == pytest.approx(report.makespan_cycles, rel=TOLERANCE)
    assert est.energy_per_inference_pj(SIM_BATCH) == pytest.approx(report.energy_per_inference_pj, rel=TOLERANCE)


@pytest.mark.parametrize("model", MODELS)
def test_optimized_never_slower_than_naive(compiled, model):
    """Simulated latency and stream makespan: optimized <= naive (issue 6 'done when')."""
    _, naive = compiled[model, "naive"]
    _, opt = compiled[model, "optimized"]
    assert opt.latency_cycles <= naive.latency_cycles
    assert opt.makespan_cycles <= naive.makespan_cycles


def test_optimized_meets_the_issue_16_targets(compiled):
    """Issue 16 targets on the default arch, steady state on 64-query streams (as docs/mapping.md): the
    published NASRec Criteo-Small at least 3.36x faster in one-query latency and in throughput, the demo
    DLRM at least 2x in throughput."""
    from pimsim.api import simulate

    def ratios(model):
        (naive_map, naive), (opt_map, opt) = compiled[model, "naive"], compiled[model, "optimized"]
        thr = simulate(naive_map, batch=64).makespan_cycles / simulate(opt_map, batch=64).makespan_cycles
        return naive.latency_cycles / opt.latency_cycles, thr

    lat, thr = ratios("nasrec_criteo_small")
    assert lat >= 3.36 and thr >= 3.36
    assert ratios("dlrm")[1] >= 2.0


def test_naive_is_the_documented_baseline(compiled, arch):
    """Naive: arch precision everywhere (8/8 bits, arch ADC), one copy, vector dynamic ops, own tiles."""
    mapping, _ = compiled["autoint", "naive"]
    ops = mapping.operators
    mvm = [op for op in ops if op.kind == "mvm"]
    assert {(op.precision.weight_bits, op.precision.input_bits, op.precision.adc_bits) for op in mvm} == {
        (arch.precision.weight_bits, arch.precision.input_bits, arch.pe.adc.bits)}
    assert all(op.replicas == 1 and op.copies_per_query == 1 for op in mvm)
    assert all(op.implementation == "vector" and not op.vector_tiles for op in ops if op.kind == "dynamic_mvm")
    per_tile = arch.tile.pes * arch.pe.crossbars
    # each operator starts on a fresh tile: no tile holds blocks of two operators
    owners = {}
    for op in mvm:
        for b in op.blocks:
            assert owners.setdefault(b.tile, op.name) == op.name
    assert all(b.xbar_row_offset == 0 and b.xbar_col_offset == 0 for op in mvm for b in op.blocks)
    assert per_tile == 64  # default preset: 8 PEs x 8 crossbars (pimsim/spec/presets/default.yaml)


@pytest.mark.parametrize("xbars, latency, makespan", [((0, 1), 4018, 15538), ((0, 2), 2102, 7862)])
def test_estimate_counts_a_contended_adc_bank_as_the_simulator(xbars, latency, makespan):
    """Two operators on crossbars of one ADC bank (0, 1) or of two (0, 2), the hand-checked mapping of
    tests/pimsim/program/test_arch_execution.py (each operator's run holds its crossbar 1920 cycles; on one bank
    b waits for a's whole run).  The estimate places each run on the bank as the simulator does, so one query
    and a stream of 4 take the simulator's cycles exactly.  The stream is bound by the bank on (0, 1): 4 queries
    x 2 runs x 1920 = 15360 cycles plus 178 of fill (input, fetch) and drain (ADC drain, output); on (0, 2) by
    each crossbar: 4 x 1920 = 7680 plus 182."""
    from pimsim.api import simulate
    from tests.pimsim.program.test_arch_execution import SHARED_BY_2, _two_operators

    mapping = _two_operators(*xbars, SHARED_BY_2)
    est = _estimate(mapping)
    assert (est.latency_cycles, est.makespan_cycles(4)) == (latency, makespan)
    assert (simulate(mapping).latency_cycles, simulate(mapping, batch=4).makespan_cycles) == (latency, makespan)
    if xbars == (0, 1):
        assert est.unit_busy[("bank", 0, 0, 0)] == 2 * 1920  # both runs per query on the bank
