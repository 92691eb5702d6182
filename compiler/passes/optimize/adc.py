"""ADC resolution matched to the rows a block reads in parallel (issue 6).

A crossbar column sums, in one sensing step, ``r = min(rows,
pe.crossbar.rows_per_read)`` products of a ``dac_bits`` input slice and a
``cell_bits`` cell (partial parallel read: the other rows are summed by later
steps and added digitally), so its largest value is ``r x (2^dac_bits - 1) x
(2^cell_bits - 1)`` and ``ceil(log2(that + 1))`` bits convert it exactly
(ISAAC section 5: the ADC resolution follows from rows, DAC and cell bits).
An operator whose blocks read fewer rows than the crossbar has (small ``k``,
or the last row block) needs fewer bits; it gets ``min(needed, pe.adc.bits)``,
so it is never less exact than the architecture's ADC, and at least the
first resolution of a ``table`` ADC (which is not extrapolated below it).  Mapper and simulator
charge a conversion ``(adc_bits + 1) / (pe.adc.bits + 1)`` of the full time
(SAR: one sampling step plus one step per bit) and the ADC law's energy at
``adc_bits`` (``pimsim.components.converters.AdcModel``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from pimsim.components.slicing import rows_summed_per_conversion

from compiler.passes.kind_views import node_view


def needed_adc_bits(arch, rows: int) -> int:
    """Bits that convert every possible column sum of a block of ``rows`` rows exactly: one conversion sums
    the rows of one sensing step, ``min(rows, pe.crossbar.rows_per_read)``
    (``pimsim.components.slicing.rows_summed_per_conversion``)."""
    summed = rows_summed_per_conversion(rows, arch.pe.crossbar.rows_read_at_once)
    top = summed * (2 ** arch.pe.dac.bits - 1) * (2 ** arch.pe.crossbar.cell_bits - 1)
    return max(1, math.ceil(math.log2(top + 1)))


def matched_adc_bits(arch, rows: int) -> int:
    """The resolution a block of ``rows`` rows converts at: what it needs, within what the ADC converts
    (``pe.adc.lowest_bits``: a table ADC is not extrapolated below its first point)."""
    adc = arch.pe.adc
    return max(adc.lowest_bits, min(adc.bits, needed_adc_bits(arch, rows)))


def match_adc_bits(graph, arch) -> int:
    """Set ``precision.adc_bits`` of every crossbar operator (by its tile kind's ADC,
    ``compiler.passes.optimize.kinds``); returns how many were lowered."""
    lowered = 0
    for n in graph.nodes:
        if not n.blocks or n.kind not in ("mvm", "dynamic_mvm"):
            continue
        view = node_view(arch, n)
        bits = matched_adc_bits(view, max(b.rows for b in n.blocks))
        lowered += bits < view.pe.adc.bits
        n.precision = replace(n.precision, adc_bits=bits)
    return lowered
