"""Partial parallel read and shared ADC banks: per-slice counts, roll-up pricing and the peak rate.

Component-level hand calculations (the event-level versions come with the execution model, issue 17 later
phase).  All counts are integers: exact equality.
"""

from __future__ import annotations

import pytest

from pimsim.components import build_components
from pimsim.components.crossbar import slice_interval_ns
from pimsim.components.rollup import area_rollup, peak_gops
from pimsim.components.slicing import (
    bank_serialisation, conversions_per_adc, conversions_per_crossbar, sensing_steps, slice_work,
)
from pimsim.spec.arch import arch_variant


def test_halving_rows_per_read_doubles_steps_and_conversions():
    """128 rows, 128 columns: 128 rows at once -> 1 step, 128 conversions; 64 -> 2 steps, 256; 32 -> 4, 512."""
    for per_read, steps in ((128, 1), (64, 2), (32, 4), (16, 8)):
        assert sensing_steps(128, per_read) == steps
        assert conversions_per_crossbar(128, 128, per_read) == steps * 128
    assert sensing_steps(100, 32) == 4  # a 100-row block: ceil(100 / 32)
    pe = arch_variant("isaac", {"pe.crossbar.rows_per_read": 32}).pe
    w = slice_work(pe)
    assert (w.sensing_steps, w.conversions_per_crossbar, w.rows_summed_per_conversion) == (4, 512, 32)


def test_two_crossbars_on_one_bank_take_twice_the_conversion_time_of_one():
    """A bank of 2 ADCs shared by 8 crossbars, 128 columns each: one active crossbar -> 64 conversions per ADC,
    two -> 128; at the ADC's conversion_ns_at(bits) the conversion time doubles."""
    arch = arch_variant("isaac", {"pe.adc.per_crossbar": 2, "pe.adc.shared_by_crossbars": 8})
    adc = build_components(arch).adc
    one = slice_work(arch.pe, crossbars_active_on_bank=1)
    two = slice_work(arch.pe, crossbars_active_on_bank=2)
    assert (one.conversions_per_adc, two.conversions_per_adc) == (64, 128)
    assert (one.bank_serialisation, two.bank_serialisation) == (1, 2)
    t1 = one.conversions_per_adc * adc.conversion_ns_at(8)
    t2 = two.conversions_per_adc * adc.conversion_ns_at(8)
    assert t2 == pytest.approx(2 * t1, rel=1e-15)
    with pytest.raises(ValueError, match="a bank serves only 8 crossbars"):
        bank_serialisation(9, 8)
    assert conversions_per_adc(128, 128, 64, 2, 2, 8) == 2 * 2 * 64  # 2 crossbars x 2 steps x 64 columns


def test_sharing_prices_fewer_adcs_and_a_slower_slice():
    """ISAAC with one 1-ADC bank per 2 crossbars: 4 ADCs per IMA instead of 8 (ADC area and leakage halve);
    a slice converts 2 x 128 columns on one ADC: 200 ns at 1.28 GS/s > the 100 ns read, so peak GOPS halves."""
    base = arch_variant("isaac", {})
    shared = arch_variant("isaac", {"pe.adc.shared_by_crossbars": 2})
    rows_b = {r.role: r for r in area_rollup(base).rows}
    rows_s = {r.role: r for r in area_rollup(shared).rows}
    assert (rows_b["adc"].count, rows_s["adc"].count) == (8, 4)
    assert rows_s["adc"].area_mm2_per_level == pytest.approx(rows_b["adc"].area_mm2_per_level / 2, rel=1e-12)
    assert slice_interval_ns(shared) == pytest.approx(200.0, rel=1e-12)
    assert peak_gops(shared) == pytest.approx(peak_gops(base) / 2, rel=1e-12)


def test_partial_read_steps_set_the_slice_time_and_the_read_energy():
    """rows_per_read 32 on ISAAC: 4 sensing steps of max(100 ns read, 128 x 0.78 ns) = 400 ns per slice; a read
    action senses 32 x 128 cells (a quarter of 30 pJ), four per slice, so the cell energy of a slice is unchanged
    while conversions quadruple."""
    arch = arch_variant("isaac", {"pe.crossbar.rows_per_read": 32})
    comps = build_components(arch)
    assert slice_interval_ns(arch) == pytest.approx(400.0, rel=1e-12)
    assert comps.crossbar.energy_pj("read") == pytest.approx(30.0 / 4, rel=1e-12)
    assert comps.crossbar.sensing_steps == 4
    assert comps.adc.peak_interval_ns["convert"] == pytest.approx(400.0 / 512, rel=1e-12)
    assert comps.crossbar.peak_interval_ns["read"] == pytest.approx(100.0, rel=1e-12)
