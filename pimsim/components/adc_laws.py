"""ADC energy, area, conversion time and leakage versus resolution: two named, cited laws and a table.

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

Both laws give the *whole* energy per conversion at the rated rate (power /
rate, leakage inside).  The static share is puma-simulator's split of
ISAAC's ADC (1.8 mW dynamic + 0.2 mW leakage, ``isaac_table``):
    E_dyn(B)  = 0.9 * E(B)                                   (charged per conversion)
    P_leak    = 0.1 * E(B_rated; 32 nm) * f_rated * leakage_factor(32 nm -> node)
Conversion time of a SAR (NeuroSim V1.4 ``SarADC.cpp``: (log2(levels) + 1)
cycles, one sampling step plus one per bit), anchored so the rated
resolution B takes 1 / f_rated:
    t(b) = (1000 / f_rated_msps) * (b + 1) / (B + 1) ns          (b <= B)

``table`` -- the design's own figures per resolution (``pe.adc.table``):
    energy_pj (dynamic), area_um2, conversion_ns, leakage_mw at listed bits;
    between two listed resolutions each quantity is interpolated
    geometrically (``pimsim.spec.arch.interpolate_geometric``), none outside
    the table.  A table characterised at ``table_node_nm`` is scaled to the
    periphery node with energy_factor / area_factor / leakage_factor; its
    conversion times are not scaled (assumption: a design's speed is its own).

Assumptions: energy per conversion does not depend on the sample rate below
the design's rated rate (SAR dynamic energy); a conversion at fewer bits than
the ADC has costs the law's (or table's) energy at those bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.base import ComponentError
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor, murmann_energy_factor
from pimsim.spec.arch import interpolate_geometric

ISAAC_SAR_SOURCE = "ISAAC Table 6 8-bit SAR anchor; bit scaling: hwcomponents-library isaac.py (Saberi CDAC)"
MURMANN_SOURCE = "Walden FOM fitted to Murmann ADC survey via Accelergy ADC plug-in regression (reference 2(e))"
TABLE_SOURCE = "arch spec pe.adc.table (the design's own figures), geometric interpolation between points"
STATIC_SOURCE = f"static share: {T.PUMA_SOURCE}; conversion time: NeuroSim V1.4 SarADC.cpp ((bits+1) steps)"

ADC_STATIC_FRACTION = T.STATIC_FRACTION_10PCT
"""Share of a law ADC's full-rate power that is leakage (puma-simulator: 0.2 of ISAAC's 2 mW)."""

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


def isaac_sar(bits: int, rate_msps: float, node_nm: float) -> tuple[float, float, str]:
    """(whole energy_pj per conversion, area_um2, model name) of the ISAAC-scaled SAR law."""
    e_tab, ext_e = _table_value(_HWC_ENERGY_PJ, bits)
    a_tab, ext_a = _table_value(_HWC_AREA_UM2, bits)
    energy = ISAAC_E8_PJ * e_tab / _HWC_ENERGY_PJ[8] * energy_factor(T.NODE_NM, node_nm)
    area = a_tab * area_factor(T.NODE_NM, node_nm)
    note = ", extrapolated beyond 4-10 b" if (ext_e or ext_a) else ""
    return energy, area, f"isaac_sar({bits} b, {node_nm:g} nm{note})"


def murmann_survey(bits: int, rate_msps: float, node_nm: float) -> tuple[float, float, str]:
    """(whole energy_pj per conversion, area_um2, model name) of the Walden/Murmann-survey law."""
    scale = murmann_energy_factor(T.NODE_NM, node_nm)
    energy = max(MURMANN_FOM_W_PJ * 2**bits, MURMANN_FLOOR_PJ_32NM) * scale
    rate_hz = rate_msps * 1.0e6
    area = math.exp(1.346 + 0.993 * math.log(node_nm) + 0.181 * math.log(rate_hz) + 0.299 * math.log(energy))
    return energy, area, f"murmann_survey({bits} b, {rate_msps:g} MS/s, {node_nm:g} nm)"


ADC_LAWS = {"isaac_sar": (isaac_sar, ISAAC_SAR_SOURCE), "murmann_survey": (murmann_survey, MURMANN_SOURCE)}


def _law(model: str, bits: int):
    if model not in ADC_LAWS:
        raise ComponentError(f"pe.adc.model={model}: unknown ADC law (known: {', '.join(ADC_LAWS)}; "
                             "a table ADC is priced from its pe.adc.table)")
    if not 1 <= bits <= 16:
        raise ComponentError(f"pe.adc.bits={bits}: outside the 1-16 bits the ADC laws cover")
    return ADC_LAWS[model]


def adc_cost(model: str, bits: int, rate_msps: float, node_nm: float) -> tuple[float, float, str, str]:
    """(dynamic energy_pj per conversion, area_um2, model name, source) of one ADC under the named law."""
    law, source = _law(model, bits)
    energy, area, name = law(bits, rate_msps, node_nm)
    return (1.0 - ADC_STATIC_FRACTION) * energy, area, name, source


def adc_leakage_mw(model: str, bits: int, rate_msps: float, node_nm: float) -> float:
    """Leakage of one law ADC designed for ``bits`` at ``rate_msps``: 10 % of its 32 nm full-rate power,
    scaled to the node by ``leakage_factor`` (module docstring)."""
    law, _ = _law(model, bits)
    energy_32, _, _ = law(bits, rate_msps, T.NODE_NM)
    return ADC_STATIC_FRACTION * energy_32 * rate_msps * 1.0e-3 * leakage_factor(T.NODE_NM, node_nm)


@dataclass(frozen=True)
class AdcLaw:
    """How one architecture's ADC is priced at any resolution it can convert (laws or table).

    ``rated_bits``/``rate_msps`` are the design point (``pe.adc.bits``, ``sample_rate_msps``); a law
    ADC's leakage and conversion-time anchor come from it.
    """

    model: str
    rated_bits: int
    rate_msps: float
    node_nm: float
    table: tuple = ()
    table_node_nm: float | None = None

    @classmethod
    def from_spec(cls, adc, node_nm: float) -> "AdcLaw":
        return cls(adc.model, adc.bits, adc.sample_rate_msps, node_nm, tuple(adc.table or ()), adc.table_node_nm)

    def _check(self, bits: int) -> None:
        if not 1 <= bits <= self.rated_bits:
            raise ComponentError(f"{bits}-bit conversion: the ADC resolves 1..{self.rated_bits} bits (pe.adc.bits)")

    def _table_at(self, bits: int, field: str) -> float:
        try:
            return interpolate_geometric([(p.bits, getattr(p, field)) for p in self.table], bits)
        except ValueError as exc:
            raise ComponentError(f"pe.adc.table: {bits} bits: {exc} (no extrapolation)") from None

    def _scale(self, kind) -> float:
        if self.table_node_nm is None:
            return 1.0
        return kind(self.table_node_nm, self.node_nm)

    def energy_pj(self, bits: int) -> float:
        """Dynamic energy of one ``bits``-bit conversion, pJ."""
        self._check(bits)
        if self.model == "table":
            return self._table_at(bits, "energy_pj") * self._scale(energy_factor)
        return adc_cost(self.model, bits, self.rate_msps, self.node_nm)[0]

    def conversion_ns(self, bits: int) -> float:
        """Time of one ``bits``-bit conversion, ns (table, or the SAR (b+1)/(B+1) law)."""
        self._check(bits)
        if self.model == "table":
            return self._table_at(bits, "conversion_ns")
        return 1.0e3 / self.rate_msps * ((bits + 1) / (self.rated_bits + 1))  # exactly 1000 / rate at B

    def area_um2(self) -> float:
        """Area of one ADC of the rated resolution, um^2."""
        if self.model == "table":
            return self._table_at(self.rated_bits, "area_um2") * self._scale(area_factor)
        return adc_cost(self.model, self.rated_bits, self.rate_msps, self.node_nm)[1]

    def leakage_mw(self) -> float:
        """Static power of one ADC of the rated resolution, mW."""
        if self.model == "table":
            return self._table_at(self.rated_bits, "leakage_mw") * self._scale(leakage_factor)
        return adc_leakage_mw(self.model, self.rated_bits, self.rate_msps, self.node_nm)

    def describe(self) -> tuple[str, str]:
        """(model name, source) of the rated design point."""
        if self.model == "table":
            at = f", from {self.table_node_nm:g} nm" if self.table_node_nm is not None else ""
            bits = "/".join(str(p.bits) for p in self.table)
            return f"adc_table({self.rated_bits} b of {bits} b, {self.node_nm:g} nm{at})", TABLE_SOURCE
        _, _, name, source = adc_cost(self.model, self.rated_bits, self.rate_msps, self.node_nm)
        return name, f"{source}; {STATIC_SOURCE}"
