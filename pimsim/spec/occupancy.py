"""What a mapping occupies: the one definition of "tiles used" and "crossbars used".

Every report that shows these figures takes them from here: ``pimcompile --report``,
``pimsim run`` (text and ``--json``), ``pimsim compare`` and the search's hardware cost.

- **tiles used**: tiles holding any operator (its home tile: where its vector work,
  embedding pooling and output buffer are), any crossbar block of its weights, or a
  vector unit sharing one of its products (``vector_tiles``, mapping schema 2);
- **crossbars used**: distinct physical crossbars holding at least one weight block
  (packed blocks share a crossbar).

The occupied *area* built on the tile count (chip-level parts plus the used tiles) needs
the component models, so it lives in ``pimsim.report.compare.occupied_area_mm2``.
"""

from __future__ import annotations


def tiles_used(mapping) -> frozenset[int]:
    """Tiles holding an operator's home, a crossbar block, or a vector unit sharing a product."""
    used = {op.tile for op in mapping.operators}
    used |= {b.tile for op in mapping.operators for b in getattr(op, "blocks", None) or []}
    used |= {t for op in mapping.operators for t in getattr(op, "vector_tiles", None) or []}
    return frozenset(used)


def crossbars_used(mapping) -> frozenset[tuple[int, int, int]]:
    """``(tile, pe, crossbar)`` of every crossbar holding a weight block."""
    return frozenset((b.tile, b.pe, b.crossbar) for op in mapping.operators for b in getattr(op, "blocks", None) or [])
