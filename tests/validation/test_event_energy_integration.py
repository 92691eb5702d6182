"""Per-action energies integrate back to ISAAC's table powers (validation V4).

Event counts come from ISAAC's dataflow (Shafiee et al. ISCA 2016; reference
2(a)), not from the models: in one 16-bit MVM an IMA runs 16 input slices of
100 ns; per slice each of its 8 crossbars is read once, each of its 8 x 128
DACs drives once, each of its 8 x 128 S+H samples once, each ADC converts
its 128 columns (8 x 128 conversions), each conversion is shift-added and
read-modify-written into the output register, and each crossbar's input
slice is read from (and, in steady state, written to) the input register.
(Event energy + leakage x 1600 ns) / 1600 ns must equal the table power:
ISAAC's table gives peak power with leakage inside, and the models move
puma-simulator's static share out of the per-action energies
(``pimsim/components/isaac_table.py``).
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
    """ADC 2 mW / 1.28 GS/s = 1.5625 pJ, of which 1.8 mW is dynamic (puma-simulator constants.py):
    1.40625 pJ per conversion + 0.2 mW leakage; DAC 3.906 uW x 100 ns = 0.3906 pJ, 90 % dynamic;
    eDRAM 20.45 pJ (CACTI) per access + 0.46 mW leakage per 64 KB; crossbar 0.3 mW x 100 ns = 30 pJ, no leakage.

    hwcomponents-library isaac.py quotes 1.667 pJ and 0.4167 pJ: the whole powers over a 1.2 GHz cycle
    instead of ISAAC's 1.28 GS/s conversion rate, i.e. exactly 1.28/1.2 = 1.0667x our whole energies.
    """
    adc, dac = comps.adc, comps.dac
    assert adc.energy_pj("convert") == pytest.approx(0.9 * 1.5625, rel=1e-12)
    assert adc.leakage_mw == pytest.approx(0.2, rel=1e-12)
    whole_adc = adc.energy_pj("convert") + adc.leakage_mw / 1.28  # mW / (conversions per ns) = pJ
    assert whole_adc * 1.28 / 1.2 == pytest.approx(1.667, rel=0.02)
    whole_dac = dac.energy_pj("drive") + dac.leakage_mw * 100.0
    assert whole_dac * 1.28 / 1.2 == pytest.approx(0.41667, rel=0.02)
    assert comps.tile_buffer.energy_pj("read") == pytest.approx(20.45, rel=1e-12)
    assert comps.tile_buffer.leakage_mw == pytest.approx(0.46, rel=1e-12)
    assert comps.crossbar.energy_pj("read") == pytest.approx(30.0, rel=1e-12)
    assert comps.crossbar.leakage_mw == 0.0


def test_v4_ima_events_integrate_to_table_powers(comps):
    """Events of one 16-slice MVM plus every instance's leakage over the same 1600 ns = ISAAC's IMA rows."""
    conversions = SLICES * XBARS * COLS
    ima = {
        "adc": (conversions * comps.adc.energy_pj("convert"), 8, 16.0),
        "dac": (SLICES * XBARS * ROWS * comps.dac.energy_pj("drive"), XBARS * ROWS, 4.0),
        "sample_hold": (SLICES * XBARS * COLS * comps.sample_hold.energy_pj("sample"), XBARS * COLS, 0.010),
        "crossbar": (SLICES * XBARS * comps.crossbar.energy_pj("read"), XBARS, 2.4),
        "shift_add": (conversions * comps.shift_add.energy_pj("add"), 4, 0.2),
        "pe_input_register": (SLICES * XBARS * (comps.pe_input_register.energy_pj("read")
                                                + comps.pe_input_register.energy_pj("write")), 1, 1.24),
        "pe_output_register": (conversions * (comps.pe_output_register.energy_pj("read")
                                              + comps.pe_output_register.energy_pj("write")), 1, 0.23),
    }
    total = 0.0
    for role, (events_pj, count, table_mw) in ima.items():
        static_pj = count * getattr(comps, role).leakage_mw * WINDOW_NS
        total += _power(events_pj + static_pj)
        assert _power(events_pj + static_pj) == pytest.approx(table_mw, rel=0.02), role
    assert total == pytest.approx(24.08, rel=0.01)


def test_v4_edram_at_full_bank_activity(comps):
    """ISAAC's 4 eDRAM banks, each accessed once per bank cycle, draw the table's 20.7 mW.

    The bank cycle (4 x 20.45 pJ / (20.7 - 0.46) mW = 4.04 ns) is derived from the published
    figures, so this checks the derivation is wired through, at the action level.
    """
    buf = comps.tile_buffer
    bank_cycle_ns = 4 * 20.45 / (20.7 - 0.46)  # dynamic part of 20.7 mW; 0.46 mW leakage (puma-simulator)
    assert buf.bank_cycle_ns == pytest.approx(bank_cycle_ns, rel=1e-12)
    accesses = 1000  # per bank, over 1000 bank cycles
    energy = buf.banks * accesses * buf.energy_pj("read") + buf.leakage_mw * accesses * bank_cycle_ns
    assert power_mw_from_energy(energy, accesses * bank_cycle_ns) == pytest.approx(20.7, rel=1e-9)
    assert buf.peak_power_mw == pytest.approx(20.7, rel=1e-9)
    assert buf.latency_cycles("read") == 5  # 4.04 ns at 1.2 GHz, rounded up


def test_peak_power_equals_energy_over_peak_interval_for_every_model(comps):
    """The roll-up's power is built from the same energies the simulator charges (no second table)."""
    for role, model in comps.items():
        expected = model.leakage_mw + sum(power_mw_from_energy(model.energy_pj(a), t)
                                          for a, t in model.peak_interval_ns.items())
        assert model.peak_power_mw == pytest.approx(expected), role
