"""Static power in the component models and the roll-up; topology, global buffer, extras, I/O link kinds.

Expected leakages are puma-simulator's split of ISAAC's table (``pimsim/components/isaac_table.py``), summed
by hand in each docstring.  Floats: sums of a few dozen products, ``rel=1e-12`` (exact to rounding).
"""

from __future__ import annotations

import pytest

from pimsim.components import build_components
from pimsim.components.rollup import GATING_AREA_OVERHEAD, area_rollup
from pimsim.components.scaling import leakage_factor
from pimsim.spec.arch import arch_from_dict, arch_variant, load_arch


def with_link(**link):
    """ISAAC with its I/O link section replaced (a section is not a sweepable parameter)."""
    doc = load_arch("isaac").model_dump(mode="json")
    doc["chip"]["io_link"] = link
    return arch_from_dict(doc, "test")


def test_isaac_leakage_per_ima_tile_and_chip():
    """IMA: 1024 DACs x 0.390625 uW + 1024 S+H x 0.977 nW + 8 ADCs x 0.2 mW + 4 S+A x 5 uW + IR 0.33 mW + OR
    0.33 x 256/2048 mW = 0.4 + 0.001 + 1.6 + 0.02 + 0.33 + 0.04125 = 2.39225 mW.  Tile: 12 IMAs + eDRAM 0.46 +
    bus 1 + router 42 x 1.04/52.52 / 4 + 2 sigmoid lanes x 0.026 + tile S+A 0.005 + tile OR 0.33 x 1.5 +
    max-pool 0.04 mW.  Chip: 168 tiles, HyperTransport 0."""
    r = area_rollup(load_arch("isaac"))
    ima = 0.4 + 1.024 * 0.00097656 + 1.6 + 0.02 + 0.33 + 0.04125
    assert r.level_leakage_mw["pe"] == pytest.approx(ima, rel=1e-6)
    tile = 12 * ima + 0.46 + 1.0 + 42 * 1.04 / 52.52 / 4 + 0.052 + 0.005 + 0.495 + 0.04
    assert r.level_leakage_mw["tile"] == pytest.approx(tile, rel=1e-6)
    assert r.chip_leakage_mw == pytest.approx(168 * tile, rel=1e-6)
    assert sum(r.breakdown_leakage_mw().values()) == pytest.approx(r.chip_leakage_mw, rel=1e-12)


def test_leakage_scales_with_node_times_supply():
    """NeuroSim V1.4 supplies: 32 nm 0.9 V, 22 nm 0.85 V: leakage x (22 x 0.85)/(32 x 0.9) = 0.6493."""
    c32 = build_components(load_arch("isaac"))
    c22 = build_components(arch_variant("isaac", {"technology.node_nm": 22}))
    assert leakage_factor(32, 22) == pytest.approx(22 * 0.85 / (32 * 0.9), rel=1e-12)
    assert c22.adc.leakage_mw == pytest.approx(c32.adc.leakage_mw * 22 * 0.85 / (32 * 0.9), rel=1e-12)
    assert c22.tile_buffer.leakage_mw == pytest.approx(0.46 * 22 * 0.85 / (32 * 0.9), rel=1e-12)
    assert c22.crossbar.leakage_mw == 0.0


def test_router_shared_by_c_tiles_last_router_partly_used():
    """PUMA-like 138 tiles with 4 per router: 35 routers; 34.5 are carried by the tiles (1/4 each), the unshared
    half of the last router is a chip-level row."""
    arch = arch_variant("isaac", {"chip.tiles": 138, "chip.mesh_cols": 12})
    r = area_rollup(arch)
    assert arch.routers == 35
    router = build_components(arch).router
    rest = [row for row in r.rows if row.role == "router" and row.level == "chip"]
    assert len(rest) == 1 and rest[0].count == pytest.approx(0.5)
    assert r.breakdown_area_mm2()["router"] == pytest.approx(35 * router.area_um2 / 1e6, rel=1e-12)
    assert not [row for row in area_rollup(load_arch("isaac")).rows if row.level == "chip" and row.role == "router"]


