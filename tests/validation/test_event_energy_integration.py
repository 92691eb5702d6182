"""Per-action energies integrate back to ISAAC's table powers (validation V4).

Event counts come from ISAAC's dataflow (Shafiee et al. ISCA 2016; reference
2(a)), not from the models: in one 16-bit MVM an IMA runs 16 input slices of
100 ns; per slice each of its 8 crossbars is read once, each of its 8 x 128
DACs drives once, each of its 8 x 128 S+H samples once, each ADC converts
its 128 columns (8 x 128 conversions), each conversion is shift-added and
read-modify-written into the output register, and each crossbar's input
slice is read from (and, in steady state, written to) the input register.
Energy / 1600 ns must equal the table power.
"""

from __future__ import annotations

import pytest

from pimsim.components import build_components
from pimsim.spec.arch import load_arch
from pimsim.spec.units import power_mw_from_energy

SLICES, XBARS, ROWS, COLS = 16, 8, 128, 128
WINDOW_NS = SLICES * 100.0


@pytest.fixture(scope="module")
def comps():
    return build_components(load_arch("isaac"))


def _power(energy_pj: float) -> float:
    return power_mw_from_energy(energy_pj, WINDOW_NS)


def test_v4_per_action_energies(comps):
    """ADC 2 mW / 1.28 GS/s = 1.5625 pJ; DAC 3.906 uW x 100 ns = 0.3906 pJ; eDRAM 20.45 pJ (CACTI).

    hwcomponents-library isaac.py quotes 1.667 pJ and 0.4167 pJ: the same powers over a
    1.2 GHz cycle instead of ISAAC's 1.28 GS/s conversion rate, i.e. exactly 1.28/1.2 = 1.0667x ours.
    """
    assert comps.adc.energy_pj("convert") == pytest.approx(1.5625, rel=1e-6)
    assert comps.adc.energy_pj("convert") * 1.28 / 1.2 == pytest.approx(1.667, rel=0.02)
    assert comps.dac.energy_pj("drive") * 1.28 / 1.2 == pytest.approx(0.41667, rel=0.02)
    assert comps.tile_buffer.energy_pj("read") == pytest.approx(20.45, rel=0.02)
    assert comps.crossbar.energy_pj("read") == pytest.approx(30.0, rel=1e-6)  # 0.3 mW x 100 ns


def test_v4_ima_events_integrate_to_table_powers(comps):
    conversions = SLICES * XBARS * COLS
    ima = {
        "adc": (conversions * comps.adc.energy_pj("convert"), 16.0),
        "dac": (SLICES * XBARS * ROWS * comps.dac.energy_pj("drive"), 4.0),
        "sample_hold": (SLICES * XBARS * COLS * comps.sample_hold.energy_pj("sample"), 0.010),
        "crossbar": (SLICES * XBARS * comps.crossbar.energy_pj("read"), 2.4),
        "shift_add": (conversions * comps.shift_add.energy_pj("add"), 0.2),
        "pe_input_register": (SLICES * XBARS * (comps.pe_input_register.energy_pj("read")
                                                + comps.pe_input_register.energy_pj("write")), 1.24),
        "pe_output_register": (conversions * (comps.pe_output_register.energy_pj("read")
                                              + comps.pe_output_register.energy_pj("write")), 0.23),
    }
    for role, (energy, table_mw) in ima.items():
        assert _power(energy) == pytest.approx(table_mw, rel=0.02), role
    assert sum(_power(e) for e, _ in ima.values()) == pytest.approx(24.08, rel=0.01)


def test_v4_edram_at_full_bank_activity(comps):
    """ISAAC's 4 eDRAM banks, each accessed once per bank cycle, draw the table's 20.7 mW.

    The bank cycle (4 x 20.45 pJ / 20.7 mW = 3.95 ns) is derived from the two published
    figures, so this checks the derivation is wired through, at the action level.
    """
    buf = comps.tile_buffer
    bank_cycle_ns = 4 * 20.45 / 20.7
    accesses = 1000  # per bank, over 1000 bank cycles
    energy = buf.banks * accesses * buf.energy_pj("read")
    assert power_mw_from_energy(energy, accesses * bank_cycle_ns) == pytest.approx(20.7, rel=0.01)
    assert buf.peak_power_mw == pytest.approx(20.7, rel=0.01)
    assert buf.latency_cycles("read") == 5  # 3.95 ns at 1.2 GHz, rounded up


def test_peak_power_equals_energy_over_peak_interval_for_every_model(comps):
    """The roll-up's power is built from the same energies the simulator charges (no second table)."""
    for role, model in comps.items():
        expected = model.leakage_mw + sum(power_mw_from_energy(model.energy_pj(a), t)
                                          for a, t in model.peak_interval_ns.items())
        assert model.peak_power_mw == pytest.approx(expected), role
