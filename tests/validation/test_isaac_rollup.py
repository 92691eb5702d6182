"""ISAAC roll-up against its published table (validation V1, V2, V3).

Expected figures: ISAAC (Shafiee et al., ISCA 2016) Table 6 as collected in
reference/pim_hardware_reference.md section 2(a) and section 5:
- V1: IMA 24.08 mW / 0.01312 mm^2; 12 IMAs 289 mW / 0.157 mm^2 (+/-1 %).
- V2: tile 330 mW / 0.372 mm^2; chip 65.8 W / 85.4 mm^2; ADC 49 % of chip power (+/-1 %).
- V3: 41.3 TOPS, 483 GOPS/s/mm^2, 627 GOPS/s/W (+/-2 %; PIMSYN DATE'24 Table IV quotes 0.63 TOPS/W).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pimsim.components.rollup import area_rollup, format_rollup
from pimsim.spec.arch import load_arch

JSON_KEYS = {"pe.area_mm2", "pe.power_mw", "tile.area_mm2", "tile.power_mw", "chip.area_mm2", "chip.power_mw",
             "breakdown_area_mm2", "breakdown_power_mw", "peak_gops", "gops_per_mm2", "gops_per_w",
             "pe.leakage_mw", "tile.leakage_mw", "chip.leakage_mw", "breakdown_leakage_mw", "compute.area_mm2",
             "compute.power_mw", "io_link.area_mm2", "io_link.power_mw", "kinds", "power_gating"}


@pytest.fixture(scope="module")
def isaac():
    return area_rollup(load_arch("isaac"))


def test_v1_ima(isaac):
    assert isaac.level_power_mw["pe"] == pytest.approx(24.08, rel=0.01)
    assert isaac.level_area_mm2["pe"] == pytest.approx(0.01312, rel=0.01)
    assert 12 * isaac.level_power_mw["pe"] == pytest.approx(289.0, rel=0.01)
    assert 12 * isaac.level_area_mm2["pe"] == pytest.approx(0.157, rel=0.01)


def test_v1_ima_components(isaac):
    """Each IMA row of ISAAC Table 6 (power mW, area mm^2), reference 2(a)."""
    table = {"adc": (16.0, 0.0096), "dac": (4.0, 0.00017), "sample_hold": (0.010, 0.00004),
             "crossbar": (2.4, 0.0002), "shift_add": (0.2, 0.00024), "pe_input_register": (1.24, 0.0021),
             "pe_output_register": (0.23, 0.00077)}
    rows = {r.role: r for r in isaac.rows}
    for role, (power, area) in table.items():
        assert rows[role].power_mw_per_level == pytest.approx(power, rel=0.01), role
        assert rows[role].area_mm2_per_level == pytest.approx(area, rel=0.03), role  # DAC 0.00017 is rounded


def test_v2_tile_and_chip(isaac):
    assert isaac.level_power_mw["tile"] == pytest.approx(330.0, rel=0.01)
    assert isaac.level_area_mm2["tile"] == pytest.approx(0.372, rel=0.01)
    assert isaac.chip_power_mw == pytest.approx(65800.0, rel=0.01)
    assert isaac.chip_area_mm2 == pytest.approx(85.4, rel=0.01)


def test_v2_adc_share_of_chip_power(isaac):
    """168 x 12 x 16 mW = 32.3 W = 49 % of 65.8 W (reference 2(a), derived shares)."""
    share = isaac.breakdown_power_mw()["adc"] / isaac.chip_power_mw
    assert share == pytest.approx(0.49, abs=0.01)
    assert isaac.breakdown_area_mm2()["adc"] == pytest.approx(19.4, rel=0.01)


def test_v3_peak_throughput_and_efficiency(isaac):
    assert isaac.peak_gops == pytest.approx(41300.0, rel=0.02)
    assert isaac.gops_per_mm2 == pytest.approx(483.0, rel=0.02)
    assert isaac.gops_per_w == pytest.approx(627.0, rel=0.02)


def test_cli_json_has_exactly_the_documented_keys_and_values():
    code = "from pimsim.cli import main; raise SystemExit(main(['area', 'isaac', '--json']))"
    out = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert JSON_KEYS <= set(data)
    assert data["chip.power_mw"] == pytest.approx(65800.0, rel=0.01)
    assert data["tile.area_mm2"] == pytest.approx(0.372, rel=0.01)
    assert data["breakdown_power_mw"]["io_link"] == pytest.approx(10400.0)
    assert data["models"]["adc"].startswith("isaac_sar(8 b")
    # the link apart: 85.4 - 22.88 = 62.5 mm^2 of compute (168 tiles x 0.372)
    assert data["compute.area_mm2"] == pytest.approx(168 * 0.372, rel=0.01)
    assert data["io_link.area_mm2"] == 22.88


def test_text_report_names_the_model_of_every_row(isaac):
    text = format_rollup(isaac)
    for row in isaac.rows:
        assert row.model_name in text
    assert "not in chip totals" in text  # off-chip DRAM is named, not silently dropped
