"""Component models against the figures they cite (hand calculations in each docstring)."""

from __future__ import annotations


import pytest

from pimsim.components import build_components
from pimsim.components.adc_laws import adc_cost
from pimsim.components.digital import vector_op_energies_pj
from pimsim.components.memory import buffer_cost
from pimsim.components.scaling import energy_factor
from pimsim.spec.arch import arch_variant, load_arch


def test_vector_ops_follow_horowitz_at_45nm():
    """Horowitz ISSCC 2014 (45 nm): 8-bit add 0.03 pJ, 32-bit add 0.1 pJ, 8-bit mul 0.2 pJ, 32-bit mul 3.1 pJ."""
    back = 1.0 / energy_factor(45, 32)
    e8, e32 = vector_op_energies_pj(8, 32), vector_op_energies_pj(32, 32)
    assert e8["add"] * back == pytest.approx(0.03) and e32["add"] * back == pytest.approx(0.1)
    assert e8["mul"] * back == pytest.approx(0.2) and e32["mul"] * back == pytest.approx(3.1)
    assert e8["div"] == pytest.approx(8 * e8["add"])


def test_vector_nonlinear_is_isaac_sigmoid():
    """ISAAC Table 6: 2 sigmoid units 0.52 mW at 1.2 GHz -> 0.2167 pJ per 16-bit evaluation, of which 90 % is
    dynamic (puma-simulator act_pow_dyn 0.234 of 0.26 mW); the lane leaks the other 0.026 mW."""
    assert vector_op_energies_pj(16, 32)["nonlinear"] == pytest.approx(0.9 * 0.52 / 2 / 1.2)
    vu = build_components(load_arch("isaac")).vector_unit
    assert vu.leakage_mw == pytest.approx(2 * 0.026)
    assert vu.peak_power_mw == pytest.approx(0.52)


def test_sram_energy_grows_with_sqrt_capacity():
    """Horowitz ISSCC 2014: 64-bit SRAM access 10 pJ at 8 KB, 20 pJ at 32 KB (45 nm)."""
    e8k, _, leak8k, _ = buffer_cost("sram", 45, 8192, 64)
    e32k, _, _, _ = buffer_cost("sram", 45, 32768, 64)
    assert e8k == pytest.approx(10.0) and e32k == pytest.approx(20.0)
    # leakage: puma-simulator 0.33 mW per 2 KB at 32 nm, x node*Vdd from 32 to 45 nm = (45 x 1.0)/(32 x 0.9)
    assert leak8k == pytest.approx(0.33 * 4 * 45 * 1.0 / (32 * 0.9))


def test_router_and_bus_reproduce_isaac_powers():
    """ISAAC Table 6: router 42 mW (8 ports, 1 flit per port per 1.2 GHz cycle), bus 7 mW (384 wires).
    Static shares from puma-simulator: router 1.04 of 52.52 mW, bus 1 of 7 mW."""
    c = build_components(load_arch("isaac"))
    leak_frac = 1.04 / 52.52
    assert c.router.energy_pj("hop") == pytest.approx((1 - leak_frac) * 42.0 / 8 / 1.2)
    assert c.router.leakage_mw == pytest.approx(leak_frac * 42.0)
    assert c.router.peak_power_mw == pytest.approx(42.0)
    assert c.bus.energy_pj("transfer_bit") == pytest.approx(6.0 / 384 / 1.2)
    assert c.bus.leakage_mw == pytest.approx(1.0)
    assert c.bus.peak_power_mw == pytest.approx(7.0)


def test_io_link_energy_per_bit_is_rated_power_over_bandwidth():
    """10.4 W / 51.2 Gbit/s = 203.1 pJ/bit (ISAAC HyperTransport figures)."""
    link = build_components(load_arch("isaac")).io_link
    assert link.energy_pj("transfer_bit") == pytest.approx(10400.0 / 51.2)
    assert link.bandwidth_bits_per_cycle == pytest.approx(51.2 / 1.2)
    assert link.cycles_for_bits(0) == 0


def test_dram_embedding_storage():
    """default preset: 204.8 Gbit/s at 1.2 GHz = 170.7 bits/cycle; 50 ns = 60 cycles; 20 pJ/bit."""
    emb = build_components(load_arch("default")).embedding_storage
    assert emb.energy_pj("read_bit") == 20.0 and emb.latency_cycles("read_bit") == 60
    assert emb.bandwidth_bits_per_cycle == pytest.approx(204.8 / 1.2)
    assert emb.cycles_for_bits(1024) == 60 + 6 and emb.cycles_for_bits(1025) == 60 + 7
    assert emb.area_um2 == 0.0 and not emb.onchip


def test_onchip_reram_embedding_storage():
    """1 MiB over 64 tiles = 16 KiB per tile = 4 arrays of 128x128x2 bits; per bit read:
    (0.3 mW/16384 x 100 ns + E_adc(2 b)) / 2 bits, with the ISAAC-SAR 2-bit conversion extrapolated
    (dynamic share 0.9 of the law's energy)."""
    arch = arch_variant("default", {"embedding.location": "onchip", "embedding.onchip_capacity_bytes": 1 << 20})
    emb = build_components(arch).embedding_storage
    assert emb.onchip and "4 arrays/tile" in emb.model_name
    _, _, adc2_pj = 0, 0, adc_cost("isaac_sar", 2, 1280.0, 32)[0]
    assert emb.energy_pj("read_bit") == pytest.approx((0.3 / 16384 * 100 + adc2_pj) / 2)
    _, adc2_um2, _, _ = adc_cost("isaac_sar", 2, 1280.0, 32)
    assert emb.area_um2 == pytest.approx(4 * (25.0 + adc2_um2))  # 4 x (array + its shared ADC)
    assert emb.bandwidth_bits_per_cycle == pytest.approx(256 / 120)  # one 256-bit row per 100 ns read


def test_dac_doubles_per_bit():
    """MNSIM DAC table from ISAAC: 2-bit DAC 0.332 um^2 / 7.8 uW (reference 1.3); 10 % of it leakage
    (puma-simulator dac_pow_leak 0.391 of 3.897 uW at 1 bit)."""
    dac = build_components(arch_variant("isaac", {"pe.dac.bits": 2})).dac
    assert dac.area_um2 == pytest.approx(0.332)
    assert dac.peak_power_mw * 1000 == pytest.approx(7.8, rel=0.01)
    assert dac.leakage_mw * 1000 == pytest.approx(0.78, rel=0.01)
