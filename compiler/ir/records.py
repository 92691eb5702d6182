"""Typed per-kind operator records the IR's nodes carry (``compiler.ir.graph.Node.params``).

Each record holds the per-query sizes one operator class needs, with the names
of the mapping format's operator fields (``pimsim.spec.mapping``: ``MvmOp``,
``DynamicMvmOp``, ``EmbeddingOp``, ``VectorOp``, ``CopyOp``, ``ViewOp``), so
``compiler.passes.emit`` copies them field for field.  The partition pass
creates them (``compiler.passes.partition.classify``); they are frozen: a pass
that changes an operator's class gives it a new record.  What placement decides
(copies, implementation, vector units, storage) lives on the node itself, and
``Placement`` is one node's placement as a record, for trying candidates and
restoring one (``compiler.passes.optimize``).  A node's crossbar blocks are
``Block`` records (mutable: the placement passes locate, replicate and pack
them), with the field names of the mapping format's ``CrossbarBlock``.
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

    def vector_ops(self) -> dict[str, int]:
        """The products' element operations on a vector unit: ``count x m x n`` dot products of length ``k``,
        each ``k`` multiplies and ``k - 1`` adds."""
        return {"mul": self.count * self.m * self.k * self.n, "add": self.count * self.m * (self.k - 1) * self.n}


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


@dataclass(slots=True)
class Block:
    """One rectangle of a weight matrix in one crossbar: the fields of ``pimsim.spec.mapping.CrossbarBlock``.
    ``tile``, ``pe``, ``crossbar`` are ``None`` until placed (``compiler.passes.place``, ``.optimize``);
    ``replica`` is the operator copy it belongs to; the offsets are set by packing (``optimize.pack``)."""

    row_start: int
    rows: int
    col_start: int
    cols: int
    slice_start: int
    slice_count: int
    sign_columns: int
    replica: int = 0
    tile: int | None = None
    pe: int | None = None
    crossbar: int | None = None
    xbar_row_offset: int = 0
    xbar_col_offset: int = 0

    @property
    def physical_cols(self) -> int:
        """Crossbar columns used: logical columns x bit-slices x sign columns (``CrossbarBlock.physical_cols``)."""
        return self.cols * self.slice_count * self.sign_columns

    def locate(self, tile: int, pe: int, crossbar: int) -> None:
        self.tile, self.pe, self.crossbar = tile, pe, crossbar

    def copy(self, **changes: int | None) -> Block:
        """A copy with ``changes`` (``dataclasses.replace`` without its per-call field introspection, which took
        9 % of the demo DLRM's optimized compile: the optimizer copies blocks for every candidate)."""
        out = Block(*self.key())
        for name, value in changes.items():
            setattr(out, name, value)
        return out

    def key(self) -> tuple:
        """Every field in declaration order, for placement signatures (the record is mutable, hence not
        hashable) and :meth:`copy`."""
        return (self.row_start, self.rows, self.col_start, self.cols, self.slice_start, self.slice_count,
                self.sign_columns, self.replica, self.tile, self.pe, self.crossbar, self.xbar_row_offset,
                self.xbar_col_offset)

    def to_mapping(self) -> dict[str, int | None]:
        """The mapping format's ``CrossbarBlock`` fields, in its order (``compiler.passes.emit``)."""
        return {"tile": self.tile, "pe": self.pe, "crossbar": self.crossbar, "replica": self.replica,
                "row_start": self.row_start, "rows": self.rows, "col_start": self.col_start, "cols": self.cols,
                "slice_start": self.slice_start, "slice_count": self.slice_count, "sign_columns": self.sign_columns,
                "xbar_row_offset": self.xbar_row_offset, "xbar_col_offset": self.xbar_col_offset}


@dataclass(frozen=True, slots=True)
class Placement:
    """One node's placement: home tile, crossbar blocks (copied: placement passes edit blocks in place), copies
    (``replicas``, ``copies_per_query``), a product's implementation and the vector units it is spread over."""

    tile: int | None
    blocks: tuple[Block, ...]
    replicas: int = 1
    copies_per_query: int = 1
    implementation: str = "vector"
    vector_tiles: tuple[int, ...] = field(default=())

    @staticmethod
    def of(node) -> "Placement":
        return Placement(node.tile, tuple(b.copy() for b in node.blocks), node.replicas, node.copies_per_query,
                         node.implementation, tuple(node.vector_tiles))

    def apply(self, node) -> None:
        """Give ``node`` this placement (fresh blocks, so the record stays as it was)."""
        node.tile, node.blocks = self.tile, [b.copy() for b in self.blocks]
        node.replicas, node.copies_per_query = self.replicas, self.copies_per_query
        node.implementation, node.vector_tiles = self.implementation, list(self.vector_tiles)
