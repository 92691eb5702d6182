"""Unit tests of the issue-6 optimisation passes and the mapper's cost model, with hand calculations."""

from __future__ import annotations

import pytest


def test_adc_bits_from_rows(arch):
    """default: 1-bit DAC, 2-bit cells -> a column sums rows x 1 x 3: 128 rows -> 384 -> 9 bits (capped at the
    arch's 8); 16 rows -> 48 -> 6 bits; 13 rows -> 39 -> 6 bits; 1 row -> 3 -> 2 bits."""
    from compiler.passes.optimize.adc import needed_adc_bits

    assert [needed_adc_bits(arch, r) for r in (128, 16, 13, 1)] == [9, 6, 6, 2]


def test_sim_charges_reduced_adc_bits(arch):
    """pimsim: a 6-bit conversion on the 8-bit SAR takes 6/8 of the time: 128 conversions at 1280 MS/s =
    100 ns = 120 cycles at 1.2 GHz -> 90 cycles (pimsim/program/costs.py adc_cycles_at)."""
    from pimsim.components import build_components
    from pimsim.program.costs import Costs

    c = Costs(build_components(arch))
    assert (c.adc_cycles_at(128, None), c.adc_cycles_at(128, 8), c.adc_cycles_at(128, 6)) == (120, 120, 90)
    # energy: the isaac_sar law at 6 bits = 1.5625 pJ x 1.20 / 1.667 (hwcomponents ratios), of which 90 % is
    # dynamic (puma-simulator's split of ISAAC's ADC: 1.8 mW dynamic + 0.2 mW leakage)
    assert c.adc_pj_at(6, "isaac_sar", 32) == pytest.approx(0.9 * 1.5625 * 1.20 / 1.667)


def test_mapper_timing_matches_hand_calculation(arch):
    """One full 128x128 block, 8-bit inputs through 1-bit DACs: 8 slices x (100 ns read = 120 cycles +
    128 conversions = 120 cycles) + 1 shift-add = 1921 cycles (the simulator's DLRM bottom.2 crossbars)."""
    from compiler.cost.timing import ArchTiming

    assert ArchTiming(arch).block_cycles(1, 8, 128, 8) == 1921
    assert ArchTiming(arch).block_cycles(1, 8, 128, 6) == 8 * (120 + 90) + 1


def test_area_estimate_matches_rollup():
    """compiler.cost.area (no pimsim.components) vs pimsim's roll-up, presets at 32 nm: within 1 %."""
    from compiler.cost.area import chip_area_mm2
    from pimsim.components.rollup import area_rollup
    from pimsim.spec.arch import load_arch

    for name in ("default", "isaac", "puma"):
        a = load_arch(name)
        assert chip_area_mm2(a) == pytest.approx(area_rollup(a).chip_area_mm2, rel=0.01), name


def test_shelf_pack_hand_example():
    """128x128 crossbar: blocks 64 rows x 64 cols, 64x64, 32x128, 32x32 -> shelf 1 (rows 0-63) holds the two
    64x64 side by side, shelf 2 (rows 64-95) the 32x128, shelf 3 (rows 96-127) the 32x32: one crossbar."""
    from compiler.passes.optimize.pack import shelf_pack

    def blk(rows, cols):
        return {"rows": rows, "cols": cols, "slice_count": 1, "sign_columns": 1}

    bins = shelf_pack([("a", blk(64, 64)), ("b", blk(64, 64)), ("c", blk(32, 128)), ("d", blk(32, 32))], 128, 128)
    assert len(bins) == 1
    at = {o: (b["xbar_row_offset"], b["xbar_col_offset"]) for o, b in bins[0]}
    assert at == {"a": (0, 0), "b": (0, 64), "c": (64, 0), "d": (96, 0)}
    assert len(shelf_pack([("a", blk(100, 128)), ("b", blk(100, 128))], 128, 128)) == 2


def test_expand_blocks_covers_each_replica():
    """A 16-column block spread 4 ways -> 4 blocks of 4 columns; 2 replicas -> 8 blocks, 4 per replica."""
    from compiler.passes.optimize.balance import Plan, expand_blocks

    base = [{"row_start": 0, "rows": 10, "col_start": 0, "cols": 16, "slice_start": 0, "slice_count": 4,
             "sign_columns": 2}]
    p = Plan(node=None, base=base, spread=4, replicas=2)
    out = expand_blocks(p)
    assert p.crossbars == len(out) == 8
    for r in (0, 1):
        cols = sorted((b["col_start"], b["cols"]) for b in out if b["replica"] == r)
        assert cols == [(0, 4), (4, 4), (8, 4), (12, 4)]


def test_dynamic_choice_prices_both_paths(arch):
    """AutoInt attention scores: count 2, [39 x 16] x [16 x 39].  Vector: 2*39*16*39 = 48672 mul -> 1521
    passes of 32 lanes, 2*39*15*39 = 45630 add -> 1426: 2947 cycles.  Crossbar write: 16 rows x 61 cycles
    (50.3 ns) + 39 vectors x 8 slices x (120 + conversions): far slower, so the vector unit is kept."""
    from types import SimpleNamespace

    from compiler.passes.optimize.dynamic_choice import (crossbar_write_blocks, vector_path_cycles,
                                                         write_path_cycles)

    n = SimpleNamespace(shape_info={"count": 2, "m": 39, "k": 16, "n": 39}, precision={"input_bits": 8})
    assert vector_path_cycles(arch, n) == 2947
    assert write_path_cycles(arch, n, crossbar_write_blocks(arch, n)) > 10 * 2947
