"""Crossbar periphery: DACs, sample-and-holds and ADCs (column-multiplexed).

Sources:
- DAC: ISAAC Table 6, 1-bit DAC 3.9 uW (4 mW / 1024) and 0.166 um^2;
  resolution scaling "area and power double per bit" from MNSIM's DAC table
  derived from ISAAC (2-bit 0.332 um^2 / 7.8 uW ... 6-bit 5.312 um^2 /
  124.8 uW; reference 1.3).
- Sample-and-hold: ISAAC Table 6, 1024 S+H per IMA: 10 uW, 0.00004 mm^2.
- ADC: see ``pimsim.components.adc_laws`` (selectable law, ``pe.adc.model``).

Equations (t_read = crossbar read ns, T = slice interval ns):
    P_dac(b)  = 3.906 uW * 2^(b-1) * energy_factor;   E_drive  = P_dac * t_read
    A_dac(b)  = 0.166 um^2 * 2^(b-1) * area_factor
    E_sample  = 9.77 nW * t_read * energy_factor
    E_convert = law(bits, rate, node);  one conversion takes 1000 / rate_msps ns
    ADC peak interval = T / cols_per_adc (its columns converted serially)

Conversion time versus resolution (``AdcModel.conversion_ns_at``), one law
for the chip's ADC and for an operator that resolves fewer bits on it
(``precision.adc_bits``): a SAR ADC samples in one step and then decides one
bit per step, so a b-bit conversion takes (b + 1) steps (NeuroSim
``SarADC::CalculateLatency``: ``(log2(levelOutput) + 1)`` cycles per
conversion, neurosim/DNN_NeuroSim_V1.4 ``Inference_pytorch/NeuroSIM/SarADC.cpp``).
``pe.adc.sample_rate_msps`` is the rate at the architecture's ``pe.adc.bits``
= B, which fixes the step time, so

    t_conv(b) = (b + 1) / (B + 1) * 1000 / sample_rate_msps     ns,  1 <= b <= B
    E_conv(b) = law(b, rate, node)                              (the same ADC law at b bits)

A conversion of more bits than the ADC has is an error (it cannot resolve them).

Assumptions: a DAC drives its row, and an S+H holds its column, for the whole
analog read, so their energy is power x read time and their latency is
inside the crossbar read (0 extra cycles).  Columns share an ADC through an
analog multiplexer whose cost is inside the ADC figure (as in ISAAC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.adc_laws import adc_cost
from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.crossbar import slice_interval_ns
from pimsim.components.scaling import area_factor, energy_factor
from pimsim.spec.units import energy_pj_from_power, ns_to_cycles

DAC_SOURCE = f"{T.SOURCE} (1-bit DAC); x2 per bit: MNSIM DAC table (reference 1.3)"


SAR_STEPS_SOURCE = ("NeuroSim SarADC::CalculateLatency, (log2(levels) + 1) cycles per conversion "
                    "(neurosim/DNN_NeuroSim_V1.4, Inference_pytorch/NeuroSIM/SarADC.cpp)")


@dataclass(frozen=True, kw_only=True)
class AdcModel(ComponentModel):
    bits: int
    sample_rate_msps: float
    conversion_ns: float
    clock_mhz: float
    columns_per_adc: int
    law: str
    node_nm: int

    def conversion_ns_at(self, bits: int) -> float:
        """ns of one conversion resolving ``bits`` (<= the ADC's own): (bits + 1) SAR steps (module docstring)."""
        self._check_bits(bits)
        return self.conversion_ns * (bits + 1) / (self.bits + 1)

    def energy_pj_at(self, bits: int) -> float:
        """pJ of one conversion resolving ``bits``: the ADC law (``pe.adc.model``) at that resolution."""
        self._check_bits(bits)
        if bits == self.bits:
            return self.energy_pj("convert")
        return adc_cost(self.law, bits, self.sample_rate_msps, self.node_nm)[0]

    def cycles_for_conversions(self, n: int, bits: int | None = None) -> int:
        """Clock cycles for ``n`` back-to-back conversions of one ADC at ``bits`` (None: its own resolution),
        rounded up once, not per conversion."""
        if n < 0:
            raise ValueError("number of conversions must be >= 0")
        per = self.conversion_ns if bits is None else self.conversion_ns_at(bits)
        return ns_to_cycles(n * per, self.clock_mhz) if n else 0

    def _check_bits(self, bits: int) -> None:
        if not 1 <= bits <= self.bits:
            raise ComponentError(f"ADC conversion at {bits} bits: a {self.bits}-bit ADC (pe.adc.bits) resolves "
                                 f"1 to {self.bits} bits")


@dataclass(frozen=True, kw_only=True)
class DacModel(ComponentModel):
    bits: int


def build_dac(arch) -> DacModel:
    bits, node = arch.pe.dac.bits, arch.technology.node_nm
    power = T.DAC_POWER_MW * 2 ** (bits - T.DAC_BITS) * energy_factor(T.NODE_NM, node)
    return DacModel(
        role="dac",
        model_name=f"isaac_dac_x2_per_bit({bits} b, {node} nm)",
        source=DAC_SOURCE,
        area_um2=T.DAC_AREA_UM2 * 2 ** (bits - T.DAC_BITS) * area_factor(T.NODE_NM, node),
        leakage_mw=0.0,
        energies_pj={"drive": energy_pj_from_power(power, arch.pe.crossbar.read_latency_ns)},
        latencies_cycles={"drive": 0},
        peak_interval_ns={"drive": slice_interval_ns(arch)},
        bits=bits,
    )


def build_sample_hold(arch) -> ComponentModel:
    node = arch.technology.node_nm
    power = T.SH_POWER_MW * energy_factor(T.NODE_NM, node)
    return ComponentModel(
        role="sample_hold",
        model_name=f"isaac_sample_hold({node} nm)",
        source=T.SOURCE,
        area_um2=T.SH_AREA_UM2 * area_factor(T.NODE_NM, node),
        leakage_mw=0.0,
        energies_pj={"sample": energy_pj_from_power(power, arch.pe.crossbar.read_latency_ns)},
        latencies_cycles={"sample": 0},
        peak_interval_ns={"sample": slice_interval_ns(arch)},
    )


def build_adc(arch) -> AdcModel:
    a = arch.pe.adc
    energy, area, name, source = adc_cost(a.model, a.bits, a.sample_rate_msps, arch.technology.node_nm)
    conversion_ns = 1.0e3 / a.sample_rate_msps
    return AdcModel(
        role="adc",
        model_name=name,
        source=f"{source}; conversion time vs bits: {SAR_STEPS_SOURCE}",
        area_um2=area,
        leakage_mw=0.0,
        energies_pj={"convert": energy},
        latencies_cycles={"convert": ns_to_cycles(conversion_ns, arch.clock_mhz)},
        peak_interval_ns={"convert": slice_interval_ns(arch) / arch.cols_per_adc},
        bits=a.bits,
        sample_rate_msps=a.sample_rate_msps,
        conversion_ns=conversion_ns,
        clock_mhz=arch.clock_mhz,
        columns_per_adc=arch.cols_per_adc,
        law=a.model,
        node_nm=arch.technology.node_nm,
    )


def dac_slices(input_bits: int, dac_bits: int) -> int:
    """Input bit slices a ``input_bits`` value needs through ``dac_bits`` DACs."""
    return math.ceil(input_bits / dac_bits)
