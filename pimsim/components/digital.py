"""Digital units: shift-and-add, registers, max-pool, and the per-tile vector unit.

Sources: ISAAC Table 6 (32 nm, 1.2 GHz) for shift-and-add, input/output
registers, max-pool and sigmoid units; M. Horowitz, "Computing's energy
problem", ISSCC 2014 (45 nm, 0.9 V) for integer add (8 b 0.03 pJ, 32 b
0.1 pJ) and multiply (8 b 0.2 pJ, 32 b 3.1 pJ) energies of the vector unit.

Energy per action = ISAAC's *dynamic* power (table power less the static
share below) x the interval between actions at ISAAC's full activity, so
events plus leakage reproduce the table power exactly (V4):
- PE shift-and-add: one add per ADC conversion; ISAAC's 4 units absorb
  8 x 128 conversions per 100 ns: E_add = 0.9 x 0.2 mW x 100 ns / 1024 = 0.0176 pJ.
- PE input register: per crossbar read one read of its input slice
  (rows x dac_bits bits) and, in steady state, one write of as many bits:
  E_bit = (1.24 - 0.33) mW x 100 ns / (2 x 8 x 128 bits) = 0.0444 pJ/bit.
- PE output register: one read and one write of a partial-sum word per
  conversion: E_word = (0.23 - 0.041) mW x 100 ns / (2 x 1024) = 0.0092 pJ.
- Tile output register, tile shift-and-add, max-pool, sigmoid/vector lane:
  one action (per port) per 1.2 GHz cycle: E = P_dynamic / 1.2 GHz.
Areas scale with capacity (registers) or count, and with area_factor;
energies with energy_factor (``pimsim.components.scaling``).

Vector unit (``lanes`` element operations per cycle, on ``precision.input_bits``
words):
    add, compare:  E = 0.03 + (w - 8) * 0.07 / 24 pJ        (Horowitz, linear in w)
    copy:          E = E_add (an operand pass through the lane's latches; assumption)
    mul:           E = 0.2 * (w / 8)^1.977 pJ              (power law through Horowitz 8 b / 32 b)
    div:           E = w * E_add, latency w cycles         (restoring division; assumption)
    nonlinear:     E = 0.9 * 0.2167 pJ * w / 16            (ISAAC sigmoid LUT unit, 16 b, dynamic share)
all x energy_factor(45 or 32 nm -> node).  Lane area: ISAAC sigmoid unit
(300 um^2 at 32 nm).  The roll-up rates the vector unit at ISAAC's activity
(every lane evaluating its nonlinear function each cycle); a multiply-bound
kernel draws more per lane, which the simulator prices event by event.

Static share (puma-simulator ``include/constants.py``, ``isaac_table``): the
PE and tile shift-and-add, the max-pool and each sigmoid/vector lane leak
10 % of their ISAAC power (PUMA's S+A and sigmoid splits; max-pool has no
PUMA counterpart and takes the same 10 %, an assumption); registers leak
0.33 mW per 2 KB (PUMA's CACTI data memory), in proportion to capacity.  The
per-action energies above carry only the dynamic rest, so ISAAC's table
powers are unchanged at full activity.  Leakage scales with
``leakage_factor``; the Horowitz op energies of the vector unit are dynamic.

Assumptions: the sigmoid units of ISAAC *are* its vector unit's lanes
(``tile.sigmoid_units`` is therefore not priced a second time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.crossbar import slice_interval_ns
from pimsim.components.slicing import peak_slice_work
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor
from pimsim.spec.units import cycle_ns, energy_pj_from_power

HOROWITZ_SOURCE = "Horowitz, 'Computing's energy problem', ISSCC 2014 (45 nm): int add/mul energies"
HOROWITZ_NODE_NM = 45
_ISAAC_CYCLE_NS = cycle_ns(T.CLOCK_MHZ)
_ISAAC_CONVERSIONS_PER_READ = 8 * 128  # 8 ADCs x 128 columns per IMA per 100 ns

F_STATIC = T.STATIC_FRACTION_10PCT
STATIC_SOURCE = f"static share: {T.PUMA_SOURCE}"


def register_leakage_mw(capacity_bytes: int) -> float:
    """Leakage of an SRAM register file at 32 nm, mW: 0.33 mW per 2 KB (puma-simulator dataMem, CACTI)."""
    return T.SRAM_LEAKAGE_MW_PER_2KB * capacity_bytes / 2048


PE_SA_ADD_PJ = (1.0 - F_STATIC) * T.PE_SA_POWER_MW * T.PE_SA_UNITS * T.READ_NS / _ISAAC_CONVERSIONS_PER_READ
IR_PJ_PER_BIT = (T.IR_POWER_MW - register_leakage_mw(T.IR_BYTES)) * T.READ_NS / (2 * 8 * 128)
OR_PJ_PER_WORD = (T.OR_POWER_MW - register_leakage_mw(T.OR_BYTES)) * T.READ_NS / (2 * _ISAAC_CONVERSIONS_PER_READ)
TILE_OR_PJ_PER_ACCESS = (T.TILE_OR_POWER_MW - register_leakage_mw(T.TILE_OR_BYTES)) * _ISAAC_CYCLE_NS / 2


def _partial_sum_bits(arch) -> int:
    """Width of an output-register word: twice the operand width (assumption: an accumulator
    holding input x weight partial sums without overflow needs ~2x the operand bits)."""
    return 2 * arch.precision.input_bits


@dataclass(frozen=True, kw_only=True)
class RegisterModel(ComponentModel):
    capacity_bytes: int
    access_bits: int


@dataclass(frozen=True, kw_only=True)
class ShiftAddModel(ComponentModel):
    adds_per_cycle: float


@dataclass(frozen=True, kw_only=True)
class VectorUnitModel(ComponentModel):
    lanes: int
    word_bits: int

    def cycles_for_elements(self, n: int, op_class: str) -> int:
        """Cycles for ``n`` element operations of one class: ceil(n / lanes) x latency."""
        return math.ceil(n / self.lanes) * self.latency_cycles(op_class)


def _scaled(arch):
    node = arch.technology.node_nm
    return energy_factor(T.NODE_NM, node), area_factor(T.NODE_NM, node)


def _leak(arch, power_mw_32nm: float) -> float:
    """Leakage at the arch's node of a unit leaking ``power_mw_32nm`` at 32 nm."""
    return power_mw_32nm * leakage_factor(T.NODE_NM, arch.technology.node_nm)


