"""Report arithmetic: leakage over the makespan, unit conversions, and the JSON contract's derived values."""

from __future__ import annotations

import pytest

from pimsim.report.model import Report
from pimsim.report.summary import leakage_energy_pj


def test_leakage_is_power_times_makespan():
    """2 mW for 1200 cycles at 1200 MHz = 2 mW x 1000 ns = 2000 pJ (1 mW x 1 ns = 1 pJ)."""
    assert leakage_energy_pj(2.0, 1200, 1200.0) == pytest.approx(2000.0)


def test_derived_metrics():
    """batch 4 in 2400 cycles at 1200 MHz = 2000 ns = 2e-6 s: 4 / 2e-6 = 2e6 inferences/s; 8000 pJ dynamic + 2000 pJ leakage
    = 10000 pJ: 2500 pJ per inference and 10000 pJ / 2000 ns = 5 mW."""
    r = Report(mapping_name="m", arch_name="a", clock_mhz=1200.0, batch=4, latency_cycles=600, makespan_cycles=2400,
               energy_breakdown_pj={"adc": 8000.0, "leakage": 2000.0}, leakage_mw=1.0, area_mm2=1.0,
               area_breakdown_mm2={"adc": 1.0}, busy_cycles={}, utilization={"crossbar": 0.5}, events=10, wall_s=0.1,
               tasks=5)
    j = r.to_json_dict()
    assert j["latency_ns"] == pytest.approx(500.0)
    assert j["throughput_inferences_per_s"] == pytest.approx(2.0e6)
    assert j["energy_per_inference_pj"] == pytest.approx(2500.0)
    assert j["power_mw"] == pytest.approx(5.0)
