"""The simulator's validation cases, each against a hand calculation.

Component numbers used (default preset, 1200 MHz clock; pimsim.components):
- crossbar read 100 ns -> 100 * 1.2 = 120 cycles; DAC drive and sample-and-hold add 0 cycles
  (they act inside the read);
- ADC 1.28 GS/s -> 0.78125 ns per conversion; n back-to-back conversions take
  ceil(n * 0.78125 * 1.2) = ceil(0.9375 n) cycles: 128 -> 120, 64 -> 60;
- shift-and-add 1 cycle; router hop 1 cycle, 32-bit flits.
Block geometry: 16 weight columns x 4 weight slices x 2 (differential) = 128 physical columns;
8-bit inputs through 1-bit DACs -> 8 input slices.
Sample-and-hold overlap (pimsim/cost/crossbar.py): slices follow each other every
interval = max(read, conversions) = max(120, 120) = 120 cycles; the crossbar is held 8 x 120 = 960
cycles, and the last slice's conversions (they start 7 x 120 + 120 = 960 cycles after the start) and the
shift-and-add (1) drain on the ADC: min(120, 120) + 1 = 121 cycles: the block's result is ready
960 + 121 = 1081 cycles after the crossbar task starts.
"""

from __future__ import annotations

import numpy as np
import pytest

from pimsim.api import simulate
from pimsim.components import build_components
from pimsim.engine.kernel import simulate_program
from pimsim.program.build import lower_mapping
from pimsim.cost.actions import Costs
from tests.pimsim.program.builders import arch_doc, chain_mapping


def run(mapping, batch=1):
    stream, table = lower_mapping(mapping, Costs.of(mapping.arch), batch)
    return stream, simulate_program(stream.program)


def phase_tasks(stream, result, prefix, query=0):
    """(start, finish, local id) of query ``query``'s tasks whose phase starts with ``prefix``."""
    tpl = stream.templates[query % len(stream.templates)]
    off = int(stream.query_offset[query])
    return [(int(result["start_cycles"][off + i]), int(result["finish_cycles"][off + i]), i)
            for i, ph in enumerate(tpl.phase) if ph.startswith(prefix)]


def test_component_numbers_the_hand_calculations_use():
    arch = chain_mapping([(0, (0, 0, 0))]).arch
    c = Costs(build_components(arch), arch=arch)
    assert (c.read_cycles, c.dac_cycles, c.sample_hold_cycles, c.shift_add_cycles) == (120, 0, 0, 1)
    assert (c.adc_cycles(128), c.adc_cycles(64), c.hop_cycles) == (120, 60, 1)


def _block(stream, res):
    """(crossbar task start, its finish, the ADC drain's start, its finish, crossbar and drain phases)."""
    (xs, xf, xi), = phase_tasks(stream, res, "mvm")
    (ds, df, di), = phase_tasks(stream, res, "adc drain")
    tpl = stream.templates[0]
    return xs, xf, ds, df, tpl.children(xi) + tpl.children(di)


def test_one_mvm_on_one_crossbar_is_exact():
    """Sample-and-hold: the per-slice interval is max(read, conversions) = max(120, 120) = 120 (not
    120 + 120): the crossbar is held 8 x 120 = 960 cycles, the drain (last 120-cycle conversion + 1
    shift-add) starts 7 x 120 + 120 = 960 cycles after the crossbar task's start and ends at 1081."""
    xs, xf, ds, df, kids = _block(*run(chain_mapping([(0, (0, 0, 0))])))
    assert (xf - xs, ds - xs, df - xs) == (960, 960, 1081)
    reads = sorted(o for o, _, n in kids if n == "read")
    assert reads == [120 * k for k in range(8)], "one read every interval"
    assert sum(d for _, d, n in kids if n == "adc") == 8 * 120 and sum(d for _, d, n in kids if n == "read") == 8 * 120
    assert (kids[-1][1], kids[-1][2]) == (1, "shift-add")


def test_per_slice_interval_is_the_slower_of_read_and_conversions():
    """2 ADCs per crossbar: 64 conversions each -> 60 cycles per slice, so the read (120) now sets the
    interval: held 8 x max(120, 60) = 960 cycles (unchanged), the drain 60 + 1 starts at 7 x 120 + 120 =
    960 -> 1021 (was 1081).  Halving the ADCs' work halves the conversion phase (960 -> 480 cycles) but
    only shortens the query by the last slice's saving (60 cycles): the array read is the bottleneck."""
    conv = []
    for arch in (arch_doc(), arch_doc(pe__adc__per_crossbar=2)):
        xs, xf, ds, df, kids = _block(*run(chain_mapping([(0, (0, 0, 0))], arch=arch)))
        conv.append((xf - xs, df - xs, sum(d for _, d, n in kids if n == "adc")))
    assert conv == [(960, 1081, 960), (960, 1021, 480)]


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
    """Each layer's crossbar is held 8 x 120 = 960 cycles per query (both layers have 128 physical columns
    and 8 input slices; the last conversions drain on the ADC while the next query's first slice is read);
    everything else per query is far shorter, so once full, the pipeline retires one query per 960 cycles:
    makespan(N) = latency(1) + (N - 1) x 960 -- the crossbar's peak rate of one slice per 100 ns."""
    placements = [(0, (0, 0, 0)), (0, (0, 1, 0))][:layers]
    base = simulate(chain_mapping(placements)).latency_cycles
    for n in (2, 3, 5):
        assert simulate(chain_mapping(placements), batch=n).makespan_cycles == base + (n - 1) * 960


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
    tasks = np.arange(stream.program.n_tasks)
    assert r.energy_total_pj == pytest.approx(float(stream.task_energy_pj(tasks).sum()) + leak, rel=1e-12)


def test_same_input_same_output():
    m = chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))])
    a, b = (simulate(m, batch=3).to_json_dict() for _ in range(2))
    a["stats"].pop("wall_s")
    b["stats"].pop("wall_s")
    assert a == b


def test_buffer_capacity_limits_pipelining():
    """Tile 0 holds v0 (128 x 8 = 1024 bits, the graph input) and v1 (16 x 8 = 128 bits) per query:
    1152 bits.  One query (tests/pimsim/test_api.py): input link 0..25, fc0 25..1134, output link
    1134..1138.  A credit reserves a value's space from its producer's start to its last reader's end:
    v0 0..1134 (1134 cycles), v1 25..1138 (1113 cycles).
    A 144-byte (1152-bit) buffer holds each once (pimsim/cost/buffers.py: 1024 + 128 = 1152), so the
    input of query q may enter only when fc0 finished query q-1: one query per 1109 + 25 = 1134 cycles.
    With 288 bytes (2304 bits) the shortest interval P with 1024 ceil(1134/P) + 128 ceil(1113/P) <= 2304
    is 567 (two credits each: 2304 bits), and the crossbar (960 cycles per query) is the bottleneck."""
    one = chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=144))
    two = chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=288))
    for n in (2, 4):
        assert simulate(one, batch=n).makespan_cycles == 1138 + (n - 1) * 1134
        assert simulate(two, batch=n).makespan_cycles == 1138 + (n - 1) * 960
