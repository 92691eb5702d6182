"""Technology-node scaling of CMOS area, dynamic energy and leakage power: named functions with their source.

Area and energy: A. Stillmaker and B. Baas, "Scaling equations for the
accurate prediction of CMOS device performance from 180 nm to 7 nm",
Integration, the VLSI Journal 58 (2017) 74-81, doi:10.1016/j.vlsi.2017.02.002.
- Area: their node-to-node table, the row relative to 32 nm (ISAAC's node,
  where most anchors sit): 130 nm 14, 90 6.1, 65 3.3, 45 2.2, 32 1,
  20 0.46, 16 0.41, 14 0.38, 10 0.22, 7 0.13.
- Energy of a fixed circuit: their per-node polynomial a*Vdd^2 + b*Vdd + c
  (65-130 nm one fit; 45-7 nm the low-power "LP" fits), coefficients as
  tabulated by the paper and re-used by UCLA NanoCAD's ``nodeScale``.

Leakage power of a fixed circuit: P_leak = I_off x W x Vdd.  NeuroSim V1.4
(``Technology.cpp``, PTM models from ptm.asu.edu) uses the same off-current
per um of width at every planar node 130-22 nm (about 100 nA/um HP, 100
pA/um LSTP), and its supply per node: 130 nm 1.3 V, 90 1.2, 65 1.1, 45 1.0,
32 0.9, 22 0.85, 14 0.8, 10 0.75, 7 0.7.  With transistor widths
proportional to the feature size,
    leakage_factor(from, to) = (to_nm x Vdd(to)) / (from_nm x Vdd(from)).

Assumptions:
- Energy is compared at one common supply, ``COMMON_VDD_V`` = 0.9 V, so the
  factor reflects capacitance scaling only (supply choice is a design
  parameter the arch spec does not carry).
- A node between two table nodes is interpolated geometrically (log-factor
  linear in log-node) between its neighbours; nodes outside 7-130 nm are
  refused (the leakage table's range; Stillmaker & Baas reach 180 nm).
- The off-current per um is assumed to hold at the FinFET nodes (14-7 nm)
  as at the planar ones (NeuroSim's FinFET figures are per fin, not per um).
- ReRAM crossbar cells are back-end devices; their read energy (V^2 G t)
  does not scale with the CMOS node, but their footprint tracks the metal
  pitch, so crossbar *area* uses ``area_factor`` (of the array node) and
  crossbar *energy* does not scale.
"""

from __future__ import annotations

import math

from pimsim.components.base import ComponentError

SOURCE = "Stillmaker & Baas, Integration 58 (2017) (area, energy); NeuroSim V1.4 Technology.cpp (leakage)"

COMMON_VDD_V = 0.9
"""Supply at which the energy polynomials are compared (assumption; see module docstring)."""

NODE_RANGE_NM = (7, 130)

_AREA_REL_32 = {130: 14.0, 90: 6.1, 65: 3.3, 45: 2.2, 32: 1.0, 20: 0.46, 16: 0.41, 14: 0.38, 10: 0.22, 7: 0.13}
"""Area of a fixed circuit relative to 32 nm (Stillmaker & Baas table, 32 nm row)."""

_ENERGY_POLY = {
    130: (7.171, -6.709, 2.904), 90: (4.762, -4.781, 2.092), 65: (3.755, -4.398, 1.975),
    45: (1.103, -0.362, 0.2767), 32: (0.9559, -0.7823, 0.471), 20: (0.2632, -0.14, 0.06841),
    16: (0.2139, -0.1187, 0.05639), 14: (0.1556, -0.06472, 0.03066), 10: (0.1261, -0.0518, 0.02769),
    7: (0.09365, -0.03409, 0.02043),
}
"""Stillmaker & Baas energy polynomial coefficients (a, b, c) of a*Vdd^2 + b*Vdd + c (LP fits at 45-7 nm)."""

_VDD_V = {130: 1.3, 90: 1.2, 65: 1.1, 45: 1.0, 32: 0.9, 22: 0.85, 14: 0.8, 10: 0.75, 7: 0.7}
"""Supply per node, V (NeuroSim V1.4 Technology.cpp, same for its HP and LSTP roadmaps)."""


def _at_node(table: dict[int, float], node_nm: float, what: str) -> float:
    """Table value at ``node_nm``; geometric in log-node between the two neighbouring table nodes."""
    lo_nm, hi_nm = NODE_RANGE_NM
    if not lo_nm <= node_nm <= hi_nm:
        raise ComponentError(f"technology.node_nm={node_nm:g}: no {what}-scaling data outside "
                             f"{lo_nm}-{hi_nm} nm")
    if node_nm in table:
        return table[int(node_nm)]
    nodes = sorted(table)
    hi = min(n for n in nodes if n > node_nm)
    lo = max(n for n in nodes if n < node_nm)
    t = math.log(node_nm / lo) / math.log(hi / lo)
    return table[lo] * (table[hi] / table[lo]) ** t


def _energy_rel(node_nm: float) -> float:
    values = {n: a * COMMON_VDD_V**2 + b * COMMON_VDD_V + c for n, (a, b, c) in _ENERGY_POLY.items()}
    return _at_node(values, node_nm, "energy")


def _leakage_rel(node_nm: float) -> float:
    return node_nm * _at_node(_VDD_V, node_nm, "leakage")


def area_factor(from_nm: float, to_nm: float) -> float:
    """Multiply an area characterised at ``from_nm`` by this to get it at ``to_nm`` (Stillmaker & Baas)."""
    return _at_node(_AREA_REL_32, to_nm, "area") / _at_node(_AREA_REL_32, from_nm, "area")


def energy_factor(from_nm: float, to_nm: float) -> float:
    """Multiply an energy characterised at ``from_nm`` by this to get it at ``to_nm`` (Stillmaker & Baas, 0.9 V)."""
    return _energy_rel(to_nm) / _energy_rel(from_nm)


def leakage_factor(from_nm: float, to_nm: float) -> float:
    """Multiply a leakage power characterised at ``from_nm`` by this to get it at ``to_nm``:
    node x Vdd (NeuroSim V1.4 supplies, constant PTM off-current per um; module docstring)."""
    return _leakage_rel(to_nm) / _leakage_rel(from_nm)


def murmann_energy_factor(from_nm: float, to_nm: float) -> float:
    """ADC energy node scaling of the Murmann-survey regression: E ~ node^1.880.

    Source: Accelergy ADC plug-in regression of B. Murmann's ADC Performance
    Survey (technology slope 1.880), reference 2(e).
    """
    for n in (from_nm, to_nm):
        _at_node(_AREA_REL_32, n, "energy")
    return (to_nm / from_nm) ** 1.880
