"""Which tile kind an operator goes on (``chip.tile_kinds``; issue 17 item 7), and the per-kind views the passes
use to tile, place and price it.

An ``mvm`` of ``weight_bits``-bit weights and ``input_bits``-bit inputs, tiled for kind ``K``'s crossbar
(``compiler.passes.tile.tile_matrix``), needs conversions of

    required_K = min(needed_adc_bits(K, rows), max(weight_bits, input_bits))

bits: what a column sum of its tallest block needs to be exact (``compiler.passes.optimize.adc``), but no more
than the operator's own precision, whose result keeps no more bits than that (the premise of pairing
low-precision operators with low-resolution ADCs).  Kind ``K`` fits when ``K.pe.adc.bits >= required_K``; the
operator goes on the fitting kind of the lowest ADC resolution (the cheapest conversions; ties: the first kind
in ``chip.tile_kinds`` order).  An operator no kind fits is an error naming it and its bits, never placed on a
kind that would truncate more than its precision.

A product of activations written into crossbars at run time (``dynamic_mvm``, ``crossbar_write``) follows the
same rule with its second operand's width as the weight width; when no kind fits it stays on the vector unit.
Everything else (vector, embedding, copy, view) runs where it did on a single-kind chip, at the home tile of
its first activation's producer (embeddings and graph inputs at tile 0, by the I/O link): moving it to another
kind's tile would only add NoC traffic, and its vector unit and buffer are priced by that tile's kind
(``Costs.at``).  A chip of one kind (no ``chip.tile_kinds``) has one kind, ``all``: every operator goes on it
without the fit check, so single-kind mappings are unchanged.
"""

from __future__ import annotations

from pimsim.spec.arch import IMPLICIT_KIND
from pimsim.spec.errors import SpecError

from compiler.passes.kind_views import kind_view, tile_kind
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
        view = kind_view(arch, kind.name)
        if view.pe.adc.bits >= required_adc_bits(view, k, n, weight_bits, input_bits):
            fits.append((view.pe.adc.bits, i, kind.name))
    if not fits:
        adcs = ", ".join(f"{kind.name} {kind.pe.adc.bits}" for kind in arch.tile_kinds)
        need = min(required_adc_bits(kind_view(arch, kind.name), k, n, weight_bits, input_bits)
                   for kind in arch.tile_kinds)
        raise SpecError(source, f"operator {name}: {weight_bits}-bit weights x {input_bits}-bit inputs need "
                                f"{need}-bit conversions; no tile kind converts them (ADC bits: {adcs})")
    return min(fits)[2]


def assign_kind(arch, node, weight_bits: int, input_bits: int, source: str) -> None:
    """Record on ``node`` (an ``mvm``) its kind: the module docstring rule, or ``all`` with one kind."""
    info = node.params
    node.tile_kind = (choose_kind(arch, node.name, info.k, info.n, weight_bits, input_bits, source)
                      if arch.heterogeneous else IMPLICIT_KIND)


def dynamic_kind(arch, node) -> str | None:
    """The kind a run-time-written product goes on (its operands at the input width), None when no kind
    converts it (it then stays on the vector unit)."""
    if not arch.heterogeneous:
        return IMPLICIT_KIND
    info, bits = node.params, node.precision.input_bits
    try:
        return choose_kind(arch, node.name, info.k, info.n, bits, bits, "")
    except SpecError:
        return None


def tiles_by_kind(arch, budget_tiles: int) -> dict[str, int]:
    """Tiles of each kind among the first ``budget_tiles`` (an area budget keeps the lowest tile indices,
    ``pimsim.cost.area.tiles_within``)."""
    return {k.name: max(0, min(k.count, budget_tiles - k.first_tile)) for k in arch.tile_kinds}


def refuse_short_kind(arch, name: str, need_tiles: int, have_tiles: int, what: str, source: str) -> None:
    """A kind with too few tiles for its operators: one line naming the kind and the need."""
    if need_tiles > have_tiles:
        raise SpecError(source, f"tile kind {name}: its operators need {need_tiles} tiles ({what}) but "
                                f"{have_tiles} of its {tile_kind(arch, name).count} tiles are available")
