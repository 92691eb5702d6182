"""Typed per-kind operator records the IR's nodes carry (``compiler.ir.graph.Node.params``).

Each record holds the per-query sizes one operator class needs, with the names
of the mapping format's operator fields (``pimsim.spec.mapping``: ``MvmOp``,
``DynamicMvmOp``, ``EmbeddingOp``, ``VectorOp``, ``CopyOp``, ``ViewOp``), so
``compiler.passes.emit`` copies them field for field.  The partition pass
creates them (``compiler.passes.partition.classify``); they are frozen: a pass
that changes an operator's class gives it a new record.  What placement decides
(copies, implementation, vector units, storage) lives on the node itself, and
``Placement`` is one node's placement as a record, for trying candidates and
restoring one (``compiler.passes.optimize``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MvmShape:
    """``mvm``: ``m`` input vectors per query times a static ``k`` x ``n`` weight matrix."""

    m: int
    k: int
    n: int


@dataclass(frozen=True, slots=True)
class ProductShape:
    """``dynamic_mvm``: ``count`` independent [m, k] x [k, n] products of activations per query."""

    count: int
    m: int
    k: int
    n: int


@dataclass(frozen=True, slots=True)
class EmbeddingShape:
    """``embedding``: ``lookups`` rows of ``dim`` read per table per query from ``tables`` tables of ``rows``."""

    tables: int
    rows: int
    dim: int
    lookups: int


@dataclass(frozen=True, slots=True)
class VectorWork:
    """``vector``: element operations per query by class (``pimsim.cost`` prices each class)."""

    ops: dict[str, int]


@dataclass(frozen=True, slots=True)
class CopyWork:
    """``copy``: elements written per query (their bits follow the outputs' precision)."""

    bits_elements: int


@dataclass(frozen=True, slots=True)
class ViewLayout:
    """``view``: how the output addresses its inputs' storage (``alias``, ``concat``, ``range``, ``window``)."""

    layout: str


@dataclass(frozen=True, slots=True)
class OpPrecision:
    """Bits of an operator's input and output activations; static-weight bits (``mvm``) and the ADC resolution
    (crossbar operators) where they apply.  The fields of ``pimsim.spec.mapping.Precision``, which the
    estimator also reads from a written mapping."""

    input_bits: int
    output_bits: int
    weight_bits: int | None = None
    adc_bits: int | None = None


OpParams = MvmShape | ProductShape | EmbeddingShape | VectorWork | CopyWork | ViewLayout

PARAMS_OF_KIND: dict[str, type] = {"mvm": MvmShape, "dynamic_mvm": ProductShape, "embedding": EmbeddingShape,
                                   "vector": VectorWork, "copy": CopyWork, "view": ViewLayout}
"""The record each operator class carries (``compiler.ir.verify`` checks it)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """One node's placement: home tile, crossbar blocks (copied: placement code edits blocks in place), copies
    (``replicas``, ``copies_per_query``), a product's implementation and the vector units it is spread over."""

    tile: int | None
    blocks: tuple[dict[str, int], ...]
    replicas: int = 1
    copies_per_query: int = 1
    implementation: str = "vector"
    vector_tiles: tuple[int, ...] = field(default=())

    @staticmethod
    def of(node) -> "Placement":
        return Placement(node.tile, tuple(dict(b) for b in node.blocks), node.replicas, node.copies_per_query,
                         node.implementation, tuple(node.vector_tiles))

    def apply(self, node) -> None:
        """Give ``node`` this placement (fresh block dicts, so the record stays as it was)."""
        node.tile, node.blocks = self.tile, [dict(b) for b in self.blocks]
        node.replicas, node.copies_per_query = self.replicas, self.copies_per_query
        node.implementation, node.vector_tiles = self.implementation, list(self.vector_tiles)
