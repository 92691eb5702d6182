"""The typed figures of a run (``pimsim.report.figures``): the same numbers as the ``--json`` report, resource loads
with their class and place as fields, and the stream equations agreeing with a simulated run.

Hand-built two-layer mapping on the ``default`` preset, layers on tiles 0 and 5 (``tests/pimsim/program/
builders.py``), ungated (``power_gating: none``: every tile leaks for the whole makespan, the case
``stream_figures`` describes), 4 queries.  Tolerance ``rel=1e-12``: the two sides sum the same ~10 doubles in a
different order (rounding ~1e-15 relative); a wrong equation is off by far more.
"""

from __future__ import annotations

import pytest

from pimsim.api import chip_facts, simulate
from pimsim.components.rollup import area_rollup
from pimsim.spec.arch import arch_from_dict, load_arch
from pimsim.program.resources import RESOURCE_CLASSES
from pimsim.report.figures import stream_figures
from tests.pimsim.program.builders import arch_doc, chain_mapping

BATCH = 4


@pytest.fixture(scope="module")
def run():
    mapping = chain_mapping([(0, (0, 0, 0)), (5, (5, 0, 0))], arch=arch_doc(chip__power_gating="none"))
    return mapping, simulate(mapping, batch=BATCH)


def test_figures_are_the_json_reports_numbers(run):
    _, report = run
    fig, data = report.figures(), report.to_json_dict()
    for key in ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2",
                "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj"):
        assert getattr(fig, key) == data[key], key  # the JSON is written from the record: identical floats
    assert fig.inferences_per_s_per_w == pytest.approx(data["throughput_inferences_per_s"] / (data["power_mw"] / 1e3),
                                                       rel=1e-12)


def test_stream_figures_agree_with_the_simulated_run(run):
    mapping, report = run
    chip = chip_facts(mapping.arch)
    assert chip.leakage_mw == area_rollup(mapping.arch).chip_leakage_mw
    got = stream_figures(report.latency_cycles, report.makespan_cycles,
                         report.energy_dynamic_pj / BATCH, chip.leakage_mw, chip.clock_mhz, chip.area_mm2, BATCH)
    want = report.figures()
    for key in ("latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw", "area_mm2",
                "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj"):
        assert getattr(got, key) == pytest.approx(getattr(want, key), rel=1e-12), key


def test_io_link_energy_is_bits_moved_times_energy_per_bit(run):
    """The chip I/O link carries the graph's inputs in and outputs out; nothing else (``pimsim.program.lower``)."""
    mapping, report = run
    bits = {v.name: v.size_bits for v in mapping.values}
    moved = sum(bits[n] for n in [*mapping.inputs, *mapping.outputs])
    assert moved > 0
    assert report.energy_io_link_per_inference_pj == pytest.approx(
        moved * chip_facts(mapping.arch).io_link_pj_per_bit, rel=1e-12)
    assert report.energy_on_chip_dynamic_per_inference_pj + report.energy_io_link_per_inference_pj == pytest.approx(
        report.figures().energy_dynamic_per_inference_pj, rel=1e-12)


def test_resource_loads_carry_class_and_place(run):
    _, report = run
    assert report.busiest
    for load in report.busiest:
        assert load.resource_class in RESOURCE_CLASSES
        assert load.name == load.resource_class + "".join(f"[{k}]" for k in load.where)
    io = [load for load in report.busiest if load.resource_class == "io_link"]
    assert {load.where for load in io} <= {("in",), ("out",)} and io
    for load in io:  # one server per direction (``pimsim.program.lower``): its busy cycles per query
        assert load.cycles_per_query(report.makespan_cycles, BATCH) == pytest.approx(load.busy_cycles / BATCH,
                                                                                     rel=1e-12)


def test_chip_facts_of_a_chip_with_two_tile_kinds():
    """The I/O link is chip-level: a chip split into two tile kinds has the same link energy per bit as the one-kind
    chip (same ``chip.io_link``), and its area and leakage are the roll-up's (which sums the kinds)."""
    one = load_arch("default")
    doc = one.model_dump(mode="json")
    doc["chip"]["tile_kinds"] = [{"name": "low", "count": 32, "pe": {"adc": {"bits": 4}}},
                                 {"name": "high", "count": 32}]
    two = arch_from_dict(doc, "kinds.yaml")
    facts, rollup = chip_facts(two), area_rollup(two)
    assert facts.io_link_pj_per_bit == chip_facts(one).io_link_pj_per_bit
    assert (facts.area_mm2, facts.leakage_mw) == (rollup.chip_area_mm2, rollup.chip_leakage_mw)
    assert facts.area_mm2 < chip_facts(one).area_mm2  # half the tiles have 4-bit ADCs
