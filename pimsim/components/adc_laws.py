"""ADC energy and area versus resolution: two named, cited scaling laws.

``isaac_sar`` (default) -- ISAAC-scaled SAR table.
    Anchor: ISAAC Table 6, 8-bit SAR (Kull et al., ISSCC 2013, 32 nm SOI) at
    1.28 GS/s, 2 mW and 1200 um^2, so E(8 b) = 2 mW / 1.28 GS/s = 1.5625 pJ.
    Resolution scaling: hwcomponents-library ``isaac.py`` (Saberi CDAC model),
    which prices 4/5/6/7/8/9/10-bit conversions at 0.79/0.99/1.20/1.42/1.667/
    1.97/2.38 pJ and 361/477/627/845/1200/1828/3002 um^2.  Those energies put
    ISAAC's 2 mW over a 1.2 GHz cycle (1.667 pJ at 8 b); ISAAC's ADC converts
    at 1.28 GS/s, so this law keeps their *ratios* and anchors at 1.5625 pJ,
    which makes 1.28 GS/s x E(8 b) = 2 mW exactly (validation V4/V8).
        E(B) = 1.5625 pJ * r_E(B) * energy_factor(32 nm -> node)
        A(B) = A_table(B) * area_factor(32 nm -> node)
    Outside 4..10 bits the edge per-bit ratios are extended geometrically
    (the model name says "extrapolated").

``murmann_survey`` -- Walden figure-of-merit law fitted to Murmann's survey.
    E(B) = max(FOM_W * 2^B, E_floor), with FOM_W = 1.93 pJ / 2^8 = 7.54 fJ per
    conversion step and E_floor = 0.92 pJ, both at 32 nm: the Accelergy ADC
    plug-in's regression of B. Murmann's "ADC Performance Survey 1997-2021"
    evaluated at 32 nm, 1.28 GS/s (8 b: 1.93 pJ; minimum 0.92 pJ at 4 b;
    reference 2(e)).  Energy scales with node^1.880 (the regression's
    technology slope).  Area is the plug-in's regression
        ln A_um2 = 1.346 + 0.993 ln(node_nm) + 0.181 ln(f_s / Hz) + 0.299 ln(E / pJ)
    (reproduces the reference's 6469 um^2 at 32 nm, 8 b, 1.28 GS/s).
    The Walden doubling per bit is the regime "not thermal-noise limited"
    (reference 2(e)); the survey fit rises faster above 8 b (9 b: 5.53 pJ vs
    this law's 3.86 pJ) and is flatter at 6-7 b -- stated, not hidden.

Assumptions: energy per conversion does not depend on the sample rate below
the design's rated rate (SAR dynamic energy); power is energy x conversion rate.
"""

from __future__ import annotations

import math

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentError
from pimsim.components.scaling import area_factor, energy_factor, murmann_energy_factor

ISAAC_SAR_SOURCE = "ISAAC Table 6 8-bit SAR anchor; bit scaling: hwcomponents-library isaac.py (Saberi CDAC)"
MURMANN_SOURCE = "Walden FOM fitted to Murmann ADC survey via Accelergy ADC plug-in regression (reference 2(e))"

_HWC_ENERGY_PJ = {4: 0.79, 5: 0.99, 6: 1.20, 7: 1.42, 8: 1.667, 9: 1.97, 10: 2.38}
"""hwcomponents-library isaac.py ADC energy per conversion, pJ (ISAAC 2 mW over a 1.2 GHz cycle)."""
_HWC_AREA_UM2 = {4: 361.0, 5: 477.0, 6: 627.0, 7: 845.0, 8: 1200.0, 9: 1828.0, 10: 3002.0}
"""hwcomponents-library isaac.py ADC area, um^2."""

ISAAC_E8_PJ = T.ADC_POWER_MW / (T.ADC_RATE_MSPS * 1.0e-3)
"""ISAAC 2 mW / 1.28 GS/s = 1.5625 pJ per 8-bit conversion (mW / (conversions per ns) = pJ)."""

MURMANN_E8_PJ_32NM = 1.93
MURMANN_FLOOR_PJ_32NM = 0.92
MURMANN_FOM_W_PJ = MURMANN_E8_PJ_32NM / 2**8


def _table_value(table: dict[int, float], bits: int) -> tuple[float, bool]:
    """Table value at ``bits``; beyond the table, the edge per-bit ratio extended geometrically."""
    lo, hi = min(table), max(table)
    if lo <= bits <= hi:
        return table[bits], False
    if bits < lo:
        return table[lo] * (table[lo] / table[lo + 1]) ** (lo - bits), True
    return table[hi] * (table[hi] / table[hi - 1]) ** (bits - hi), True


def isaac_sar(bits: int, rate_msps: float, node_nm: int) -> tuple[float, float, str]:
    """(energy_pj per conversion, area_um2, model name) of the ISAAC-scaled SAR law."""
    e_tab, ext_e = _table_value(_HWC_ENERGY_PJ, bits)
    a_tab, ext_a = _table_value(_HWC_AREA_UM2, bits)
    energy = ISAAC_E8_PJ * e_tab / _HWC_ENERGY_PJ[8] * energy_factor(T.NODE_NM, node_nm)
    area = a_tab * area_factor(T.NODE_NM, node_nm)
    note = ", extrapolated beyond 4-10 b" if (ext_e or ext_a) else ""
    return energy, area, f"isaac_sar({bits} b, {node_nm} nm{note})"


def murmann_survey(bits: int, rate_msps: float, node_nm: int) -> tuple[float, float, str]:
    """(energy_pj per conversion, area_um2, model name) of the Walden/Murmann-survey law."""
    scale = murmann_energy_factor(T.NODE_NM, node_nm)
    energy = max(MURMANN_FOM_W_PJ * 2**bits, MURMANN_FLOOR_PJ_32NM) * scale
    rate_hz = rate_msps * 1.0e6
    area = math.exp(1.346 + 0.993 * math.log(node_nm) + 0.181 * math.log(rate_hz) + 0.299 * math.log(energy))
    return energy, area, f"murmann_survey({bits} b, {rate_msps:g} MS/s, {node_nm} nm)"


ADC_LAWS = {"isaac_sar": (isaac_sar, ISAAC_SAR_SOURCE), "murmann_survey": (murmann_survey, MURMANN_SOURCE)}


def adc_cost(model: str, bits: int, rate_msps: float, node_nm: int) -> tuple[float, float, str, str]:
    """(energy_pj, area_um2, model name, source) of one ADC under the named law."""
    if model not in ADC_LAWS:
        raise ComponentError(f"pe.adc.model={model}: unknown ADC law (known: {', '.join(ADC_LAWS)})")
    if not 1 <= bits <= 16:
        raise ComponentError(f"pe.adc.bits={bits}: outside the 1-16 bits the ADC laws cover")
    law, source = ADC_LAWS[model]
    energy, area, name = law(bits, rate_msps, node_nm)
    return energy, area, name, source
