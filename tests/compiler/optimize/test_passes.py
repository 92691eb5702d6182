"""Unit tests of the issue-6 optimisation passes and the mapper's cost model, with hand calculations."""

from __future__ import annotations

import pytest


def test_adc_bits_from_rows(arch):
    """default: 1-bit DAC, 2-bit cells -> a column sums rows x 1 x 3: 128 rows -> 384 -> 9 bits (capped at the
    arch's 8); 16 rows -> 48 -> 6 bits; 13 rows -> 39 -> 6 bits; 1 row -> 3 -> 2 bits."""
    from compiler.passes.optimize.adc import needed_adc_bits

    assert [needed_adc_bits(arch, r) for r in (128, 16, 13, 1)] == [9, 6, 6, 2]


def test_conversion_time_follows_resolution(arch):
    """One law for every conversion (pimsim.components.converters, NeuroSim SarADC: (b + 1) SAR steps): the
    default 8-bit SAR converts at 1280 MS/s = 0.78125 ns, i.e. 9 steps of 0.0868 ns; a 6-bit conversion takes
    7 steps = 0.60764 ns.  128 conversions: 100 ns = 120 cycles at 1.2 GHz; at 6 bits 77.78 ns -> 94 cycles.
    Energy: the isaac_sar law at 6 bits = 1.5625 pJ x 1.20 / 1.667 (hwcomponents ratios), 90 % of it dynamic."""
    from pimsim.cost.actions import Costs

    c = Costs.of(arch)
    assert c.comps.adc.conversion_ns_at(6) == pytest.approx(1000 / 1280 * 7 / 9, rel=1e-12)
    assert (c.adc_cycles(128), c.adc_cycles(128, 8), c.adc_cycles(128, 6)) == (120, 120, 94)
    # 90 % of the law's energy is dynamic (puma-simulator's split of ISAAC's ADC: 1.8 mW dynamic + 0.2 mW
    # leakage); the mapper and the simulator both charge this share per conversion
    assert c.adc_pj(6) == pytest.approx(0.9 * 1.5625 * 1.20 / 1.667, rel=1e-12)
    assert c.adc_pj(8) == c.adc_pj() == pytest.approx(0.9 * 1.5625, rel=1e-12)


def test_chip_adc_bits_set_the_conversion_time(arch):
    """pe.adc.sample_rate_msps is the rate at pe.adc.bits: an 8-bit arch's full conversion is 1000/1280 ns
    whatever its bits, and lowering an operator's adc_bits on it shortens its conversions by (b+1)/(B+1); a
    conversion above the ADC's own resolution is refused (it cannot resolve the bits)."""
    from pimsim.components.base import ComponentError
    from pimsim.cost.actions import Costs
    from pimsim.spec.arch import arch_from_dict

    doc = arch.model_dump(mode="json")
    doc["pe"]["adc"]["bits"] = 6
    six = Costs.of(arch_from_dict(doc, "arch"))
    assert six.comps.adc.conversion_ns_at(6) == pytest.approx(1000 / 1280, rel=1e-12)
    assert six.comps.adc.conversion_ns_at(4) == pytest.approx(1000 / 1280 * 5 / 7, rel=1e-12)
    with pytest.raises(ComponentError, match=r"resolves 1\.\.6 bits"):
        six.comps.adc.conversion_ns_at(8)


def test_mapper_and_simulator_share_the_slice_law(arch):
    """One full 128x128 block, 8-bit inputs through 1-bit DACs: 8 slices, interval max(120, 120) = 120 cycles
    (sample-and-hold): held 960, result at 7 x 120 + 120 + 120 + 1 = 1081 cycles; at 6 ADC bits the
    conversions take 94 cycles, the read still sets the interval: 7 x 120 + 120 + 94 + 1 = 1055."""
    from pimsim.cost.actions import Costs
    from pimsim.cost.crossbar import block_slice_timing

    c = Costs.of(arch)
    t8, t6 = (block_slice_timing(c, arch, 128, 128, b) for b in (8, 6))
    assert (t8.occupancy(8), t8.cycles(8), t6.occupancy(8), t6.cycles(8)) == (960, 1081, 960, 1055)


