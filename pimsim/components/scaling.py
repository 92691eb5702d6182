"""Technology-node scaling of CMOS area and energy: named functions with their source.

Source: A. Stillmaker and B. Baas, "Scaling equations for the accurate
prediction of CMOS device performance from 180 nm to 7 nm", Integration, the
VLSI Journal 58 (2017) 74-81, doi:10.1016/j.vlsi.2017.02.002.  Their Table
gives area-scaling factors between nodes (45 -> 32 nm: 0.46; 32 -> 20 nm:
0.46) and, per node, a fitted polynomial ``a*Vdd^2 + b*Vdd + c`` for the
energy of a fixed circuit (coefficients below, as tabulated by the paper and
re-used in hwcomponents' ``scaling/scalefuncs.py``).

Assumptions:
- Energy is compared at one common supply, ``COMMON_VDD_V`` = 0.9 V, so the
  factor reflects capacitance scaling only (supply choice is a design
  parameter the arch spec does not carry).
- 22 nm is not a Stillmaker node; its factors are interpolated geometrically
  (log-factor linear in log-node) between 32 and 20 nm.  The resulting area
  ratio 32/22 nm = 1.86 is within the +/-20 % that reference section 5 asks of
  NeuroSim V1.4's (32/22)^2 = 2.12.
- ReRAM crossbar cells are back-end devices; their read power (V^2 G) does not
  scale with the CMOS node, but their footprint tracks the metal pitch, so
  crossbar *area* uses ``area_factor`` and crossbar *energy* does not scale.
"""

from __future__ import annotations

import math

from pimsim.components.base import ComponentError

SOURCE = "Stillmaker & Baas, Integration 58 (2017), node-scaling table and energy polynomials"

COMMON_VDD_V = 0.9
"""Supply at which the energy polynomials are compared (assumption; see module docstring)."""

_AREA_REL_45 = {45: 1.0, 32: 0.46, 20: 0.46 * 0.46}
"""Area of a fixed circuit relative to 45 nm (Stillmaker & Baas table: 45->32 0.46, 32->20 0.46)."""

_ENERGY_POLY = {45: (1.103, -0.362, 0.2767), 32: (0.9559, -0.7823, 0.471), 20: (0.373, -0.1582, 0.04104)}
"""Stillmaker & Baas energy polynomial coefficients (a, b, c) of a*Vdd^2 + b*Vdd + c per node."""


def _interp_22(values: dict[int, float]) -> float:
    """Geometric interpolation of a per-node factor to 22 nm between 32 and 20 nm."""
    t = math.log(32 / 22) / math.log(32 / 20)
    return values[32] * (values[20] / values[32]) ** t


def _energy_rel() -> dict[int, float]:
    table = {n: a * COMMON_VDD_V**2 + b * COMMON_VDD_V + c for n, (a, b, c) in _ENERGY_POLY.items()}
    table[22] = _interp_22(table)
    return table


def _area_rel() -> dict[int, float]:
    table = dict(_AREA_REL_45)
    table[22] = _interp_22(table)
    return table


def _lookup(table: dict[int, float], node_nm: int, what: str) -> float:
    if node_nm not in table or node_nm == 20:
        raise ComponentError(f"technology.node_nm={node_nm}: no {what}-scaling data (supported: 22, 32, 45)")
    return table[node_nm]


def area_factor(from_nm: int, to_nm: int) -> float:
    """Multiply an area characterised at ``from_nm`` by this to get it at ``to_nm`` (Stillmaker & Baas)."""
    table = _area_rel()
    return _lookup(table, to_nm, "area") / _lookup(table, from_nm, "area")


def energy_factor(from_nm: int, to_nm: int) -> float:
    """Multiply an energy characterised at ``from_nm`` by this to get it at ``to_nm`` (Stillmaker & Baas, 0.9 V)."""
    table = _energy_rel()
    return _lookup(table, to_nm, "energy") / _lookup(table, from_nm, "energy")


def murmann_energy_factor(from_nm: int, to_nm: int) -> float:
    """ADC energy node scaling of the Murmann-survey regression: E ~ node^1.880.

    Source: Accelergy ADC plug-in regression of B. Murmann's ADC Performance
    Survey (technology slope 1.880), reference 2(e).
    """
    for n in (from_nm, to_nm):
        _lookup(_area_rel(), n, "energy")
    return (to_nm / from_nm) ** 1.880
