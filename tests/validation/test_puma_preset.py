"""The hand-written PUMA preset against PUMA's published peak efficiency.

Source: Ankit et al., "PUMA", ASPLOS 2019, abstract: "A PUMA accelerator
running at 1 GHz can reach area and power efficiency of 577 GOPS/s/mm^2 and
837 GOPS/s/W".  We assume that figure leaves out the off-chip HyperTransport
links (not re-read in the paper; with them, 22.88 mm^2 and 10.4 W alone would
cap a ~35 TOPS node near 400 GOPS/s/mm^2), so the comparison is made over the
compute tiles.  Tolerance 15 %: this spec gives each crossbar its own ADC
(puma-simulator's config shares 4 per core), prices PUMA's VFU with ISAAC
sigmoid lanes, and has no instruction memories or core control units
(docs/hardware-model.md, "PUMA preset").
"""

from __future__ import annotations

import pytest

from pimsim.components.rollup import area_rollup
from pimsim.spec.arch import load_arch
from pimsim.spec.units import mw_to_w


@pytest.fixture(scope="module")
def puma():
    return area_rollup(load_arch("puma"))


def test_puma_tile_level_efficiency_within_15_percent(puma):
    arch = load_arch("puma")
    tiles_mm2 = arch.chip.tiles * puma.level_area_mm2["tile"]
    tiles_w = mw_to_w(arch.chip.tiles * puma.level_power_mw["tile"])
    assert puma.peak_gops / tiles_mm2 == pytest.approx(577.0, rel=0.15)
    assert puma.peak_gops / tiles_w == pytest.approx(837.0, rel=0.15)


def test_puma_peak_throughput_from_its_mvm_latency(puma):
    """136 tiles x 8 cores x 16 crossbars; one 16-bit 128x16-weight MVM per crossbar per 16 x 128 ns:
    17408 x 2 x 128 x 16 / 2048 ns = 34.8 TOPS (hand calculation; 128 ns = 128 conversions at 1 GS/s)."""
    assert puma.peak_gops == pytest.approx(17408 * 2 * 128 * 16 / 2048.0, rel=1e-9)
