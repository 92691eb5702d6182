"""Which tile kind an operator goes on (``chip.tile_kinds``; issue 17 item 7): the placement rule, not yet wired
into the passes (``compiler.passes.pipeline.refuse_tile_kinds`` refuses such architectures until it is).

An ``mvm`` of ``weight_bits``-bit weights and ``input_bits``-bit inputs, tiled for kind ``K``'s crossbar
(``compiler.passes.tile.tile_matrix``), needs conversions of

    required_K = min(needed_adc_bits(K, rows), max(weight_bits, input_bits))

bits: what a column sum of its tallest block needs to be exact (``compiler.passes.optimize.adc``), but no more
than the operator's own precision, whose result keeps no more bits than that (the premise of pairing
low-precision operators with low-resolution ADCs).  Kind ``K`` fits when ``K.pe.adc.bits >= required_K``; the
operator goes on the fitting kind of the lowest ADC resolution (the cheapest conversions; ties: the first kind
in ``chip.tile_kinds`` order).  An operator no kind fits is an error naming it and its bits, never placed on a
kind that would truncate more than its precision.
"""

from __future__ import annotations

from pimsim.spec.errors import SpecError

from compiler.passes.optimize.adc import needed_adc_bits
from compiler.passes.tile import tile_matrix


def required_adc_bits(kind_arch, k: int, n: int, weight_bits: int, input_bits: int) -> int:
    """Bits a ``k x n`` operator's conversions need on a kind (``kind_arch``: ``ArchSpec.kind_arch``)."""
    rows = max(b["rows"] for b in tile_matrix(kind_arch, k, n, weight_bits))
    return min(needed_adc_bits(kind_arch, rows), max(weight_bits, input_bits))


def choose_kind(arch, name: str, k: int, n: int, weight_bits: int, input_bits: int, source: str) -> str:
    """The tile kind operator ``name`` goes on (module docstring rule); ``SpecError`` when none fits."""
    fits = []
    for i, kind in enumerate(arch.tile_kinds):
        view = arch.kind_arch(kind.name)
        if view.pe.adc.bits >= required_adc_bits(view, k, n, weight_bits, input_bits):
            fits.append((view.pe.adc.bits, i, kind.name))
    if not fits:
        adcs = ", ".join(f"{kind.name} {kind.pe.adc.bits}" for kind in arch.tile_kinds)
        need = min(required_adc_bits(arch.kind_arch(kind.name), k, n, weight_bits, input_bits)
                   for kind in arch.tile_kinds)
        raise SpecError(source, f"operator {name}: {weight_bits}-bit weights x {input_bits}-bit inputs need "
                                f"{need}-bit conversions; no tile kind converts them (ADC bits: {adcs})")
    return min(fits)[2]
