"""Issue 17 phase 2: partial parallel read, shared ADC banks and table ADCs as the simulator executes them, each
against a hand calculation.

Numbers (default preset unless said; tests/pimsim/program/test_validation.py derives them): 1200 MHz; a
crossbar read 120 cycles; one 128-row x 16-column block of 8-bit weights is 128 physical columns (4 two-bit
slices x 2 differential columns) on the crossbar's one ADC; 8-bit inputs through 1-bit DACs are 8 slices.
Per sensing step: interval = max(read, conversions), a slice of S steps holds the crossbar S x interval
(pimsim/cost/crossbar.py).  Every cycle count is an integer the simulator computes exactly; energies are sums
of at most a few thousand float64 terms of like sign, so rel=1e-12 is far above their rounding (about 1e-13).
"""

from __future__ import annotations

import numpy as np
import pytest

from pimsim.api import simulate
from pimsim.cost.actions import Costs
from pimsim.program.build import lower_mapping
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import mapping_from_dict
from tests.pimsim.program.builders import arch_doc, mvm
from tests.pimsim.program.test_execution_model import BLOCK, _doc, token_mapping
from tests.pimsim.program.test_validation import phase_tasks, run


def _mvm_children(stream, res):
    (_, _, xi), = phase_tasks(stream, res, "mvm")
    return stream.templates[0].children(xi)


@pytest.mark.parametrize("rows_per_read, steps", [(128, 1), (64, 2), (32, 4)])
def test_partial_parallel_read_hand_calculation(rows_per_read, steps):
    """One 128-row block, m = 1 vector = 8 slices.  rows_per_read r: S = 128 / r sensing steps per slice, each
    reading r rows (120 cycles) and converting all 128 columns (128 x 0.78125 ns = 100 ns = 120 cycles), so
    the crossbar is held 8 x S x 120 cycles and performs 8 x S reads and 8 x S x 128 conversions: halving r
    doubles both.  Energy: conversions, S+H samples, shift-adds and output-register words are per conversion
    (x S); the cell energy is per cell read (unchanged: each of the 128 x 128 cells once per slice) and each
    row is driven once per slice (DAC unchanged)."""
    base = simulate(token_mapping(1, m=1))
    arch = arch_doc(pe__crossbar__rows_per_read=rows_per_read)
    mapping = token_mapping(1, m=1, arch=arch)
    stream, res = run(mapping)
    kids = _mvm_children(stream, res)
    assert sum(1 for _, _, n in kids if n == "read") == 8 * steps
    (xs, xf, _), = phase_tasks(stream, res, "mvm")
    assert xf - xs == 8 * steps * 120
    e, e1 = simulate(mapping).energy_breakdown_pj, base.energy_breakdown_pj
    for role in ("adc", "sample_hold", "shift_add", "pe_output_register"):
        assert e[role] == pytest.approx(steps * e1[role], rel=1e-12), role
    for role in ("crossbar", "dac"):
        assert e[role] == pytest.approx(e1[role], rel=1e-12), role


def _two_block_mapping(crossbars, arch):
    """One 128 x 32 mvm in two 16-column blocks, on crossbars ``crossbars`` of PE 0 of tile 0; m = 1."""
    blocks = [dict(BLOCK, tile=0, pe=0, crossbar=xb, col_start=16 * j) for j, xb in enumerate(crossbars)]
    values = [{"name": "x", "shape": [1, 128], "bits": 8}, {"name": "y", "shape": [1, 32], "bits": 8}]
    op = {"kind": "mvm", "name": "fc", "op_type": "pim.LinearMVM", "inputs": ["x"], "outputs": ["y"], "tile": 0,
          "precision": {"weight_bits": 8, "input_bits": 8, "output_bits": 8, "adc_bits": 8},
          "m": 1, "k": 128, "n": 32, "blocks": blocks}
    return mapping_from_dict(_doc(values, [op], ["x"], ["y"], arch), "test-mapping")


