"""The build_components contract the simulator relies on (pimsim/components/__init__.py)."""

from __future__ import annotations

import dataclasses

import pytest

from pimsim.components import ComponentError, build_components, instances
from pimsim.spec.arch import PRESETS, load_arch
from pimsim.spec.mapping import VECTOR_OP_CLASSES

CONTRACT = {
    "crossbar": {"read", "write_row"},
    "dac": {"drive"},
    "sample_hold": {"sample"},
    "adc": {"convert"},
    "shift_add": {"add"},
    "pe_input_register": {"read", "write"},
    "pe_output_register": {"read", "write"},
    "tile_buffer": {"read", "write"},
    "bus": {"transfer_bit"},
    "router": {"hop"},
    "vector_unit": set(VECTOR_OP_CLASSES),
    "embedding_storage": {"read_bit"},
    "io_link": {"transfer_bit"},
}


@pytest.mark.parametrize("preset", PRESETS)
def test_every_role_has_its_actions_with_positive_energy(preset):
    comps = build_components(load_arch(preset))
    for role, actions in CONTRACT.items():
        model = getattr(comps, role)
        assert set(model.actions) == actions, role
        for a in actions:
            if role == "io_link" and model.leakage_mw == pytest.approx(model.peak_power_mw):
                assert model.energy_pj(a) == 0.0  # an always-on SerDes: all its power is static
            else:
                assert model.energy_pj(a) > 0, (role, a)
            assert model.latency_cycles(a) >= 0
        assert model.source and model.model_name


def test_unknown_action_is_an_error_not_zero():
    comps = build_components(load_arch("isaac"))
    with pytest.raises(ComponentError, match="no action 'write'"):
        comps.adc.energy_pj("write")
    with pytest.raises(ComponentError):
        comps.crossbar.latency_cycles("convert")


def test_adc_serial_conversions_round_up_once():
    """128 conversions at 1.28 GS/s = 100 ns = 120 cycles at 1.2 GHz (hand calculation)."""
    adc = build_components(load_arch("isaac")).adc
    assert adc.latency_cycles("convert") == 1  # 0.78 ns -> 1 cycle
    assert adc.cycles_for_conversions(128) == 120
    assert adc.cycles_for_conversions(0) == 0


def test_vector_unit_cycles_use_lanes():
    vu = build_components(load_arch("default")).vector_unit
    assert vu.lanes == 32
    assert vu.cycles_for_elements(33, "add") == 2
    assert vu.cycles_for_elements(32, "div") == 8  # 8-bit restoring division: 8 cycles


def test_instances_router_is_shared_by_four_tiles():
    inst = instances(load_arch("isaac"))
    assert inst["router"] == ("tile", 0.25)
    assert inst["dac"] == ("pe", 8 * 128)


def test_models_are_frozen():
    comps = build_components(load_arch("isaac"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        comps.adc.area_um2 = 1.0
    with pytest.raises(TypeError):
        comps.adc.energies_pj["convert"] = 0.0