def build_pe_shift_add(arch) -> ShiftAddModel:
    e_f, a_f = _scaled(arch)
    pe = arch.pe
    conversions = pe.crossbars * peak_slice_work(pe).conversions_per_crossbar
    adds_per_slice = conversions / pe.shift_add_units
    interval = slice_interval_ns(arch) / adds_per_slice
    return ShiftAddModel(
        role="shift_add", model_name="isaac_shift_add(per conversion)", source=f"{T.SOURCE}; {STATIC_SOURCE}",
        area_um2=T.PE_SA_AREA_UM2 * a_f, leakage_mw=_leak(arch, F_STATIC * T.PE_SA_POWER_MW),
        energies_pj={"add": PE_SA_ADD_PJ * e_f}, latencies_cycles={"add": 1},
        peak_interval_ns={"add": interval}, adds_per_cycle=cycle_ns(arch.clock_mhz) / interval,
    )


def build_pe_input_register(arch) -> RegisterModel:
    e_f, a_f = _scaled(arch)
    pe = arch.pe
    bits = pe.crossbar.rows * pe.dac.bits
    interval = slice_interval_ns(arch) / pe.crossbars
    return RegisterModel(
        role="pe_input_register", model_name=f"isaac_register({pe.input_register_bytes} B, per bit)",
        source=f"{T.SOURCE}; {STATIC_SOURCE}", area_um2=T.IR_AREA_UM2 * pe.input_register_bytes / T.IR_BYTES * a_f,
        leakage_mw=_leak(arch, register_leakage_mw(pe.input_register_bytes)), energies_pj={"read": IR_PJ_PER_BIT * bits * e_f, "write": IR_PJ_PER_BIT * bits * e_f},
        latencies_cycles={"read": 1, "write": 1}, peak_interval_ns={"read": interval, "write": interval},
        capacity_bytes=pe.input_register_bytes, access_bits=bits,
    )


def build_pe_output_register(arch) -> RegisterModel:
    e_f, a_f = _scaled(arch)
    pe = arch.pe
    interval = slice_interval_ns(arch) / (pe.crossbars * peak_slice_work(pe).conversions_per_crossbar)
    return RegisterModel(
        role="pe_output_register", model_name=f"isaac_register({pe.output_register_bytes} B, per word)",
        source=f"{T.SOURCE}; {STATIC_SOURCE}", area_um2=T.OR_AREA_UM2 * pe.output_register_bytes / T.OR_BYTES * a_f,
        leakage_mw=_leak(arch, register_leakage_mw(pe.output_register_bytes)), energies_pj={"read": OR_PJ_PER_WORD * e_f, "write": OR_PJ_PER_WORD * e_f},
        latencies_cycles={"read": 1, "write": 1}, peak_interval_ns={"read": interval, "write": interval},
        capacity_bytes=pe.output_register_bytes, access_bits=_partial_sum_bits(arch),
    )