def _conversion_cycles(mapping):
    stream, res = run(mapping)
    out = []
    for _, _, xi in phase_tasks(stream, res, "mvm"):
        convs = [d for _, d, n in stream.templates[0].children(xi) if n == "adc"]
        out.append(convs[0])
    return out


def test_two_crossbars_on_one_adc_bank_take_twice_the_conversion_time():
    """A 640 MS/s ADC (1.5625 ns per 8-bit conversion) shared by 2 crossbars: crossbars 0 and 1 are one bank,
    crossbar 2 another.  A block's 128 columns alone take 128 x 1.5625 = 200 ns = 240 cycles per step; with
    the operator's other block on the same bank, the bank converts 2 x 128 columns per step: 400 ns = 480
    cycles, twice; the crossbar then accepts a slice every max(120, 480) = 480 cycles (8 slices: 3840)."""
    shared = arch_doc(pe__adc__sample_rate_msps=640.0, pe__adc__shared_by_crossbars=2)
    assert _conversion_cycles(_two_block_mapping([0, 2], shared)) == [240, 240]
    assert _conversion_cycles(_two_block_mapping([0, 1], shared)) == [480, 480]
    stream, res = run(_two_block_mapping([0, 1], shared))
    assert [f - s for s, f, _ in phase_tasks(stream, res, "mvm")] == [8 * 480, 8 * 480]
    own = arch_doc(pe__adc__sample_rate_msps=640.0)  # one bank per crossbar: no serialisation
    assert _conversion_cycles(_two_block_mapping([0, 1], own)) == [240, 240]


def _two_operators(xbar_a, xbar_b, arch):
    """Two independent 128 x 16 mvms ``a`` and ``b`` reading the same input x (m = 1), each one block on
    crossbar ``xbar_a`` / ``xbar_b`` of PE 0 of tile 0."""
    values = [{"name": "x", "shape": [1, 128], "bits": 8}, {"name": "ya", "shape": [1, 16], "bits": 8},
              {"name": "yb", "shape": [1, 16], "bits": 8}]
    ops = [mvm("a", "x", "ya", 128, 16, 0, [(0, 0, xbar_a)]), mvm("b", "x", "yb", 128, 16, 0, [(0, 0, xbar_b)])]
    return mapping_from_dict(_doc(values, ops, ["x"], ["ya", "yb"], arch), "test-mapping")


SHARED_BY_2 = arch_doc(pe__adc__sample_rate_msps=640.0, pe__adc__shared_by_crossbars=2)


def test_two_operators_on_one_adc_bank_take_twice_the_conversion_time():
    """640 MS/s ADC shared by 2 crossbars (banks {0, 1}, {2, 3}, ...).  Each operator alone: 8 slices of 128
    conversions x 1.5625 ns = 200 ns = 240 cycles per slice (> the 120-cycle read), so its crossbar is held
    8 x 240 = 1920 cycles.  Operator b's operand broadcast follows a's on the tile's bus: 128 rows x 8 bits =
    1024 bits over the 384-bit bus = ceil(2.67) = 3 cycles, so a's crossbar starts at s and b's is ready at
    s + 3.  On one bank (crossbars 0 and 1) b waits for the bank that a holds for its 1920 cycles: b runs
    s + 1920 .. s + 3840, both done after 2 x 1920 cycles, twice one operator's conversion time.  On separate
    banks (crossbars 0 and 2) b runs at s + 3 .. s + 1923, no wait."""
    stream, res = run(_two_operators(0, 1, SHARED_BY_2))
    (a0, a1, _), (b0, b1, _) = phase_tasks(stream, res, "mvm")
    assert (a1 - a0, b0 - a0, b1 - a0) == (1920, 1920, 2 * 1920)
    (k0, k1, _), (h0, h1, _) = phase_tasks(stream, res, "adc bank")
    assert (k0, k1, h0, h1) == (a0, a1, b0, b1)  # each run holds the bank exactly while its crossbar reads
    stream, res = run(_two_operators(0, 2, SHARED_BY_2))
    (a0, a1, _), (b0, b1, _) = phase_tasks(stream, res, "mvm")
    assert (a1 - a0, b0 - a0, b1 - a0) == (1920, 3, 3 + 1920)
    assert phase_tasks(stream, res, "adc bank") == []


