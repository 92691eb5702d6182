"""ReRAM crossbar array: analog read (one input slice, all rows driven) and row programming.

Sources:
- Read: ISAAC (Shafiee et al., ISCA 2016, Table 6): a 128x128 array of 2-bit
  cells draws 0.3 mW during its 100 ns read and occupies 25 um^2.  Power
  proportional to rows x cols: puma-simulator ``include/constants.py`` and
  PIMSYN ``config.json`` (0.3 / 1.2 / 4.8 mW for 128^2 / 256^2 / 512^2 at a
  fixed 100 ns read; reference 2(e) and validation V7).
- Write: Lanza et al., "Recommended methods to study resistive switching
  devices", Adv. Electron. Mater. 5 (2019) 1800143, Table 1: technology
  requirement ~10 pJ per switching transition.  Row latency comes from the
  arch spec (``write_latency_ns_per_row``).

Equations (n_r rows, n_c columns, t_read in ns):
    P_read_mw   = 0.3 * (n_r * n_c) / 128^2
    E_read_pj   = P_read_mw * t_read                 (mW x ns = pJ)
    E_write_row = n_c * 10 pJ
    A_um2       = 25 * (n_r * n_c) / 128^2 * area_factor(32 nm -> node)

Assumptions:
- Constant-conductance model: energy does not depend on input or weight
  values (CiMLoop reports 28 % mean error from this; reference 2(e)).
- Read energy does not depend on ``cell_bits`` (ISAAC, PUMA and PIMSYN use
  one figure for their 2-bit cells) nor on the CMOS node (V^2 G of a
  back-end device); area tracks the node's metal pitch.
- One programming pulse per cell; multi-level write-and-verify iterations
  are not modelled (they multiply write energy and latency).
- Signed weights: ``differential`` uses a +/- column pair per weight column
  (2 physical columns); ``offset`` (ISAAC's biased encoding) adds no column
  per weight, its bias being subtracted digitally.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentModel
from pimsim.components.scaling import area_factor
from pimsim.spec.units import energy_pj_from_power, ns_to_cycles

WRITE_PJ_PER_CELL = 10.0
"""Lanza et al. 2019, Table 1: ~10 pJ per transition (technology requirement)."""

WRITE_SOURCE = "Lanza et al., Adv. Electron. Mater. 2019, Table 1 (~10 pJ/transition)"

SIGN_COLUMNS = {"differential": 2, "offset": 1}
"""Physical columns per signed weight column, by encoding (see module docstring)."""


@dataclass(frozen=True, kw_only=True)
class CrossbarModel(ComponentModel):
    rows: int
    cols: int
    cell_bits: int
    signed_encoding: str
    sign_columns: int


def slice_interval_ns(arch) -> float:
    """Time between two input slices on one crossbar at full activity, ns.

    The analog read of slice k+1 overlaps the conversions of slice k (ISAAC's
    pipeline), so the interval is the slower of the read and of the
    ``cols_per_adc`` serial conversions of the shared ADC.
    """
    conversions_ns = arch.cols_per_adc * 1.0e3 / arch.pe.adc.sample_rate_msps
    return max(arch.pe.crossbar.read_latency_ns, conversions_ns)


def read_power_mw(rows: int, cols: int) -> float:
    """Array power during a read, mW: ISAAC 0.3 mW at 128x128, proportional to rows x cols."""
    return T.XBAR_POWER_MW * rows * cols / (T.XBAR_ROWS * T.XBAR_COLS)


def array_area_um2(rows: int, cols: int, node_nm: int) -> float:
    """Array area, um^2: ISAAC 25 um^2 at 128x128, proportional to rows x cols, scaled to the node."""
    return T.XBAR_AREA_UM2 * rows * cols / (T.XBAR_ROWS * T.XBAR_COLS) * area_factor(T.NODE_NM, node_nm)


def build_crossbar(arch) -> CrossbarModel:
    x = arch.pe.crossbar
    read_pj = energy_pj_from_power(read_power_mw(x.rows, x.cols), x.read_latency_ns)
    return CrossbarModel(
        role="crossbar",
        model_name=f"isaac_rows_x_cols({x.rows}x{x.cols}, {x.read_latency_ns:g} ns read)",
        source=f"{T.SOURCE}; rows x cols scaling: puma-simulator constants.py, PIMSYN; write: {WRITE_SOURCE}",
        area_um2=array_area_um2(x.rows, x.cols, arch.technology.node_nm),
        leakage_mw=0.0,
        energies_pj={"read": read_pj, "write_row": x.cols * WRITE_PJ_PER_CELL},
        latencies_cycles={
            "read": ns_to_cycles(x.read_latency_ns, arch.clock_mhz),
            "write_row": ns_to_cycles(x.write_latency_ns_per_row, arch.clock_mhz),
        },
        peak_interval_ns={"read": slice_interval_ns(arch)},
        rows=x.rows,
        cols=x.cols,
        cell_bits=x.cell_bits,
        signed_encoding=x.signed_encoding,
        sign_columns=SIGN_COLUMNS[x.signed_encoding],
    )
