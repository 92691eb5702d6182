"""ReRAM crossbar array: analog read (one sensing step of one input slice) and row programming.

Sources:
- Read, default cell: ISAAC (Shafiee et al., ISCA 2016, Table 6): a 128x128
  array of 2-bit cells draws 0.3 mW during its 100 ns read and occupies
  25 um^2.  Power proportional to rows x cols: puma-simulator
  ``include/constants.py`` and PIMSYN ``config.json`` (0.3 / 1.2 / 4.8 mW
  for 128^2 / 256^2 / 512^2 at a fixed 100 ns read; reference 2(e) and
  validation V7).  Per cell: 0.3 mW / 128^2 = 18.3 nW while read.
- Read, conductance law (``pe.crossbar.cell`` read_voltage_v, r_on_kohm,
  r_off_kohm): E_cell = V^2 x (G_on + G_off) / 2 x t_read, the physics of
  reference 2(e) (sum of V^2 G t over activated cells) with weight bits
  equally likely 0 or 1 (MNSIM ``Crossbar.py`` prices rows x cols x V^2 / R).
- Cell area: ``cell.area_f2`` x F^2 (F = technology.array_node_nm; NeuroSim
  V1.4 ``Param.cpp``: 1T1R 4F x 12F = 48 F^2, 0T1R crossbar 2F x 2F =
  4 F^2) or ``cell.area_um2``; default ISAAC's 25 um^2 / 128^2 per cell
  scaled by ``area_factor(32 nm -> array node)``.
- Write: Lanza et al., "Recommended methods to study resistive switching
  devices", Adv. Electron. Mater. 5 (2019) 1800143, Table 1: technology
  requirement ~10 pJ per switching transition.  Row latency comes from the
  arch spec (``write_latency_ns_per_row``).
- Leakage: 0 (puma-simulator ``xbar_pow_leak = 0``: a non-volatile array
  draws no current between reads).

Equations (n_r rows, n_c columns, r = rows read at once, t_read in ns):
    E_cell_pj   = 0.3 mW * t_read / 128^2                  (ISAAC default)
    E_read_pj   = r * n_c * E_cell_pj                      (one sensing step)
    E_write_row = n_c * 10 pJ
    A_um2       = n_r * n_c * A_cell_um2

Partial parallel read (``rows_per_read`` r < n_r): a slice takes n_r / r
sensing steps, each a ``read`` action of ``read_latency_ns`` converting every
column (``pimsim.components.slicing``); the cell energy of a whole slice is
unchanged (each cell read once), the conversions multiply.

Assumptions:
- Constant-conductance model: energy does not depend on input or weight
  values (CiMLoop reports 28 % mean error from this; reference 2(e)).
- Read energy does not depend on ``cell_bits`` (ISAAC, PUMA and PIMSYN use
  one figure for their 2-bit cells) nor on the CMOS node (V^2 G of a
  back-end device); area tracks the array node's metal pitch.
- One programming pulse per cell; multi-level write-and-verify iterations
  are not modelled (they multiply write energy and latency).
- Signed weights: ``differential`` uses a +/- column pair per weight column
  (2 physical columns); ``offset`` (ISAAC's biased encoding) adds no column
  per weight, its bias being subtracted digitally.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.adc_laws import AdcLaw
from pimsim.components.base import ComponentModel
from pimsim.components.scaling import area_factor
from pimsim.components.slicing import peak_slice_work
from pimsim.spec.units import energy_pj_from_power, ns_to_cycles

WRITE_PJ_PER_CELL = 10.0
"""Lanza et al. 2019, Table 1: ~10 pJ per transition (technology requirement)."""

WRITE_SOURCE = "Lanza et al., Adv. Electron. Mater. 2019, Table 1 (~10 pJ/transition)"
CELL_SOURCE = "NeuroSim V1.4 Param.cpp (cell sizes in F^2); conductance law V^2 (G_on+G_off)/2 t (reference 2(e))"

SIGN_COLUMNS = {"differential": 2, "offset": 1}
"""Physical columns per signed weight column, by encoding (see module docstring)."""

ISAAC_CELL_POWER_MW = T.XBAR_POWER_MW / (T.XBAR_ROWS * T.XBAR_COLS)
ISAAC_CELL_AREA_UM2 = T.XBAR_AREA_UM2 / (T.XBAR_ROWS * T.XBAR_COLS)


@dataclass(frozen=True, kw_only=True)
class CrossbarModel(ComponentModel):
    rows: int
    cols: int
    cell_bits: int
    signed_encoding: str
    sign_columns: int
    rows_per_read: int
    sensing_steps: int
    """Sensing steps of a full slice (rows / rows_per_read): ``read`` actions per slice."""


def slice_interval_ns(arch) -> float:
    """Time between two input slices on one crossbar at full activity, ns.

    Each sensing step's analog read overlaps the conversions of the step before (ISAAC's sample-and-hold
    pipeline), so a step takes the slower of the read and of the serial conversions of one ADC of its
    bank (``pimsim.components.slicing``); a slice takes ``sensing_steps`` steps.  ISAAC: 1 x max(100 ns,
    128 x 0.78125 ns) = 100 ns.
    """
    w = peak_slice_work(arch.pe)
    conversion_ns = AdcLaw.from_spec(arch.pe.adc, arch.technology.node_nm).conversion_ns(arch.pe.adc.bits)
    per_step_ns = w.conversions_per_adc / w.sensing_steps * conversion_ns
    return w.sensing_steps * max(arch.pe.crossbar.read_latency_ns, per_step_ns)


def cell_read_energy_pj(xbar) -> float:
    """Energy of one cell in one sensing step, pJ (``pe.crossbar.cell`` or ISAAC's; module docstring)."""
    cell = xbar.cell
    if cell is not None and cell.read_energy_fj is not None:
        return cell.read_energy_fj * 1.0e-3
    if cell is not None and cell.read_voltage_v is not None:
        g_avg_s = (1.0 / cell.r_on_kohm + 1.0 / cell.r_off_kohm) / 2.0 * 1.0e-3
        return cell.read_voltage_v**2 * g_avg_s * xbar.read_latency_ns * 1.0e3  # W x ns = nJ -> pJ
    return energy_pj_from_power(ISAAC_CELL_POWER_MW, xbar.read_latency_ns)


def cell_area_um2(xbar, array_node_nm: float) -> float:
    """Area of one cell, um^2 (``pe.crossbar.cell`` or ISAAC's, scaled to the array node)."""
    cell = xbar.cell
    if cell is not None and cell.area_um2 is not None:
        return cell.area_um2
    if cell is not None and cell.area_f2 is not None:
        return cell.area_f2 * (array_node_nm * 1.0e-3) ** 2
    return ISAAC_CELL_AREA_UM2 * area_factor(T.NODE_NM, array_node_nm)


def array_area_um2(xbar, array_node_nm: float) -> float:
    """Area of one array, um^2: rows x cols cells."""
    return xbar.rows * xbar.cols * cell_area_um2(xbar, array_node_nm)


def _cell_name(xbar) -> str:
    cell = xbar.cell
    if cell is None:
        return "isaac_cell"
    area = (f"{cell.area_f2:g} F2" if cell.area_f2 is not None else
            f"{cell.area_um2:g} um2" if cell.area_um2 is not None else "isaac area")
    energy = (f"{cell.read_energy_fj:g} fJ" if cell.read_energy_fj is not None else
              f"{cell.read_voltage_v:g} V, {cell.r_on_kohm:g}/{cell.r_off_kohm:g} kOhm"
              if cell.read_voltage_v is not None else "isaac energy")
    return f"cell({area}, {energy})"


def build_crossbar(arch) -> CrossbarModel:
    x = arch.pe.crossbar
    per_read = x.rows_read_at_once
    w = peak_slice_work(arch.pe)
    source = f"{T.SOURCE}; rows x cols scaling: puma-simulator constants.py, PIMSYN; write: {WRITE_SOURCE}"
    if x.cell is not None:
        source += f"; cell: {CELL_SOURCE}"
    return CrossbarModel(
        role="crossbar",
        model_name=f"rows_x_cols({x.rows}x{x.cols}, {per_read} rows/read, {x.read_latency_ns:g} ns, {_cell_name(x)})",
        source=source,
        area_um2=array_area_um2(x, arch.technology.array_nm),
        leakage_mw=T.XBAR_LEAKAGE_MW,
        energies_pj={"read": per_read * x.cols * cell_read_energy_pj(x), "write_row": x.cols * WRITE_PJ_PER_CELL},
        latencies_cycles={
            "read": ns_to_cycles(x.read_latency_ns, arch.clock_mhz),
            "write_row": ns_to_cycles(x.write_latency_ns_per_row, arch.clock_mhz),
        },
        peak_interval_ns={"read": slice_interval_ns(arch) / w.sensing_steps},
        rows=x.rows,
        cols=x.cols,
        cell_bits=x.cell_bits,
        signed_encoding=x.signed_encoding,
        sign_columns=SIGN_COLUMNS[x.signed_encoding],
        rows_per_read=per_read,
        sensing_steps=w.sensing_steps,
    )