def test_one_operator_owning_a_bank_gets_no_bank_task():
    """The same-operator model is unchanged when one operator owns the bank: its two blocks on crossbars 0 and 1
    run in lock-step (480 cycles per slice, test above) and no ``adc bank`` task is added."""
    stream, res = run(_two_block_mapping([0, 1], SHARED_BY_2))
    assert phase_tasks(stream, res, "adc bank") == []


def test_two_copy_groups_on_one_bank_serialise_alternate_queries():
    """replicas = 2, copies_per_query = 1: queries alternate between the copies on crossbars 0 and 1 (one bank).
    Each query's run holds the bank 1920 cycles (as above), so query 1's run starts when query 0's ends even
    though its crossbar is free: its start is query 0's + 1920.  With the copies on crossbars 0 and 2 (two
    banks) query 1 reads as soon as its operands are there, before query 0 ends."""
    def copies(xbars):
        doc = token_mapping(1, m=1, arch=SHARED_BY_2).model_dump(mode="json")
        op = doc["operators"][0]
        op["replicas"], op["copies_per_query"] = 2, 1
        op["blocks"] = [dict(op["blocks"][0], crossbar=xb, replica=r) for r, xb in enumerate(xbars)]
        return mapping_from_dict(doc, "test-mapping")

    stream, res = run(copies([0, 1]), batch=2)
    (q0, _, _), = phase_tasks(stream, res, "mvm", query=0)
    (q1, _, _), = phase_tasks(stream, res, "mvm", query=1)
    assert q1 - q0 == 1920
    stream, res = run(copies([0, 2]), batch=2)
    (q0, _, _), = phase_tasks(stream, res, "mvm", query=0)
    (q1, _, _), = phase_tasks(stream, res, "mvm", query=1)
    assert q1 - q0 < 1920


@pytest.mark.parametrize("xbars", [(0, 1), (0, 2)])
def test_bank_contention_kernel_equals_its_twin(xbars):
    """The numba kernel and the pure-Python twin (``pimsim.engine.reference``) give the same event log and
    times on the bank-contended program (start-to-start edges from the ``adc bank`` tasks), 4 queries."""
    from pimsim.engine.kernel import simulate_program
    from pimsim.engine.reference import simulate_program_reference

    mapping = _two_operators(*xbars, SHARED_BY_2)
    stream, _ = lower_mapping(mapping, Costs.of(mapping.arch), 4)
    got, ref = simulate_program(stream.program, log=True), simulate_program_reference(stream.program, log=True)
    for key in ("start_cycles", "finish_cycles"):
        np.testing.assert_array_equal(got[key], ref[key])
    for a, b in zip(got["log"], ref["log"]):
        np.testing.assert_array_equal(a, b)


TABLE = [{"bits": 4, "energy_pj": 1.0, "area_um2": 100.0, "conversion_ns": 2.0, "leakage_mw": 0.0},
         {"bits": 8, "energy_pj": 4.0, "area_um2": 400.0, "conversion_ns": 8.0, "leakage_mw": 0.0}]


@pytest.mark.parametrize("adc_bits, cycles, energy_pj", [
    (8, 1229, 4.0),  # a listed point: 128 x 8 ns = 1024 ns = 1228.8 cycles -> 1229
    (4, 308, 1.0),   # a listed point: 128 x 2 ns = 256 ns = 307.2 cycles -> 308
    (6, 615, 2.0),   # between: geometric, sqrt(2 x 8) = 4 ns (512 ns = 614.4 -> 615), sqrt(1 x 4) = 2 pJ
])
def test_table_adc_prices_conversions_from_its_table(adc_bits, cycles, energy_pj):
    """A table ADC (points 4 b and 8 b): 128 conversions per slice take ceil(128 x t ns x 1.2 cycles/ns) at
    1200 MHz (rounded once per step); 8 slices of 128 conversions cost 1024 x E pJ."""
    arch = arch_doc(pe__adc={"bits": 8, "per_crossbar": 1, "model": "table", "table": TABLE})
    mapping = token_mapping(1, m=1, arch=arch)
    doc = mapping.model_dump(mode="json")
    doc["operators"][0]["precision"]["adc_bits"] = adc_bits
    mapping = mapping_from_dict(doc, "test-mapping")
    assert _conversion_cycles(mapping) == [cycles]
    assert simulate(mapping).energy_breakdown_pj["adc"] == pytest.approx(1024 * energy_pj, rel=1e-12)


