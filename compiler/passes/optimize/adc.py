"""ADC resolution matched to the rows a block reads in parallel (issue 6).

A crossbar column sums ``rows`` products of a ``dac_bits`` input slice and a
``cell_bits`` cell, so its largest value is ``rows x (2^dac_bits - 1) x
(2^cell_bits - 1)`` and ``ceil(log2(that + 1))`` bits convert it exactly
(ISAAC section 5: the ADC resolution follows from rows, DAC and cell bits).
An operator whose blocks read fewer rows than the crossbar has (small ``k``,
or the last row block) needs fewer bits; it gets ``min(needed, pe.adc.bits)``,
so it is never less exact than the architecture's ADC.  Mapper and simulator
charge a conversion ``(adc_bits + 1) / (pe.adc.bits + 1)`` of the full time
(SAR: one sampling step plus one step per bit) and the ADC law's energy at
``adc_bits`` (``pimsim.components.converters.AdcModel``).
"""

from __future__ import annotations

import math


def needed_adc_bits(arch, rows: int) -> int:
    """Bits that convert every possible column sum of ``rows`` rows exactly."""
    top = rows * (2 ** arch.pe.dac.bits - 1) * (2 ** arch.pe.crossbar.cell_bits - 1)
    return max(1, math.ceil(math.log2(top + 1)))


def match_adc_bits(graph, arch) -> int:
    """Set ``precision['adc_bits']`` of every crossbar operator; returns how many were lowered."""
    lowered = 0
    for n in graph.nodes:
        if not n.blocks or n.kind not in ("mvm", "dynamic_mvm"):
            continue
        bits = min(arch.pe.adc.bits, needed_adc_bits(arch, max(b["rows"] for b in n.blocks)))
        lowered += bits < arch.pe.adc.bits
        n.precision = {**n.precision, "adc_bits": bits}
    return lowered
