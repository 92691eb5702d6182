"""Static energy of a run: sum(leakage) x makespan, and what power gating removes (issue 17 validation).

Hand-built two-layer mapping on the ``default`` preset (64 tiles), layers on tiles 0 and 5
(``tests/pimsim/program/builders.py``).  Power gating does not change timing, so the three runs share one
makespan T and one dynamic energy.  Floats: sums of ~100 products of doubles, ``rel=1e-9`` is far above
their rounding (~1e-14) and far below any modelling difference.
"""

from __future__ import annotations

import json

import pytest

from pimsim.api import simulate
from pimsim.components.rollup import GATED_LEAKAGE_FRACTION, area_rollup
from pimsim.report.model import JSON_KEYS
from pimsim.report.summary import static_energy
from pimsim.spec.units import cycles_to_ns
from tests.pimsim.program.builders import arch_doc, chain_mapping

PLACEMENT = [(0, (0, 0, 0)), (5, (5, 0, 0))]


@pytest.fixture(scope="module")
def runs():
    out = {}
    for mode in ("none", "unused_tiles", "idle"):
        mapping = chain_mapping(PLACEMENT, arch=arch_doc(chip__power_gating=mode))
        out[mode] = (mapping, simulate(mapping, batch=2))
    return out


def test_static_energy_is_sum_of_leakage_times_makespan(runs):
    mapping, report = runs["none"]
    rollup = area_rollup(mapping.arch)
    makespan_ns = cycles_to_ns(report.makespan_cycles, mapping.arch.clock_mhz)
    assert report.energy_static_pj == pytest.approx(rollup.chip_leakage_mw * makespan_ns, rel=1e-9)
    assert sum(report.static_breakdown_pj.values()) == pytest.approx(report.energy_static_pj, rel=1e-12)
    assert report.power_static_mw == pytest.approx(rollup.chip_leakage_mw, rel=1e-9)


def test_unused_tiles_gating_removes_exactly_their_share(runs):
    """62 of 64 tiles hold nothing: each keeps its router share on and 10 % of the rest of its leakage."""
    (_, r_none), (m_gate, r_gate) = runs["none"], runs["unused_tiles"]
    assert r_gate.makespan_cycles == r_none.makespan_cycles
    assert r_gate.energy_dynamic_pj == pytest.approx(r_none.energy_dynamic_pj, rel=1e-12)
    kind = area_rollup(m_gate.arch).kinds[0]
    makespan_ns = cycles_to_ns(r_gate.makespan_cycles, m_gate.arch.clock_mhz)
    removed = (1 - GATED_LEAKAGE_FRACTION) * 62 * kind.gateable_leakage_mw * makespan_ns
    assert r_none.energy_static_pj - r_gate.energy_static_pj == pytest.approx(removed, rel=1e-9)


def test_idle_gating_charges_used_tiles_for_their_active_span_only(runs):
    """Tile t used for on_t of T: gateable leakage x (on_t + 0.1 (T - on_t)), plus one off-and-on switching of
    0.9 x gateable leakage x T_BE (14 cycles = 11.67 ns at 1.2 GHz; T/4 and T/2 are longer); less than
    unused_tiles."""
    m_idle, r_idle = runs["idle"]
    r_gate = runs["unused_tiles"][1]
    assert r_idle.energy_static_pj < r_gate.energy_static_pj
    T = cycles_to_ns(r_idle.makespan_cycles, m_idle.arch.clock_mhz)
    rollup = area_rollup(m_idle.arch)
    on = {0: T / 2, 5: T / 4}
    e = static_energy(m_idle.arch, rollup, T, {0, 5}, on).total_pj
    k = rollup.kinds[0]
    r = GATED_LEAKAGE_FRACTION
    always = (rollup.chip_level_leakage_mw + 64 * k.router_leakage_mw) * T
    gateable = k.gateable_leakage_mw * (T / 2 + r * T / 2 + T / 4 + r * 3 * T / 4 + 62 * r * T)
    be_ns = 14 / 1.2  # BREAK_EVEN_CYCLES at the default preset's 1200 MHz clock
    assert T / 4 > be_ns
    switching = 2 * (1 - r) * k.gateable_leakage_mw * be_ns
    assert e == pytest.approx(always + gateable + switching, rel=1e-9)
    assert static_energy(m_idle.arch, rollup, T, {0, 5}, on).by_role_pj["power_gating"] == pytest.approx(
        switching, rel=1e-12)


def test_idle_gating_keeps_a_tile_on_through_an_off_period_shorter_than_break_even(runs):
    """A tile off for 5 ns (< T_BE = 11.67 ns) is not gated: switching would cost more than it saves, so it
    leaks fully for the whole T (on_t + 0.1 x 5 ns + 0.9 x 5 ns = T), as under unused_tiles."""
    m_idle = runs["idle"][0]
    rollup = area_rollup(m_idle.arch)
    T = 1000.0
    short = static_energy(m_idle.arch, rollup, T, {0}, {0: T - 5.0}).total_pj
    whole = static_energy(m_idle.arch, rollup, T, {0}, {0: T}).total_pj
    assert short == pytest.approx(whole, rel=1e-12)


def test_json_report_splits_dynamic_and_static(runs):
    _, report = runs["unused_tiles"]
    data = report.to_json_dict()
    assert set(JSON_KEYS) <= set(data)
    assert sum(data["energy_breakdown_pj"].values()) == pytest.approx(data["energy_per_inference_pj"], rel=1e-12)
    assert data["energy_dynamic_per_inference_pj"] + data["energy_static_per_inference_pj"] == pytest.approx(
        data["energy_per_inference_pj"], rel=1e-12)
    assert sum(data["static_energy_breakdown_pj"].values()) == pytest.approx(
        data["energy_static_per_inference_pj"], rel=1e-12)
    assert data["power_dynamic_mw"] + data["power_static_mw"] == pytest.approx(data["power_mw"], rel=1e-12)
    assert data["power_gating"] == "unused_tiles"
    assert data["compute_area_mm2"] < data["area_mm2"]
    json.dumps(data, allow_nan=False)  # finite everywhere