def test_adc_bits_below_a_table_is_refused():
    arch = arch_doc(pe__adc={"bits": 8, "per_crossbar": 1, "model": "table", "table": TABLE})
    doc = token_mapping(1, m=1, arch=arch).model_dump(mode="json")
    doc["operators"][0]["precision"]["adc_bits"] = 3
    with pytest.raises(SpecError, match="precision.adc_bits=3: the ADC of tile 0 converts 4-8 bits"):
        simulate(mapping_from_dict(doc, "test-mapping"))


LOW_TABLE = [{"bits": 2, "energy_pj": 0.25, "area_um2": 50.0, "conversion_ns": 0.5, "leakage_mw": 0.0},
             {"bits": 4, "energy_pj": 0.5, "area_um2": 100.0, "conversion_ns": 1.0, "leakage_mw": 0.0}]


def _kinds_mapping(tile, adc_bits):
    """The one-block token mapping (8 slices of 128 conversions) on ``tile`` of a chip of two kinds: tiles 0-31
    a 4-bit table ADC (LOW_TABLE), tiles 32-63 the 8-bit table ADC (TABLE)."""
    from pimsim.spec.arch import arch_from_dict

    arch = arch_doc(pe__adc={"bits": 8, "per_crossbar": 1, "model": "table", "table": TABLE})
    arch["chip"]["tile_kinds"] = [
        {"name": "low", "count": 32, "pe": {"adc": {"bits": 4, "model": "table", "table": LOW_TABLE}}},
        {"name": "high", "count": 32}]
    doc = token_mapping(1, m=1).model_dump(mode="json")
    doc["arch"], doc["arch_sha256"] = arch, arch_from_dict(arch, "arch").sha256()
    op = doc["operators"][0]
    op["precision"]["adc_bits"], op["tile"] = adc_bits, tile
    for b in op["blocks"]:
        b["tile"] = tile
    return mapping_from_dict(doc, "test-mapping")


@pytest.mark.parametrize("tile, adc_bits, cycles, energy_pj", [
    (0, 4, 154, 0.5),    # low kind, its own table: 128 x 1 ns = 128 ns = 153.6 cycles -> 154; 0.5 pJ each
    (32, 4, 308, 1.0),   # high kind at 4 bits: 128 x 2 ns = 256 ns = 307.2 -> 308; 1 pJ each
    (32, 8, 1229, 4.0),  # high kind at 8 bits: 128 x 8 ns = 1024 ns = 1228.8 -> 1229; 4 pJ each
])
def test_each_tile_is_priced_by_its_kind(tile, adc_bits, cycles, energy_pj):
    """The same 4-bit block converts twice as fast and at half the energy on the low kind's 4-bit ADC as on
    the high kind's 8-bit ADC read at 4 bits (the tables' own points; 1200 MHz, rounded once per step);
    8 slices of 128 conversions cost 1024 x E pJ."""
    mapping = _kinds_mapping(tile, adc_bits)
    assert _conversion_cycles(mapping) == [cycles]
    assert simulate(mapping).energy_breakdown_pj["adc"] == pytest.approx(1024 * energy_pj, rel=1e-12)


def test_an_8_bit_block_on_the_4_bit_kind_is_refused():
    with pytest.raises(SpecError, match="operator tok: precision.adc_bits=8: the ADC of tile 0 converts 2-4 bits"):
        _kinds_mapping(0, 8)
