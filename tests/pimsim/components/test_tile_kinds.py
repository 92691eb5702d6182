"""Heterogeneous tiles (``chip.tile_kinds``): spec, per-kind component sets, roll-up = sum of kinds.

Here the component-level contract is checked; the simulator's per-kind pricing is tested in
tests/pimsim/program/test_arch_execution.py.
"""

from __future__ import annotations

import pytest

from pimsim.components import ComponentError, build_components
from pimsim.components.catalog import components_by_kind, components_for_tile, features_not_simulated
from pimsim.components.rollup import area_rollup
from pimsim.spec.arch import arch_from_dict, arch_variant, load_arch
from pimsim.spec.errors import SpecError

KINDS = [{"name": "low", "count": 32, "pe": {"adc": {"bits": 4}}},
         {"name": "high", "count": 32, "pe": {"adc": {"bits": 8}}}]


def _two_kinds(kinds=KINDS):
    doc = load_arch("default").model_dump(mode="json")
    doc["chip"]["tile_kinds"] = kinds
    return arch_from_dict(doc, "kinds.yaml")


def test_partial_kind_sections_merge_over_the_top_level():
    arch = _two_kinds()
    low, high = arch.chip.tile_kinds
    assert (low.pe.adc.bits, high.pe.adc.bits) == (4, 8)
    assert low.pe.crossbar == arch.pe.crossbar and low.tile == arch.tile
    assert [arch.tile_kind_of(t) for t in (0, 31, 32, 63)] == ["low", "low", "high", "high"]
    assert arch_from_dict(arch.model_dump(mode="json"), "round trip") == arch


def test_component_sets_per_kind():
    """The 4-bit kind prices its ADC at 4 bits (isaac_sar: 0.79/1.667 of the 8-bit energy)."""
    arch = _two_kinds()
    sets = components_by_kind(arch)
    assert list(sets) == ["low", "high"]
    assert sets["low"].adc.bits == 4 and sets["high"].adc.bits == 8
    assert sets["low"].adc.energy_pj("convert") == pytest.approx(
        sets["high"].adc.energy_pj("convert") * 0.79 / 1.667, rel=1e-12)
    assert components_for_tile(arch, 40).kind == "high"
    assert sets["low"].io_link == sets["high"].io_link  # chip-level models are shared
    with pytest.raises(ComponentError, match="several tile kinds"):
        build_components(arch)


def test_rollup_equals_the_sum_of_kinds():
    """chip = 32 x tile(4-bit kind) + 32 x tile(8-bit kind) + chip rows; each kind's tile equals the tile of a
    homogeneous chip of that kind (same components), and peak throughput is the tile-weighted mean."""
    arch = _two_kinds()
    r = area_rollup(arch)
    low_only = area_rollup(arch_variant("default", {"pe.adc.bits": 4}))
    high_only = area_rollup(load_arch("default"))
    k_low, k_high = r.kinds
    assert k_low.tile_area_mm2 == pytest.approx(low_only.level_area_mm2["tile"], rel=1e-12)
    assert k_high.tile_power_mw == pytest.approx(high_only.level_power_mw["tile"], rel=1e-12)
    chip_rows = sum(row.area_mm2_per_level for row in r.rows if row.level == "chip")
    assert r.chip_area_mm2 == pytest.approx(32 * k_low.tile_area_mm2 + 32 * k_high.tile_area_mm2 + chip_rows,
                                            rel=1e-12)
    assert r.chip_leakage_mw == pytest.approx((low_only.chip_leakage_mw + high_only.chip_leakage_mw) / 2, rel=1e-12)
    assert r.peak_gops == pytest.approx((low_only.peak_gops + high_only.peak_gops) / 2, rel=1e-12)
    assert sum(r.breakdown_area_mm2().values()) == pytest.approx(r.chip_area_mm2, rel=1e-12)
    assert r.tile_area_mm2(0) == k_low.tile_area_mm2 and r.tile_area_mm2(63) == k_high.tile_area_mm2


def test_kind_errors_name_the_field():
    bad_count = [dict(KINDS[0], count=30), KINDS[1]]
    with pytest.raises(SpecError, match="counts add up to 62, not chip.tiles=64"):
        _two_kinds(bad_count)
    with pytest.raises(SpecError, match=r"chip\.tile_kinds\.0\.pe\.adc\.per_crossbar=3: must divide"):
        _two_kinds([dict(KINDS[0], pe={"adc": {"per_crossbar": 3}}), KINDS[1]])
    with pytest.raises(SpecError, match="differs from tile.router"):
        _two_kinds([dict(KINDS[0], tile={"router": {"ports": 4}}), KINDS[1]])
    with pytest.raises(SpecError, match="kind names repeat"):
        _two_kinds([KINDS[0], dict(KINDS[1], name="low")])


def test_simulator_executes_every_arch_feature():
    assert features_not_simulated(_two_kinds()) == []  # priced tile by tile (tests/pimsim/program)
    assert features_not_simulated(load_arch("default")) == []
    assert features_not_simulated(load_arch("neurosim_rram")) == []  # partial read, table ADC: executed
    assert features_not_simulated(load_arch("puma")) == []  # shared ADC banks, table ADC: executed
