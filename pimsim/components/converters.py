"""Crossbar periphery: DACs, sample-and-holds and ADCs (column-multiplexed, optionally shared by crossbars).

Sources:
- DAC (``isaac_x2_per_bit``): ISAAC Table 6, 1-bit DAC 3.9 uW (4 mW / 1024)
  and 0.166 um^2; resolution scaling "area and power double per bit" from
  MNSIM's DAC table derived from ISAAC (2-bit 0.332 um^2 / 7.8 uW ... 6-bit
  5.312 um^2 / 124.8 uW; reference 1.3).  DAC ``table``: the design's own
  per-resolution figures, geometric interpolation between points.
- Sample-and-hold: ISAAC Table 6, 1024 S+H per IMA: 10 uW, 0.00004 mm^2.
- ADC: see ``pimsim.components.adc_laws`` (``pe.adc.model``: two laws or a table).
- Static share: puma-simulator ``include/constants.py`` prices 10 % of
  ISAAC's DAC, S+H and ADC power as leakage (``isaac_table``).

Equations (t_read = one sensing step, ns; T = slice interval ns; S = sensing
steps per slice; ef, af, lf = energy, area, leakage node factors from 32 nm):
    P_dac(b)  = 3.906 uW * 2^(b-1)
    E_drive   = 0.9 * P_dac * t_read * ef;   leak_dac = 0.1 * P_dac * lf
    A_dac(b)  = 0.166 um^2 * 2^(b-1) * af
    E_sample  = 0.9 * 9.77 nW * t_read * ef;  leak_sh = 0.1 * 9.77 nW * lf
    ADC: E_convert = law/table dynamic energy at pe.adc.bits; one conversion takes 1000 / rate_msps ns;
         conversion_ns_at(b), energy_pj_at(b) at any b <= bits
    peak intervals: DAC  T / (rows / dacs_per_crossbar)   (each DAC drives rows/dacs rows per slice)
                    S+H  T / S                             (one sample per column per step)
                    ADC  T / conversions_per_adc           (``pimsim.components.slicing``)

Conversion time and energy versus resolution (``AdcModel.conversion_ns_at``,
``energy_pj_at``): one law for the chip's ADC and for an operator that
resolves fewer bits on it (``precision.adc_bits``), the simulator and the
mapper alike, implemented once in ``pimsim.components.adc_laws.AdcLaw``.  A
SAR ADC samples in one step and then decides one bit per step, so a b-bit
conversion takes (b + 1) steps (NeuroSim ``SarADC::CalculateLatency``:
``(log2(levelOutput) + 1)`` cycles per conversion, neurosim/DNN_NeuroSim_V1.4
``Inference_pytorch/NeuroSIM/SarADC.cpp``).  ``pe.adc.sample_rate_msps`` is
the rate at the architecture's ``pe.adc.bits`` = B, which fixes the step time:

    t_conv(b) = (b + 1) / (B + 1) * 1000 / sample_rate_msps     ns,  1 <= b <= B   (laws)
    E_conv(b) = 0.9 x law(b, rate, node)                        (the dynamic share, ``adc_laws``)

A ``table`` ADC takes both from its table (geometric interpolation).  A
conversion of more bits than the ADC has is an error (it cannot resolve them).

Assumptions: a DAC drives its row, and an S+H holds its column, for a whole
sensing step, so their energy is power x read time and their latency is
inside the crossbar read (0 extra cycles).  Columns share an ADC through an
analog multiplexer whose cost is inside the ADC figure (as in ISAAC).
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components import isaac_table as T
from pimsim.components.adc_laws import AdcLaw
from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.crossbar import slice_interval_ns
from pimsim.components.scaling import area_factor, energy_factor, leakage_factor
from pimsim.components.slicing import peak_slice_work
from pimsim.spec.arch import interpolate_geometric
from pimsim.spec.units import energy_pj_from_power, ns_to_cycles

DAC_SOURCE = f"{T.SOURCE} (1-bit DAC); x2 per bit: MNSIM DAC table (reference 1.3); static share: {T.PUMA_SOURCE}"
DAC_TABLE_SOURCE = "arch spec pe.dac.table (the design's own figures), geometric interpolation between points"
F_STATIC = T.STATIC_FRACTION_10PCT


@dataclass(frozen=True, kw_only=True)
class AdcModel(ComponentModel):
    bits: int
    sample_rate_msps: float
    conversion_ns: float
    clock_mhz: float
    columns_per_adc: int
    shared_by_crossbars: int
    law: AdcLaw

    def cycles_for_conversions(self, n: int, bits: int | None = None) -> int:
        """Clock cycles for ``n`` back-to-back conversions of one ADC at ``bits`` (None: its own resolution),
        rounded up once, not per conversion."""
        if n < 0:
            raise ValueError("number of conversions must be >= 0")
        per = self.conversion_ns if bits is None else self.conversion_ns_at(bits)
        return ns_to_cycles(n * per, self.clock_mhz) if n else 0

    def conversion_ns_at(self, bits: int) -> float:
        """Time of one conversion at ``bits`` (<= the ADC's own), ns: the table's, or the SAR (b+1)-step law's."""
        return self.law.conversion_ns(bits)

    def energy_pj_at(self, bits: int) -> float:
        """Dynamic energy of one conversion at ``bits`` (<= the ADC's own), pJ: the law's or the table's."""
        return self.law.energy_pj(bits)


@dataclass(frozen=True, kw_only=True)
class DacModel(ComponentModel):
    bits: int
    per_crossbar: int


def _node_factors(arch, from_nm: float) -> tuple[float, float, float]:
    node = arch.technology.node_nm
    return energy_factor(from_nm, node), area_factor(from_nm, node), leakage_factor(from_nm, node)


def _dac_point(arch) -> tuple[float, float, float, str, str]:
    """(drive energy pJ, area um^2, leakage mW, model name, source) of one DAC."""
    d, node = arch.pe.dac, arch.technology.node_nm
    if d.model == "table":
        ef, af, lf = _node_factors(arch, d.table_node_nm) if d.table_node_nm is not None else (1.0, 1.0, 1.0)
        at = {f: interpolate_geometric([(p.bits, getattr(p, f)) for p in d.table], d.bits)
              for f in ("energy_pj", "area_um2", "leakage_mw")}
        name = f"dac_table({d.bits} b of {'/'.join(str(p.bits) for p in d.table)} b, {node:g} nm)"
        return at["energy_pj"] * ef, at["area_um2"] * af, at["leakage_mw"] * lf, name, DAC_TABLE_SOURCE
    ef, af, lf = _node_factors(arch, T.NODE_NM)
    power = T.DAC_POWER_MW * 2 ** (d.bits - T.DAC_BITS)
    energy = (1.0 - F_STATIC) * energy_pj_from_power(power, arch.pe.crossbar.read_latency_ns) * ef
    area = T.DAC_AREA_UM2 * 2 ** (d.bits - T.DAC_BITS) * af
    return energy, area, F_STATIC * power * lf, f"isaac_dac_x2_per_bit({d.bits} b, {node:g} nm)", DAC_SOURCE


def build_dac(arch) -> DacModel:
    x, d = arch.pe.crossbar, arch.pe.dac
    per_crossbar = x.rows if d.per_crossbar is None else d.per_crossbar
    energy, area, leak, name, source = _dac_point(arch)
    drives_per_slice = x.rows / per_crossbar  # each row driven once per slice, by one of the DACs
    return DacModel(
        role="dac", model_name=name, source=source, area_um2=area, leakage_mw=leak,
        energies_pj={"drive": energy}, latencies_cycles={"drive": 0},
        peak_interval_ns={"drive": slice_interval_ns(arch) / drives_per_slice},
        bits=d.bits, per_crossbar=per_crossbar,
    )


def build_sample_hold(arch) -> ComponentModel:
    ef, af, lf = _node_factors(arch, T.NODE_NM)
    steps = peak_slice_work(arch.pe).sensing_steps
    return ComponentModel(
        role="sample_hold",
        model_name=f"isaac_sample_hold({arch.technology.node_nm:g} nm)",
        source=f"{T.SOURCE}; static share: {T.PUMA_SOURCE}",
        area_um2=T.SH_AREA_UM2 * af,
        leakage_mw=F_STATIC * T.SH_POWER_MW * lf,
        energies_pj={"sample": (1.0 - F_STATIC) * energy_pj_from_power(T.SH_POWER_MW,
                                                                        arch.pe.crossbar.read_latency_ns) * ef},
        latencies_cycles={"sample": 0},
        peak_interval_ns={"sample": slice_interval_ns(arch) / steps},
    )


def build_adc(arch) -> AdcModel:
    a = arch.pe.adc
    law = AdcLaw.from_spec(a, arch.technology.node_nm)
    name, source = law.describe()
    conversion_ns = law.conversion_ns(a.bits)  # 1000 / sample_rate_msps: the law's anchor, the table's own point
    work = peak_slice_work(arch.pe)
    return AdcModel(
        role="adc",
        model_name=name,
        source=source,
        area_um2=law.area_um2(),
        leakage_mw=law.leakage_mw(),
        energies_pj={"convert": law.energy_pj(a.bits)},
        latencies_cycles={"convert": ns_to_cycles(conversion_ns, arch.clock_mhz)},
        peak_interval_ns={"convert": slice_interval_ns(arch) / work.conversions_per_adc},
        bits=a.bits,
        sample_rate_msps=a.sample_rate_msps,
        conversion_ns=conversion_ns,
        clock_mhz=arch.clock_mhz,
        columns_per_adc=arch.cols_per_adc,
        shared_by_crossbars=a.shared_by_crossbars,
        law=law,
    )


def adcs_per_pe(pe) -> int:
    """ADCs in one PE: one bank of ``per_crossbar`` ADCs per ``shared_by_crossbars`` crossbars."""
    if pe.crossbars % pe.adc.shared_by_crossbars:
        raise ComponentError(f"pe.adc.shared_by_crossbars={pe.adc.shared_by_crossbars}: must divide pe.crossbars")
    return pe.crossbars // pe.adc.shared_by_crossbars * pe.adc.per_crossbar


def dacs_per_crossbar(pe) -> int:
    return pe.crossbar.rows if pe.dac.per_crossbar is None else pe.dac.per_crossbar
