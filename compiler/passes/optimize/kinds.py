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

Spill: kinds fill up in graph order.  The operator takes the first fitting kind, in the order above, that still
has room for it, counted as the placement counts it: ``--strategy naive`` places each operator's blocks one per
crossbar from a fresh tile (``compiler.passes.place``), so it needs ``ceil(blocks / crossbars per tile)`` whole
tiles; ``optimized`` may pack several blocks per crossbar (``compiler.passes.optimize.pack``), so it needs at
least ``ceil(cells / crossbar cells)`` crossbars (its blocks' rows x physical columns).  Room is the kind's
crossbars (within ``--area-budget-mm2`` for ``optimized``, ``tiles_by_kind``).  A mapping that fitted its
preferred kinds before is therefore unchanged; one that did not now spills operators to the next fitting kind
(higher resolution) instead of failing.  A spilled operator is recorded in ``opts.notes.tile_kind_spills``
(``pimcompile`` prints it as a note); when no fitting kind has room it is an error naming the operator and
each fitting kind's need and room.  The cell count is a lower bound: packing whose shelves waste cells may still
exceed a kind, which the packing step refuses naming the kind (``compiler.passes.optimize._pack_kind``).

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
    rows = max(b.rows for b in tile_matrix(kind_arch, k, n, weight_bits))
    return min(needed_adc_bits(kind_arch, rows), max(weight_bits, input_bits))


def fitting_kinds(arch, name: str, k: int, n: int, weight_bits: int, input_bits: int, source: str) -> list[str]:
    """The kinds whose ADC converts operator ``name``'s bits, in preference order (lowest resolution first,
    then ``chip.tile_kinds`` order); ``SpecError`` when none does."""
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
    return [name for _, _, name in sorted(fits)]


def choose_kind(arch, name: str, k: int, n: int, weight_bits: int, input_bits: int, source: str) -> str:
    """The preferred tile kind of operator ``name`` (module docstring rule, room not considered)."""
    return fitting_kinds(arch, name, k, n, weight_bits, input_bits, source)[0]


class KindRoom:
    """Crossbars left on each kind while the precision pass assigns kinds in graph order (module docstring)."""

    def __init__(self, arch, strategy: str, budget_tiles: int):
        self.arch, self.naive = arch, strategy == "naive"
        tiles = tiles_by_kind(arch, arch.chip.tiles if self.naive else budget_tiles)
        self.left = {kind.name: tiles[kind.name] * _per_tile(arch, kind.name) for kind in arch.tile_kinds}
        self.spills: list[str] = []

    def need(self, kind: str, k: int, n: int, weight_bits: int) -> int:
        """Crossbars a ``k x n`` operator's blocks take on ``kind`` (module docstring: whole tiles for naive, the
        packing bound for optimized)."""
        view = kind_view(self.arch, kind)
        blocks = tile_matrix(view, k, n, weight_bits)
        if self.naive:
            per = _per_tile(self.arch, kind)
            return -(-len(blocks) // per) * per
        cells = sum(b.rows * b.physical_cols for b in blocks)
        return -(-cells // (view.pe.crossbar.rows * view.pe.crossbar.cols))

    def take(self, name: str, kinds: list[str], k: int, n: int, weight_bits: int, source: str) -> str:
        """The first of ``kinds`` (preference order) with room for operator ``name``; its room is taken."""
        needs = {kind: self.need(kind, k, n, weight_bits) for kind in kinds}
        for kind in kinds:
            if needs[kind] <= self.left[kind]:
                self.left[kind] -= needs[kind]
                if kind != kinds[0]:
                    self.spills.append(f"tile kind spill: operator {name} on {kind} ({kinds[0]} has "
                                       f"{self.left[kinds[0]]} crossbars left, it needs {needs[kinds[0]]})")
                return kind
        room = ", ".join(f"{kind} {needs[kind]} needed, {self.left[kind]} left" for kind in kinds)
        raise SpecError(source, f"operator {name}: no tile kind that converts its bits has room for it "
                                f"(crossbars: {room})")


def _per_tile(arch, kind: str) -> int:
    view = kind_view(arch, kind)
    return view.tile.pes * view.pe.crossbars


def assign_kind(arch, node, weight_bits: int, input_bits: int, source: str, room: KindRoom | None = None) -> None:
    """Record on ``node`` (an ``mvm``) its kind: the module docstring rule (with ``room``: the first fitting kind
    with room), or ``all`` with one kind."""
    if not arch.heterogeneous:
        node.tile_kind = IMPLICIT_KIND
        return
    info = node.params
    kinds = fitting_kinds(arch, node.name, info.k, info.n, weight_bits, input_bits, source)
    node.tile_kind = kinds[0] if room is None else room.take(node.name, kinds, info.k, info.n, weight_bits,
                                                               source)


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
