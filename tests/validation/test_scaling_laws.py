"""Crossbar-size scaling (V7), ADC resolution sweep (V8) and technology-node scaling.

Expected values: reference/pim_hardware_reference.md sections 2(e) and 5.
"""

from __future__ import annotations

import pytest

from pimsim.components import build_components
from pimsim.components.adc_laws import adc_cost, adc_leakage_mw
from pimsim.components.scaling import area_factor, energy_factor


def whole_energy_pj(model: str, bits: int, rate_msps: float, node_nm: int) -> float:
    """Dynamic energy per conversion plus the leakage spread over conversions at the rated rate: the
    figure the laws' sources publish (power / rate).  At 32 nm it is exactly the law's energy."""
    dyn = adc_cost(model, bits, rate_msps, node_nm)[0]
    return dyn + adc_leakage_mw(model, bits, rate_msps, node_nm) / (rate_msps * 1.0e-3)

# hwcomponents-library isaac.py ADC table at 32 nm, 1.2 GS/s (reference 2(a)/V8): bits -> (pJ, um^2)
HWC_ADC = {4: (0.79, 361), 5: (0.99, 477), 6: (1.20, 627), 7: (1.42, 845), 8: (1.667, 1200), 9: (1.97, 1828),
           10: (2.38, 3002)}


@pytest.mark.parametrize("n, power_mw, read_pj", [(128, 0.3, 30.0), (256, 1.2, 120.0), (512, 4.8, 480.0)])
def test_v7_crossbar_power_scales_with_rows_times_cols(variant, n, power_mw, read_pj):
    """puma-simulator constants.py / PIMSYN config.json: 0.3 / 1.2 / 4.8 mW at a fixed 100 ns read (exact)."""
    # ADC rate scaled with the columns so the 100 ns read, not the ADC, sets the slice interval.
    arch = variant("isaac", {"pe.crossbar.rows": n, "pe.crossbar.cols": n, "pe.adc.sample_rate_msps": 1280.0 * n / 128})
    xbar = build_components(arch).crossbar
    assert xbar.energy_pj("read") == pytest.approx(read_pj, rel=1e-9)
    assert xbar.peak_power_mw == pytest.approx(power_mw, rel=1e-9)


@pytest.mark.parametrize("bits", sorted(HWC_ADC))
def test_v8_isaac_sar_sweep(bits):
    """ISAAC-scaled SAR at 32 nm: hwcomponents' energies are ours x 1.28/1.2 (their 1.2 GHz vs ISAAC's 1.28 GS/s)."""
    _, area, name, _ = adc_cost("isaac_sar", bits, 1280.0, 32)
    energy = whole_energy_pj("isaac_sar", bits, 1280.0, 32)
    want_pj, want_um2 = HWC_ADC[bits]
    assert energy * 1.28 / 1.2 == pytest.approx(want_pj, rel=0.05)
    assert area == pytest.approx(want_um2, rel=0.05)
    assert name == f"isaac_sar({bits} b, 32 nm)"


def test_v8_murmann_survey_law():
    """Accelergy ADC plug-in on Murmann's survey (reference 2(e)): 32 nm 8 b 1.28 GS/s 1.93 pJ / 6469 um^2;
    22 nm 8 b 1.28 GS/s 0.95 pJ / 3612 um^2; 22 nm 8 b 100 MS/s area 2199 um^2 (energy 0.85 pJ there: the
    Walden law is rate-independent and gives 0.95 pJ, 12 % high -- stated in docs, not tested tighter)."""
    a32 = adc_cost("murmann_survey", 8, 1280.0, 32)[1]
    e32 = whole_energy_pj("murmann_survey", 8, 1280.0, 32)
    assert e32 == pytest.approx(1.93, rel=0.05) and a32 == pytest.approx(6469, rel=0.05)
    # 22 nm: the law's energy (E ~ node^1.88); the leakage share scales with node x Vdd instead, so the
    # whole is compared on the dynamic share, 0.9 x 0.95 pJ.
    e22, a22, _, _ = adc_cost("murmann_survey", 8, 1280.0, 22)
    assert e22 == pytest.approx(0.9 * 0.95, rel=0.05) and a22 == pytest.approx(3612, rel=0.05)
    _, a22_slow, _, _ = adc_cost("murmann_survey", 8, 100.0, 22)
    assert a22_slow == pytest.approx(2199, rel=0.05)


def test_adc_law_is_selected_by_the_arch(variant):
    comps = build_components(variant("isaac", {"pe.adc.model": "murmann_survey"}))
    assert comps.adc.model_name.startswith("murmann_survey(8 b")
    assert comps.adc.energy_pj("convert") == pytest.approx(0.9 * 1.93, rel=0.05)  # dynamic share
    assert comps.adc.peak_power_mw == pytest.approx(1.93 * 1.28, rel=0.05)  # whole power at 1.28 GS/s


def test_isaac_sar_extrapolation_is_named():
    _, _, name, _ = adc_cost("isaac_sar", 12, 1280.0, 32)
    assert "extrapolated" in name


def test_node_scaling_area_ratio_within_neurosim_band():
    """Reference 5: 22 -> 32 nm area should grow ~(32/22)^2 = 2.12, within +/-20 %."""
    assert 1.0 / area_factor(32, 22) == pytest.approx((32 / 22) ** 2, rel=0.20)
    assert area_factor(32, 45) == pytest.approx(2.2)  # Stillmaker & Baas table entry (32 nm row)
    assert area_factor(32, 7) == pytest.approx(0.13)


def test_node_scaling_moves_energy_and_area_the_right_way(variant):
    """Moving ISAAC from 32 to 22 nm shrinks CMOS area and energy; crossbar read energy does not scale."""
    c32 = build_components(variant("isaac", {}))
    c22 = build_components(variant("isaac", {"technology.node_nm": 22}))
    assert c22.adc.area_um2 < c32.adc.area_um2 and c22.adc.energy_pj("convert") < c32.adc.energy_pj("convert")
    assert c22.crossbar.energy_pj("read") == c32.crossbar.energy_pj("read")
    assert energy_factor(32, 45) > 1.0 > energy_factor(32, 22)


def test_differential_encoding_halves_peak_throughput(variant):
    from pimsim.components.rollup import peak_gops

    offset = peak_gops(variant("isaac", {}))
    diff = peak_gops(variant("isaac", {"pe.crossbar.signed_encoding": "differential"}))
    assert diff == pytest.approx(offset / 2)


def test_adc_bound_slice_interval_lowers_throughput(variant):
    """Halving the ADC rate makes 128 conversions take 200 ns > the 100 ns read: peak throughput halves."""
    from pimsim.components.rollup import peak_gops

    slow = variant("isaac", {"pe.adc.sample_rate_msps": 640.0})
    assert peak_gops(slow) == pytest.approx(peak_gops(variant("isaac", {})) / 2)
    # 0.9 x 1.5625 pJ x 0.64 GS/s dynamic + 10 % of the 2 mW design's power as leakage (0.2 mW x 0.5,
    # leakage following the rated rate of the design)
    assert build_components(slow).adc.peak_power_mw == pytest.approx(0.9 * 1.5625 * 0.64 + 0.1 * 1.5625 * 0.64)
