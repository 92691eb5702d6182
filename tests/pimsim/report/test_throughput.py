"""Peer-style throughput (issue 18, item 6): steady state after the fill, and completions within a duration.

Hand values from the one-layer chain of ``tests/pimsim/program/test_validation.py`` (default preset, 1200 MHz):
its crossbar is held 8 x max(120, 120) = 960 cycles per query (sample-and-hold: the last conversions drain on
the ADC while the next query reads) and dominates every other stage, one query alone takes 1138 cycles
(``test_buffer_capacity_limits_pipelining``), and the stream retires one query per 960 cycles
(``test_stream_through_balanced_pipeline_adds_one_stage_time_per_query``), so query ``i`` completes at
``c_i = 1138 + 960 i``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pimsim.api import simulate, simulate_duration
from pimsim.cli import main
from pimsim.report.throughput import completions_within, steady_state
from pimsim.spec.mapping import mapping_from_dict, write_mapping
from tests.pimsim.program.builders import chain_mapping

CLOCK_HZ = 1200e6
STAGE = 960
LATENCY = 1138


def test_steady_state_counts_whole_replica_periods_after_the_first_completion():
    """Completions 0, 10, 11, 20, 21, 30 with period 2: the fill is c_0; N - 1 = 5 -> k = 4 (two whole
    periods), span c_4 - c_0 = 21 cycles.  Period 1: k = 5, span 30.  Period 8 > N - 1: k = N - 1 = 5."""
    c = np.array([0, 10, 11, 20, 21, 30])
    assert steady_state(c, 2).__dict__ == {"fill_completions": 1, "counted": 4, "span_cycles": 21}
    assert (steady_state(c, 1).counted, steady_state(c, 1).span_cycles) == (5, 30)
    assert steady_state(c, 8).counted == 5
    assert steady_state(c[:1], 1) is None, "one completion: no interval"
    assert steady_state(np.array([7, 7, 7]), 1) is None, "simultaneous completions: no rate"
    assert completions_within(c, 20) == 4 and completions_within(c, 9) == 1


@pytest.mark.parametrize("batch", [2, 5])
def test_balanced_pipeline_steady_rate_is_one_query_per_stage_time(batch):
    """k = N - 1 completions over (N - 1) x 960 cycles: 1200e6 / 960 = 1,250,000 queries/s exactly, while
    the whole-stream figure N / (1138 + (N - 1) x 960) x clock includes the fill."""
    r = simulate(chain_mapping([(0, (0, 0, 0))]), batch=batch)
    assert (r.steady.counted, r.steady.span_cycles) == (batch - 1, (batch - 1) * STAGE)
    assert r.throughput_steady_inferences_per_s == pytest.approx(CLOCK_HZ / STAGE, rel=1e-12)
    whole = batch / (LATENCY + (batch - 1) * STAGE) * CLOCK_HZ
    assert r.throughput_inferences_per_s == pytest.approx(whole, rel=1e-12)
    out = r.to_json_dict()
    assert out["throughput_steady_inferences_per_s"] == r.throughput_steady_inferences_per_s
    assert out["stats"]["steady_completions"] == batch - 1 and out["stats"]["steady_fill_completions"] == 1


def test_one_query_has_no_steady_rate():
    out = simulate(chain_mapping([(0, (0, 0, 0))])).to_json_dict()
    assert out["throughput_steady_inferences_per_s"] is None and out["throughput_duration_inferences_per_s"] is None


def test_two_replicas_retire_two_queries_per_stage_time():
    """Two copies of the 960-cycle stage on two crossbars (two copy groups: queries alternate): the replica
    period is 2, so batch 7 counts k = 6 completions (three periods), which span 3 x 960 cycles: 2 x 1200e6 /
    960 = 2,500,000 per s (the input link's 25 cycles per query stay below the 480 cycles per query)."""
    doc = chain_mapping([(0, (0, 0, 0))]).model_dump(mode="json")
    op = doc["operators"][0]
    op["replicas"] = 2
    op["blocks"].append(dict(op["blocks"][0], crossbar=1, replica=1))
    r = simulate(mapping_from_dict(doc, "test-mapping"), batch=7)
    assert (r.steady.counted, r.steady.span_cycles) == (6, 3 * STAGE)
    assert r.throughput_steady_inferences_per_s == pytest.approx(2 * CLOCK_HZ / STAGE, rel=1e-12)


def test_duration_counts_completions_within_the_window():
    """T = 12,000 cycles: c_i <= T for i <= (12000 - 1138) / 960 = 11.3, so 12 completions; the stream is
    sized so queries are still in flight at T (an explicit 12-query stream runs dry and is doubled)."""
    m = chain_mapping([(0, (0, 0, 0))])
    r = simulate_duration(m, 12_000, max_batch=1000)
    assert r.duration_completions == 12 and r.batch > 12
    assert r.throughput_duration_inferences_per_s == pytest.approx(12 / 12_000 * CLOCK_HZ, rel=1e-12)
    assert simulate_duration(m, 12_000, max_batch=1000, batch=12).batch == 24


def test_cli_duration_ms(tmp_path, capsys):
    """--duration-ms 0.01 = 10,000 ns = 12,000 cycles at 1200 MHz: 12 completions / 10 us = 1,200,000 per s."""
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0))]), path)
    assert main(["run", str(path), "--duration-ms", "0.01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stats"]["duration_cycles"] == 12_000 and out["stats"]["duration_completions"] == 12
    assert out["throughput_duration_inferences_per_s"] == pytest.approx(1_200_000.0, rel=1e-12)
    assert main(["run", str(path), "--duration-ms", "0.01"]) == 0
    assert "within 0.01 ms" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--duration-ms", "0.01", "--batch", "4"], "not allowed with argument"),
    (["--duration-ms", "1e9"], "must be at most 60,000"),
    (["--duration-ms", "nan"], "finite"),
])
def test_cli_duration_bad_input(tmp_path, capsys, argv, message):
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0))]), path)
    assert main(["run", str(path), *argv]) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("batch", [1, 3])