def test_area_estimate_matches_rollup():
    """pimsim.cost.area is the roll-up itself (tile kinds, extra components, shared ADC banks included):
    the chip-level rows + each tile at its kind's area = ``pimsim area``, for default, isaac and puma (PUMA:
    an ADC bank shared by 8 crossbars and core/tile extra components) and for a chip of two tile kinds,
    whose first n tiles cost the sum of their kinds' tiles."""
    from pimsim.components.rollup import area_rollup
    from pimsim.cost.area import chip_area_mm2, fixed_area_mm2, tile_area_mm2, tiles_within
    from pimsim.spec.arch import arch_from_dict, load_arch

    doc = load_arch("default").model_dump(mode="json")
    doc["chip"]["tile_kinds"] = [{"name": "low", "count": 32, "pe": {"adc": {"bits": 4}}},
                                 {"name": "high", "count": 32, "pe": {"adc": {"bits": 8}}}]
    kinds = arch_from_dict(doc, "kinds.yaml")
    for a in (load_arch("default"), load_arch("isaac"), load_arch("puma"), kinds):
        r = area_rollup(a)
        chip_rows = sum(row.area_mm2_per_level for row in r.rows if row.level == "chip")
        assert chip_area_mm2(a) == pytest.approx(r.chip_area_mm2, rel=1e-12), a.name
        assert fixed_area_mm2(a) == pytest.approx(chip_rows, rel=1e-9), a.name
        for t in (0, a.chip.tiles - 1):
            assert tile_area_mm2(a, t) == r.tile_area_mm2(t), a.name
        n = a.chip.tiles // 2 + 1
        assert chip_area_mm2(a, n) == pytest.approx(chip_rows + sum(r.tile_area_mm2(t) for t in range(n)),
                                                    rel=1e-12), a.name
        assert tiles_within(a, chip_area_mm2(a, n) + 1e-9) == n, a.name
    low, high = area_rollup(kinds).kinds
    assert chip_area_mm2(kinds, 33) - chip_area_mm2(kinds, 32) == pytest.approx(high.tile_area_mm2, rel=1e-9)


def test_shelf_pack_hand_example():
    """128x128 crossbar: blocks 64 rows x 64 cols, 64x64, 32x128, 32x32 -> shelf 1 (rows 0-63) holds the two
    64x64 side by side, shelf 2 (rows 64-95) the 32x128, shelf 3 (rows 96-127) the 32x32: one crossbar."""
    from compiler.ir.records import Block
    from compiler.passes.optimize.pack import shelf_pack

    def blk(rows, cols):
        return Block(row_start=0, rows=rows, col_start=0, cols=cols, slice_start=0, slice_count=1, sign_columns=1)

    bins = shelf_pack([("a", blk(64, 64)), ("b", blk(64, 64)), ("c", blk(32, 128)), ("d", blk(32, 32))], 128, 128)
    assert len(bins) == 1
    at = {o: (b.xbar_row_offset, b.xbar_col_offset) for o, b in bins[0]}
    assert at == {"a": (0, 0), "b": (0, 64), "c": (64, 0), "d": (96, 0)}
    assert len(shelf_pack([("a", blk(100, 128)), ("b", blk(100, 128))], 128, 128)) == 2


def test_expand_blocks_covers_each_replica():
    """A 16-column block spread 4 ways -> 4 blocks of 4 columns; 2 copies per query x 3 groups = 6 replicas
    -> 24 blocks, 4 per replica (replica r belongs to group r // 2)."""
    from compiler.ir.records import Block
    from compiler.passes.optimize.balance import Plan, expand_blocks

    base = [Block(row_start=0, rows=10, col_start=0, cols=16, slice_start=0, slice_count=4, sign_columns=2)]
    p = Plan(node=None, base=base, spread=4, copies=2, groups=3)
    out = expand_blocks(p)
    assert p.replicas == 6 and p.crossbars == len(out) == 24
    for r in range(6):
        cols = sorted((b.col_start, b.cols) for b in out if b.replica == r)
        assert cols == [(0, 4), (4, 4), (8, 4), (12, 4)]


def test_next_copies_jumps_to_fewer_vectors_per_copy():
    """m = 16 vectors: 1 copy -> 16 per copy; the next move is the fewest copies with 15 per copy: ceil(16/15)
    = 2 (8 each); then 7 per copy needs ceil(16/7) = 3; ... 1 per copy needs 16 copies, then no move."""
    from types import SimpleNamespace

    from compiler.passes.optimize.balance import Plan

    from compiler.ir.records import MvmShape

    p = Plan(node=SimpleNamespace(params=MvmShape(16, 1, 1)), base=[])
    seen = []
    while (c := p.next_copies()) is not None:
        seen.append(c)
        p.copies = c
    assert seen == [2, 3, 4, 6, 8, 16]


def test_dynamic_choice_prices_both_paths(arch):
    """AutoInt attention scores: count 2, [39 x 16] x [16 x 39].  Vector: 2*39*16*39 = 48672 mul -> 1521
    passes of 32 lanes, 2*39*15*39 = 45630 add -> 1426: 2947 cycles.  Crossbar write: 16 rows x 61 cycles
    (50.3 ns) + 39 vectors x 8 slices x (120 + conversions): far slower, so the vector unit is kept."""
    from types import SimpleNamespace

    from compiler.passes.optimize.dynamic_choice import (crossbar_write_blocks, vector_path_cycles,
                                                         write_path_cycles)

    from compiler.ir.records import OpPrecision, ProductShape

    n = SimpleNamespace(params=ProductShape(count=2, m=39, k=16, n=39), precision=OpPrecision(8, 8))
    assert vector_path_cycles(arch, n) == 2947
    assert write_path_cycles(arch, n, crossbar_write_blocks(arch, n)) > 10 * 2947