def test_global_buffer_priced_by_its_law_and_overrides():
    """1 MiB SRAM, 256-bit, 8 banks: leakage 0.33 mW x 512 (per 2 KB, 32 nm); bandwidth 8 x 256 b / 4.04 ns.
    Overrides replace energy and leakage and the model name says so."""
    gb = {"kind": "sram", "capacity_bytes": 1 << 20, "width_bits": 256, "banks": 8}
    comps = build_components(arch_variant("isaac", {"chip.global_buffer": gb}))
    g = comps.global_buffer
    assert g.leakage_mw == pytest.approx(0.33 * 512, rel=1e-12)
    assert g.bandwidth_gbps == pytest.approx(8 * 256 / g.bank_cycle_ns, rel=1e-12)
    assert ("global_buffer", g) in comps.items()
    over = build_components(arch_variant("isaac", {"chip.global_buffer": {
        **gb, "energy_pj_per_access": 5.0, "leakage_mw": 1.5, "bank_cycle_ns": 2.0}})).global_buffer
    assert over.energy_pj("read") == 5.0 and over.leakage_mw == 1.5 and over.bank_cycle_ns == 2.0
    assert "overrides" in over.model_name and over.latency_cycles("read") == 3  # 2 ns at 1.2 GHz, rounded up


def test_tile_buffer_bank_timing_is_a_parameter():
    comps = build_components(arch_variant("isaac", {"tile.buffer.bank_cycle_ns": 10.0}))
    assert comps.tile_buffer.bank_cycle_ns == 10.0 and comps.tile_buffer.latency_cycles("read") == 12


def test_extra_components_enter_area_leakage_and_peak_power():
    """One 5000 um^2, 0.2 mW control unit per PE whose 'decode' (2 pJ) runs once per cycle at peak:
    ISAAC IMA +0.005 mm^2, leakage +0.2 mW, peak power +0.2 + 2 pJ x 1.2 GHz = 2.6 mW."""
    extra = [{"name": "control", "count": 1, "area_um2": 5000.0, "leakage_mw": 0.2,
              "actions": [{"name": "decode", "energy_pj": 2.0, "peak_per_cycle": 1.0}], "source": "test figures"}]
    base, more = area_rollup(load_arch("isaac")), area_rollup(arch_variant("isaac", {"pe.extra_components": extra}))
    assert more.level_area_mm2["pe"] - base.level_area_mm2["pe"] == pytest.approx(0.005, rel=1e-9)
    assert more.level_leakage_mw["pe"] - base.level_leakage_mw["pe"] == pytest.approx(0.2, rel=1e-9)
    assert more.level_power_mw["pe"] - base.level_power_mw["pe"] == pytest.approx(2.6, rel=1e-9)
    model = build_components(arch_variant("isaac", {"pe.extra_components": extra})).extra("pe.control")
    assert model.energy_pj("decode") == 2.0 and model.source == "test figures"


def test_io_link_kinds_and_compute_only_area():
    """SerDes: 6 lanes x 10 Gb/s x 1.4 pJ/bit = 84 mW, all static (always-on link), 6 x 3.2/47 mm^2; the
    roll-up lists the link apart: compute area = chip area - link area."""
    arch = with_link(kind="serdes", lanes=6)
    link = build_components(arch).io_link
    assert link.peak_power_mw == pytest.approx(84.0, rel=1e-12) and link.leakage_mw == pytest.approx(84.0)
    assert link.energy_pj("transfer_bit") == 0.0
    assert link.area_um2 == pytest.approx(6 * 3.2 / 47 * 1e6, rel=1e-12)
    assert arch.chip.io_link.bandwidth_gbps == 60.0
    r = area_rollup(arch)
    assert r.compute_area_mm2 == pytest.approx(r.chip_area_mm2 - 6 * 3.2 / 47, rel=1e-12)
    managed = build_components(with_link(kind="serdes", lanes=6, static_fraction=0.07)).io_link
    assert managed.energy_pj("transfer_bit") == pytest.approx(0.93 * 1.4, rel=1e-12)
    isaac = area_rollup(load_arch("isaac"))
    assert isaac.io_area_mm2 == 22.88 and isaac.compute_area_mm2 == pytest.approx(85.4 - 22.88, rel=0.01)


def test_power_gating_prices_sleep_switch_area():
    """unused_tiles adds 10 % of each tile's area less its router share (the router stays on)."""
    base = area_rollup(load_arch("isaac"))
    gated = area_rollup(arch_variant("isaac", {"chip.power_gating": "unused_tiles"}))
    router_share = 0.150 / 4
    per_tile = GATING_AREA_OVERHEAD * (base.level_area_mm2["tile"] - router_share)
    assert gated.level_area_mm2["tile"] == pytest.approx(base.level_area_mm2["tile"] + per_tile, rel=1e-12)
    assert gated.chip_leakage_mw == pytest.approx(base.chip_leakage_mw, rel=1e-12)  # all tiles counted