def test_adc_and_shift_add_busy_come_from_the_compact_sub_phase_record(batch):
    """The one-layer chain's block: 8 input slices x 120 conversion cycles = 960 ADC-busy cycles and 1
    shift-add cycle per query (test_validation's hand numbers), read from one SlicePhases record per task
    instead of 17 stored sub-phases.  With the sample-and-hold overlap (interval max(120, 120) = 120) the
    crossbar task holds 8 reads at k x 120 and the first 7 conversions (7 x 120 = 840 cycles), the ADC drain
    the last conversion (120) and the shift-add (1); the trace still expands them (test_trace.py)."""
    from pimsim.cost.crossbar import SliceTiming
    from pimsim.program.template import SlicePhases

    r = simulate(chain_mapping([(0, (0, 0, 0))]), batch=batch)
    assert (r.busy_cycles["adc"], r.busy_cycles["shift_add"]) == (960 * batch, batch)
    timing = SliceTiming(read_cycles=120, convert_cycles=120, shift_add_cycles=1)
    block, drain = SlicePhases(timing, 8), SlicePhases(timing, 0)
    kids = block.expand()
    assert len(kids) == 15 and kids[0] == (0, 120, "read") and kids[1] == (120, 120, "adc")
    assert [k for k in kids if k[2] == "read"][-1] == (7 * 120, 120, "read")
    assert drain.expand() == [(0, 120, "adc"), (120, 1, "shift-add")]
    assert (block.adc_cycles, block.shift_add_cycles, drain.adc_cycles, drain.shift_add_cycles) == (840, 0, 120, 1)


@pytest.mark.parametrize("read, convert, shift_add, steps, slices",
                         [(120, 120, 1, 1, 8), (120, 60, 1, 1, 3), (40, 200, 2, 1, 5), (120, 60, 1, 4, 2), (10, 0, 0, 1, 2)])
def test_compact_adc_and_shift_add_cycles_equal_the_expanded_phases(read, convert, shift_add, steps, slices):
    """busy_by_class reads adc/shift-add cycles in closed form; they equal the sums over the sub-phases the
    trace draws (SliceTiming.phases / drain_phases), and the conversions total slices x steps x convert,
    for read- and conversion-bound blocks, partial parallel read (steps 4) and a block without ADC time."""
    from pimsim.cost.crossbar import SliceTiming
    from pimsim.program.template import SlicePhases

    timing = SliceTiming(read, convert, shift_add, steps)
    for rec in (SlicePhases(timing, slices), SlicePhases(timing, 0)):
        kids = rec.expand()
        assert rec.adc_cycles == sum(d for _, d, n in kids if n == "adc")
        assert rec.shift_add_cycles == sum(d for _, d, n in kids if n == "shift-add")
    assert SlicePhases(timing, slices).adc_cycles + SlicePhases(timing, 0).adc_cycles == slices * steps * convert