def build_tile_output_register(arch) -> RegisterModel:
    e_f, a_f = _scaled(arch)
    size = arch.tile.output_register_bytes
    per_access = TILE_OR_PJ_PER_ACCESS * e_f
    tick = cycle_ns(arch.clock_mhz)
    return RegisterModel(
        role="tile_output_register", model_name=f"isaac_register({size} B, per word)",
        source=f"{T.SOURCE}; {STATIC_SOURCE}", area_um2=T.TILE_OR_AREA_UM2 * size / T.TILE_OR_BYTES * a_f,
        leakage_mw=_leak(arch, register_leakage_mw(size)),
        energies_pj={"read": per_access, "write": per_access}, latencies_cycles={"read": 1, "write": 1},
        peak_interval_ns={"read": tick, "write": tick}, capacity_bytes=size,
        access_bits=_partial_sum_bits(arch),
    )


def _per_cycle_unit(arch, role: str, action: str, power_mw: float, area_um2: float) -> ComponentModel:
    e_f, a_f = _scaled(arch)
    return ComponentModel(
        role=role, model_name=f"isaac_{role}(1 per cycle)", source=f"{T.SOURCE}; {STATIC_SOURCE}",
        area_um2=area_um2 * a_f, leakage_mw=_leak(arch, F_STATIC * power_mw),
        energies_pj={action: (1.0 - F_STATIC) * energy_pj_from_power(power_mw, _ISAAC_CYCLE_NS) * e_f},
        latencies_cycles={action: 1}, peak_interval_ns={action: cycle_ns(arch.clock_mhz)},
    )


def build_tile_shift_add(arch) -> ComponentModel:
    return _per_cycle_unit(arch, "tile_shift_add", "add", T.TILE_SA_POWER_MW, T.TILE_SA_AREA_UM2)


def build_maxpool(arch) -> ComponentModel:
    return _per_cycle_unit(arch, "maxpool", "compare", T.MAXPOOL_POWER_MW, T.MAXPOOL_AREA_UM2)


def vector_op_energies_pj(word_bits: int, node_nm: int) -> dict[str, float]:
    """Energy of one element operation per class, pJ (equations in the module docstring)."""
    if word_bits < 1:
        raise ComponentError(f"vector word width {word_bits} bits: must be >= 1")
    h = energy_factor(HOROWITZ_NODE_NM, node_nm)
    # Horowitz ISSCC 2014, 45 nm: int add 8 b 0.03 pJ / 32 b 0.1 pJ (linear between them);
    # int mul 8 b 0.2 pJ / 32 b 3.1 pJ (power law through both points, exponent 1.977).
    add = (0.03 + (word_bits - 8) * 0.07 / 24) * h
    mul_exp = math.log(3.1 / 0.2) / math.log(32 / 8)
    sigmoid_pj = (1.0 - F_STATIC) * energy_pj_from_power(T.SIGMOID_POWER_MW, _ISAAC_CYCLE_NS)
    return {
        "add": add, "mul": 0.2 * (word_bits / 8) ** mul_exp * h, "div": word_bits * add, "compare": add,
        "nonlinear": sigmoid_pj * word_bits / T.SIGMOID_BITS * energy_factor(T.NODE_NM, node_nm), "copy": add,
    }


def build_vector_unit(arch) -> VectorUnitModel:
    from pimsim.spec.mapping import VECTOR_OP_CLASSES

    w, lanes = arch.precision.input_bits, arch.tile.vector_unit.lanes
    energies = vector_op_energies_pj(w, arch.technology.node_nm)
    if set(energies) != set(VECTOR_OP_CLASSES):
        raise ComponentError(f"vector unit prices {sorted(energies)}, mapping uses {sorted(VECTOR_OP_CLASSES)}")
    latencies = {op: (w if op == "div" else 1) for op in energies}
    # Roll-up activity: each lane evaluates one nonlinear function per cycle (ISAAC sigmoid units).
    interval = cycle_ns(arch.clock_mhz) / lanes
    return VectorUnitModel(
        role="vector_unit", model_name=f"isaac_sigmoid_lanes+horowitz_alu({lanes} lanes, {w} b)",
        source=f"{T.SOURCE} (sigmoid unit per lane); {HOROWITZ_SOURCE}; {STATIC_SOURCE}",
        area_um2=lanes * T.SIGMOID_AREA_UM2 * area_factor(T.NODE_NM, arch.technology.node_nm),
        leakage_mw=_leak(arch, lanes * F_STATIC * T.SIGMOID_POWER_MW), energies_pj=energies, latencies_cycles=latencies,
        peak_interval_ns={"nonlinear": interval}, lanes=lanes, word_bits=w,
    )
