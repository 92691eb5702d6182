"""Converters by table or law: ``conversion_ns_at`` / ``energy_pj_at``, geometric interpolation, no extrapolation.

Hand calculations in each docstring.  Floats: interpolation is a few multiplications and one ``**``, so the
result is within a few ulp of the closed form on any IEEE-754 machine; ``rel=1e-12`` leaves room for that.
"""

from __future__ import annotations

import math

import pytest

from pimsim.components import ComponentError, build_components
from pimsim.spec.arch import arch_variant
from pimsim.spec.errors import SpecError

TABLE = [
    {"bits": 4, "energy_pj": 0.5, "area_um2": 100.0, "conversion_ns": 2.0, "leakage_mw": 0.01},
    {"bits": 8, "energy_pj": 8.0, "area_um2": 1600.0, "conversion_ns": 8.0, "leakage_mw": 0.16},
]


def _table_adc(bits: int, table=TABLE, **extra):
    changes = {"pe.adc.model": "table", "pe.adc.table": table, "pe.adc.bits": bits, "pe.adc.sample_rate_msps": None}
    changes.update(extra)
    return arch_variant("isaac", changes)


def test_table_reproduces_its_points():
    """At a listed resolution the ADC model is exactly the table row (isaac node = table node, no scaling)."""
    adc = build_components(_table_adc(8)).adc
    assert adc.energy_pj("convert") == 8.0 and adc.area_um2 == 1600.0 and adc.leakage_mw == 0.16
    assert adc.conversion_ns == 8.0 and adc.sample_rate_msps == pytest.approx(125.0)  # derived: 1000 / 8 ns
    assert adc.energy_pj_at(4) == 0.5 and adc.conversion_ns_at(4) == 2.0


def test_table_interpolates_geometrically():
    """Between 4 b and 8 b each quantity follows y4 (y8/y4)^((b-4)/4): at 6 b the geometric mean,
    sqrt(0.5 x 8) = 2 pJ, sqrt(100 x 1600) = 400 um^2, sqrt(2 x 8) = 4 ns; at 5 b 0.5 x 16^(1/4) = 1 pJ."""
    adc6 = build_components(_table_adc(6)).adc
    assert adc6.energy_pj("convert") == pytest.approx(2.0, rel=1e-12)
    assert adc6.area_um2 == pytest.approx(400.0, rel=1e-12)
    assert adc6.conversion_ns == pytest.approx(4.0, rel=1e-12)
    assert adc6.leakage_mw == pytest.approx(0.04, rel=1e-12)
    assert adc6.energy_pj_at(5) == pytest.approx(1.0, rel=1e-12)
    assert adc6.conversion_ns_at(5) == pytest.approx(2.0 * 4.0 ** 0.25, rel=1e-12)


def test_table_refuses_outside_and_above_the_adc():
    adc = build_components(_table_adc(6)).adc
    with pytest.raises(ComponentError, match="resolves 1..6 bits"):
        adc.energy_pj_at(7)
    with pytest.raises(ComponentError, match=r"pe\.adc\.table: 3 bits: 3 outside the table's 4-8"):
        adc.conversion_ns_at(3)
    with pytest.raises(SpecError, match=r"pe\.adc: Value error, bits=9: outside the table's 4-8 bits|bits=9"):
        _table_adc(9)


def test_table_node_scaling():
    """A table characterised at 45 nm on a 32 nm chip: energy x energy_factor(45, 32), area x 1/2.2 (Stillmaker
    32 nm row: 45 nm is 2.2x), leakage x (32 x 0.9)/(45 x 1.0); conversion time unchanged."""
    from pimsim.components.scaling import energy_factor

    adc = build_components(_table_adc(8, **{"pe.adc.table_node_nm": 45})).adc
    assert adc.energy_pj("convert") == pytest.approx(8.0 * energy_factor(45, 32), rel=1e-12)
    assert adc.area_um2 == pytest.approx(1600.0 / 2.2, rel=1e-12)
    assert adc.leakage_mw == pytest.approx(0.16 * 32 * 0.9 / 45, rel=1e-12)
    assert adc.conversion_ns == 8.0


def test_laws_have_the_same_two_methods():
    """isaac_sar at 8 b, 1.28 GS/s: 0.78125 ns per conversion; a 4-bit conversion takes (4+1)/(8+1) of it
    (NeuroSim SarADC: one sampling step plus one per bit) and costs the law's 4-bit dynamic energy,
    0.9 x 1.5625 x 0.79/1.667 pJ (hwcomponents ratios)."""
    adc = build_components(arch_variant("isaac", {})).adc
    assert adc.conversion_ns_at(8) == pytest.approx(1000 / 1280, rel=1e-12)
    assert adc.conversion_ns_at(4) == pytest.approx(1000 / 1280 * 5 / 9, rel=1e-12)
    assert adc.energy_pj_at(8) == adc.energy_pj("convert")
    assert adc.energy_pj_at(4) == pytest.approx(0.9 * 1.5625 * 0.79 / 1.667, rel=1e-12)
    with pytest.raises(ComponentError, match="resolves 1..8 bits"):
        adc.conversion_ns_at(9)


def test_dac_table_and_per_crossbar_count():
    """A DAC table at 1 and 4 bits; 2 bits is 1 x (16/1)^(1/3) of each quantity. 64 DACs per crossbar with
    64 rows read at once: the roll-up counts 8 crossbars x 64 DACs per IMA."""
    from pimsim.components.rollup import area_rollup

    table = [{"bits": 1, "energy_pj": 0.1, "area_um2": 1.0, "leakage_mw": 0.001},
             {"bits": 4, "energy_pj": 1.6, "area_um2": 16.0, "leakage_mw": 0.016}]
    arch = arch_variant("isaac", {"pe.dac.model": "table", "pe.dac.table": table, "pe.dac.bits": 2,
                                  "pe.dac.per_crossbar": 64, "pe.crossbar.rows_per_read": 64})
    dac = build_components(arch).dac
    assert dac.energy_pj("drive") == pytest.approx(0.1 * 16 ** (1 / 3), rel=1e-12)
    assert dac.area_um2 == pytest.approx(16 ** (1 / 3), rel=1e-12)
    rows = {r.role: r for r in area_rollup(arch).rows}
    assert rows["dac"].count == 8 * 64


def test_sample_rate_given_with_a_table_must_agree():
    with pytest.raises(SpecError, match="sample_rate_msps=1280: the table gives 125 MS/s"):
        arch_variant("isaac", {"pe.adc.model": "table", "pe.adc.table": TABLE})
    assert math.isclose(_table_adc(8).pe.adc.sample_rate_msps, 125.0)
