"""The hand-written PUMA preset against puma-simulator's component figures and PUMA's published peak efficiency.

Sources: Ankit et al., "PUMA", ASPLOS 2019, abstract: "A PUMA accelerator running at 1 GHz can reach area
and power efficiency of 577 GOPS/s/mm^2 and 837 GOPS/s/W"; puma-simulator (commit d98bbe9)
``include/config.py`` and ``include/constants.py`` for every component (cited line by line in
``pimsim/spec/presets/puma.yaml``).

How close the totals are, and why they are not closer (docs/hardware-model.md, "puma"): puma-simulator's
``node_metrics.py`` counts the HyperTransport link in node area but not in node power, and its core model is
the training-capable one (forward, backward and delta crossbars); this preset keeps ISAAC's 0.3 mW arrays,
ISAAC-calibrated registers, bus and router, and a 32-lane ISAAC-sigmoid vector unit for PUMA's VFU.
Measured: over the compute tiles 547 GOPS/mm^2 (-5 %) and 1053 GOPS/W (+26 %); the tolerances below are those
measured gaps rounded up, recorded so a change of model that moves them is seen, not a calibration.
"""

from __future__ import annotations

import pytest

from pimsim.components import build_components
from pimsim.components.rollup import area_rollup
from pimsim.spec.arch import load_arch
from pimsim.spec.units import mw_to_w


@pytest.fixture(scope="module")
def puma():
    return area_rollup(load_arch("puma"))


def test_puma_core_adcs_are_puma_simulators():
    """config.py: num_adc = 2 per MVMU x 2 MVMUs = 4 per core; constants.py 8-bit ADC 1.8 mW dynamic + 0.2 mW
    leakage, 0.0012 mm^2.  At full activity each ADC converts 8 x 128 / 2 = 512 columns per 128 ns slice."""
    arch = load_arch("puma")
    rows = {r.role: r for r in area_rollup(arch).rows}
    assert rows["adc"].count == 4
    assert rows["adc"].power_mw_per_level == pytest.approx(4 * 2.0, rel=1e-9)
    assert rows["adc"].leakage_mw_per_level == pytest.approx(4 * 0.2, rel=1e-12)
    assert rows["adc"].area_mm2_per_level == pytest.approx(4 * 0.0012, rel=1e-12)
    assert build_components(arch).adc.peak_interval_ns["convert"] == pytest.approx(128.0 / 512)


def test_puma_extra_components_from_constants():
    """Core: instruction memory 0.00108 x sqrt(8) mm^2, register file 0.00392 mm^2, control unit
    0.00145 x 2.25 mm^2; tile: instruction memory 0.0041 x sqrt(8), receive buffer 0.0022 x 2, counter buffer
    0.0041 x sqrt(8), eDRAM controller 0.00145, control unit 0.00145 mm^2 (constants.py)."""
    r = area_rollup(load_arch("puma"))
    area = {row.role: row.area_mm2_per_level for row in r.rows}
    s8 = 8 ** 0.5
    assert area["pe.instruction_memory"] == pytest.approx(0.00108 * s8, rel=1e-4)  # yaml gives 4-5 digits
    assert area["pe.register_file"] == pytest.approx(0.00392)
    assert area["pe.control_unit"] == pytest.approx(0.00145 * 2.25)
    extra_tile = sum(a for role, a in area.items() if role.startswith("tile."))
    assert extra_tile == pytest.approx(0.0041 * s8 * 2 + 0.0022 * 2 + 0.00145 * 2, rel=1e-4)


def test_puma_efficiency_against_the_abstract(puma):
    arch = load_arch("puma")
    tiles_mm2 = arch.chip.tiles * puma.level_area_mm2["tile"]
    tiles_w = mw_to_w(arch.chip.tiles * puma.level_power_mw["tile"])
    assert puma.peak_gops / tiles_mm2 == pytest.approx(577.0, rel=0.10)   # measured -5 %
    assert puma.peak_gops / tiles_w == pytest.approx(837.0, rel=0.30)     # measured +26 %
    assert puma.compute_gops_per_mm2 == pytest.approx(puma.peak_gops / tiles_mm2)  # no chip-level row but the link


def test_puma_peak_throughput_from_its_mvm_latency(puma):
    """136 tiles x 8 cores x 16 crossbars; one 16-bit 128x16-weight MVM per crossbar per 16 x 128 ns:
    17408 x 2 x 128 x 16 / 2048 ns = 34.8 TOPS (hand calculation; 128 ns = 512 conversions at 0.25 ns)."""
    assert puma.peak_gops == pytest.approx(17408 * 2 * 128 * 16 / 2048.0, rel=1e-9)
