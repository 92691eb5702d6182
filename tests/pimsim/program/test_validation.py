"""The simulator's validation cases, each against a hand calculation.

Component numbers used (default preset, 1200 MHz clock; pimsim.components):
- crossbar read 100 ns -> 100 * 1.2 = 120 cycles; DAC drive and sample-and-hold add 0 cycles
  (they act inside the read);
- ADC 1.28 GS/s -> 0.78125 ns per conversion; n back-to-back conversions take
  ceil(n * 0.78125 * 1.2) = ceil(0.9375 n) cycles: 128 -> 120, 64 -> 60;
- shift-and-add 1 cycle; router hop 1 cycle, 32-bit flits.
Block geometry: 16 weight columns x 4 weight slices x 2 (differential) = 128 physical columns;
8-bit inputs through 1-bit DACs -> 8 input slices.
"""

from __future__ import annotations

import pytest

from pimsim.api import simulate
from pimsim.components import build_components
from pimsim.engine.kernel import simulate_program
from pimsim.program.build import lower_mapping
from pimsim.program.costs import Costs
from tests.pimsim.program.builders import arch_doc, chain_mapping


def run(mapping, batch=1):
    stream, table = lower_mapping(mapping, Costs(build_components(mapping.arch)), batch)
    return stream, simulate_program(stream.program)


def phase_tasks(stream, result, prefix, query=0):
    """(start, finish, local id) of query ``query``'s tasks whose phase starts with ``prefix``."""
    tpl = stream.templates[query % len(stream.templates)]
    off = int(stream.query_offset[query])
    return [(int(result["start_cycles"][off + i]), int(result["finish_cycles"][off + i]), i)
            for i, ph in enumerate(tpl.phase) if ph.startswith(prefix)]


def test_component_numbers_the_hand_calculations_use():
    c = Costs(build_components(chain_mapping([(0, (0, 0, 0))]).arch))
    assert (c.read_cycles, c.dac_cycles, c.sample_hold_cycles, c.shift_add_cycles) == (120, 0, 0, 1)
    assert (c.adc_cycles(128), c.adc_cycles(64), c.hop_cycles) == (120, 60, 1)


def test_one_mvm_on_one_crossbar_is_exact():
    """latency = input slices x (crossbar read + columns-per-ADC x ADC conversion) + shift-add
    = 8 x (120 + 120) + 1 = 1921 cycles, from the crossbar task's start to the shift-add's end."""
    stream, res = run(chain_mapping([(0, (0, 0, 0))]))
    (xs, xf, xi), = phase_tasks(stream, res, "mvm")
    assert xf - xs == 1921
    kids = stream.templates[0].children(xi)
    assert sum(d for _, d, n in kids if n == "adc") == 8 * 120 and sum(d for _, d, n in kids if n == "read") == 8 * 120
    assert kids[-1] == (8 * 240, 1, "shift-add")


def test_doubling_adcs_halves_the_conversion_phase():
    """2 ADCs per crossbar: 64 conversions each -> 60 cycles per slice: 8 x (120 + 60) = 1440 (was 1920);
    the conversion phase goes from 8 x 120 = 960 to 8 x 60 = 480 cycles (+1 shift-add cycle either way)."""
    one = run(chain_mapping([(0, (0, 0, 0))]))
    two = run(chain_mapping([(0, (0, 0, 0))], arch=arch_doc(pe__adc__per_crossbar=2)))
    conv = []
    for stream, res in (one, two):
        (xs, xf, xi), = phase_tasks(stream, res, "mvm")
        conv.append(sum(d for _, d, n in stream.templates[0].children(xi) if n == "adc"))
    assert conv == [960, 480]
    (xs, xf, _), = phase_tasks(*two, "mvm")
    assert xf - xs == 1440 + 1


def test_two_layers_on_two_tiles_differ_by_exactly_the_noc_transfer():
    """fc1's 16 x 8 = 128-bit output crosses one hop (tile 0 -> tile 1, mesh neighbours):
    1 hop x 1 cycle + ceil(128 / 32) = 4 flit cycles = 5 cycles between fc0's end and fc1's start,
    0 when both layers sit on tile 0.  End to end the two-tile chain also sends the 128-bit graph
    output back to the I/O port at tile 0 (another 5 cycles): 10 cycles in all."""
    same = simulate(chain_mapping([(0, (0, 0, 0)), (0, (0, 1, 0))]))
    apart = simulate(chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))]))
    gap = [r.operators[1][1] - r.operators[0][2] for r in (same, apart)]
    assert gap == [0, 5]
    assert apart.latency_cycles - same.latency_cycles == 10


@pytest.mark.parametrize("layers", [1, 2])
def test_stream_through_balanced_pipeline_adds_one_stage_time_per_query(layers):
    """Each layer's crossbar task takes 1921 cycles (both layers have 128 physical columns and 8 input
    slices); everything else per query is far shorter, so once full, the pipeline retires one query per
    1921 cycles: makespan(N) = latency(1) + (N - 1) x 1921, i.e. (N + k - 1) stage times plus the
    short non-bottleneck stages of the first query."""
    placements = [(0, (0, 0, 0)), (0, (0, 1, 0))][:layers]
    base = simulate(chain_mapping(placements)).latency_cycles
    for n in (2, 3, 5):
        assert simulate(chain_mapping(placements), batch=n).makespan_cycles == base + (n - 1) * 1921


def test_energy_is_the_sum_of_event_energies_and_matches_hand_counts():
    """One query, one block: 8 slices x 128 columns = 1024 ADC conversions and S+H samples,
    8 x 128 rows = 1024 DAC drives, 8 full-array reads (block uses all 128 x 128 cells)."""
    m = chain_mapping([(0, (0, 0, 0))])
    comps = build_components(m.arch)
    r = simulate(m)
    e = r.energy_breakdown_pj
    assert e["adc"] == pytest.approx(1024 * comps.adc.energy_pj("convert"), rel=1e-12)
    assert e["sample_hold"] == pytest.approx(1024 * comps.sample_hold.energy_pj("sample"), rel=1e-12)
    assert e["dac"] == pytest.approx(1024 * comps.dac.energy_pj("drive"), rel=1e-12)
    assert e["crossbar"] == pytest.approx(8 * comps.crossbar.energy_pj("read"), rel=1e-12)
    stream, _ = run(m)
    leak = e["leakage"]
    assert r.energy_total_pj == pytest.approx(float(stream.energy_pj.sum()) + leak, rel=1e-12)


def test_same_input_same_output():
    m = chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))])
    a, b = (simulate(m, batch=3).to_json_dict() for _ in range(2))
    a["stats"].pop("wall_s")
    b["stats"].pop("wall_s")
    assert a == b


def test_buffer_capacity_limits_pipelining():
    """Tile 0 holds v0 (128 x 8 = 1024 bits) and v1 (16 x 8 = 128 bits) per query: 1152 bits.
    A 144-byte (1152-bit) buffer has one query slot, so fc0 may start query q only when query q-1's
    output has left the chip: one query per (latency - input transfer) = 1978 - 25 = 1953 cycles
    (latency by hand in tests/pimsim/test_api.py).  With 288 bytes (two slots) the crossbar
    (1921 cycles per query) is the bottleneck again."""
    one = chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=144))
    two = chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=288))
    for n in (2, 4):
        assert simulate(one, batch=n).makespan_cycles == 1978 + (n - 1) * 1953
        assert simulate(two, batch=n).makespan_cycles == 1978 + (n - 1) * 1921
