"""The mapper's energy proxy: the per-query energy that mapping choices change, pJ.

Counted (ISAAC Table 6, 32 nm; the same sources as ``pimsim.components``):
- DAC: 3.906 uW per 1-bit DAC (x2 per extra bit) for one read, per driven row
  and input slice -- spreading a block over more crossbars drives its rows again;
- ADC: per conversion, 1.5625 pJ at 8 bits scaled by the hwcomponents-library
  SAR ratios (0.79/0.99/1.20/1.42/1.667/1.97/2.38 pJ for 4..10 bits) -- lower
  resolution converts cheaper;
- chip I/O (link power / bandwidth per bit) and DRAM (``energy_pj_per_bit``)
  for inputs, outputs and embedding rows, which no mapping choice changes but
  which set the scale the changes are compared with.
Not counted: buffers, NoC, vector unit, registers, leakage.  It ranks candidate
mappings (energy x time); the simulator remains the measurement.
"""

from __future__ import annotations

from compiler.cost.timing import ArchTiming

_ADC_PJ = {4: 0.79, 5: 0.99, 6: 1.20, 7: 1.42, 8: 1.667, 9: 1.97, 10: 2.38}


def adc_pj(bits: int) -> float:
    b = min(max(bits, 4), 10)
    return 1.5625 * _ADC_PJ[b] / _ADC_PJ[8]


def energy_proxy_pj(ops, value_bits, inputs, outputs, arch) -> float:
    tm = ArchTiming(arch)
    scale = (arch.technology.node_nm / 32) ** 2
    dac_pj = 3.906e-3 * 2 ** (arch.pe.dac.bits - 1) * arch.pe.crossbar.read_latency_ns * scale
    total = 0.0
    for op in ops:
        if not op.on_crossbars:
            continue
        slices = op.m * tm.input_slices(op.precision["input_bits"])
        e_adc = adc_pj(op.precision.get("adc_bits") or arch.pe.adc.bits) * scale
        for b in op.current_blocks():
            total += slices * (b["rows"] * dac_pj + b["cols"] * b["slice_count"] * b["sign_columns"] * e_adc)
    io_pj_per_bit = arch.chip.io_link.power_mw / arch.chip.io_link.bandwidth_gbps  # mW / (Gb/s) = pJ/bit
    total += io_pj_per_bit * sum(value_bits[n] for n in list(inputs) + list(outputs))
    if arch.embedding.dram is not None:
        total += arch.embedding.dram.energy_pj_per_bit * sum(
            op.tables * op.lookups * op.dim * op.precision["output_bits"]
            for op in ops if op.kind == "embedding" and op.storage == "dram")
    return total
