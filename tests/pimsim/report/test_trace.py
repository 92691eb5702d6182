"""The Chrome trace read back: per-track order, nesting, names, and energy that adds up to the report."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from pimsim.api import simulate
from tests.pimsim.program.builders import chain_mapping


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    path = tmp_path_factory.mktemp("trace") / "trace.json"
    mapping = chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))])
    report = simulate(mapping, batch=3, trace_path=path, trace_queries=3)
    return report, json.loads(path.read_text())


def test_tracks_are_named_and_monotonic(traced):
    _, trace = traced
    ev = trace["traceEvents"]
    names = {(e["pid"], e["tid"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    procs = {e["pid"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    by_track = defaultdict(list)
    for e in ev:
        if e["ph"] == "X":
            by_track[(e["pid"], e["tid"])].append(e)
    assert by_track and set(by_track) <= names and {p for p, _ in by_track} <= procs
    for slices in by_track.values():
        ts = [e["ts"] for e in slices]
        assert ts == sorted(ts)


def test_children_strictly_inside_parents_and_no_overlap(traced):
    """Children (read/adc phases) lie inside their crossbar slice; top-level slices never overlap on a track."""
    _, trace = traced
    by_track = defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            by_track[(e["pid"], e["tid"])].append(e)
    eps = 1e-9
    n_children = 0
    for slices in by_track.values():
        parents = [e for e in slices if "energy_pj" in e["args"]]
        for a, b in zip(parents, parents[1:]):
            assert a["ts"] + a["dur"] <= b["ts"] + eps
        for child in (e for e in slices if "energy_pj" not in e["args"]):
            n_children += 1
            assert any(p["ts"] - eps <= child["ts"] and child["ts"] + child["dur"] <= p["ts"] + p["dur"] + eps
                       for p in parents)
    assert n_children == 3 * 2 * 17, "3 queries x 2 crossbar tasks x (8 slices x (read + adc) + shift-add)"


def test_slice_energies_sum_to_the_report_total(traced):
    report, trace = traced
    slices = sum(e["args"]["energy_pj"] for e in trace["traceEvents"] if e["ph"] == "X" and "energy_pj" in e["args"])
    total = slices + trace["otherData"]["leakage_energy_pj"]
    assert total == pytest.approx(report.energy_total_pj, rel=1e-9)
    assert trace["otherData"]["traced_queries"] == 3


def test_time_is_microseconds_from_cycles_and_counters_have_units(traced):
    _, trace = traced
    clock = trace["otherData"]["clock_mhz"]
    x = next(e for e in trace["traceEvents"] if e["ph"] == "X" and e["args"].get("dur_cycles", 0) > 0)
    assert x["dur"] == pytest.approx(x["args"]["dur_cycles"] / clock)
    counters = {e["name"] for e in trace["traceEvents"] if e["ph"] == "C"}
    assert counters == {"energy_pj", "power_mw"}


def test_long_runs_of_sub_phases_are_summarised():
    """A crossbar task of 100 slices (read every 10 cycles for 4, adc 6 cycles after each read) has 200 sub-phases:
    the trace writes the first CHILDREN_SHOWN (64) and one child for the other 136, from read 32's start (320) to
    the last adc's end (99 x 10 + 4 + 6 = 1000); 65 children or fewer are written as they are."""
    from pimsim.report.trace import CHILDREN_SHOWN, _shown_children

    kids = sorted([(k * 10, 4, "read") for k in range(100)] + [(k * 10 + 4, 6, "adc") for k in range(100)])
    shown = _shown_children(kids)
    assert CHILDREN_SHOWN == 64 and shown[:64] == kids[:64]
    assert shown[64:] == [(320, 680, "136 more phases")]
    assert _shown_children(kids[:65]) == kids[:65]
