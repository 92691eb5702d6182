"""The compiler's one IR: an operator graph with shapes, dtypes, precision and placement.

``Value`` is a tensor (full shape at the compile batch, numpy dtype name,
constant data when known, bit width once precision is assigned).  ``Node`` is
one operator whose ``op_type`` has reference semantics in
``pimsim.spec.semantics``; passes fill in its ``kind`` (operator class) and
``params`` (the class's typed per-query sizes, ``compiler.ir.records``),
``precision``, crossbar ``blocks``, home ``tile`` and placement choices
(``replicas``, ``copies_per_query``, ``implementation``, ``vector_tiles``,
``storage``: the mapping format's fields of the same names).  ``OpGraph`` keeps nodes
in schedule (topological) order.  ``compiler.ir.verify`` states the invariants.

Operator classes (``Node.kind``), as in ``pimsim.spec.mapping``:
``mvm`` (static-weight matrix-vector products on crossbars), ``dynamic_mvm``
(activation x activation products), ``embedding`` (table lookups), ``vector``
(element-wise / reduction / nonlinear work), ``copy`` (data movement through
the tile buffer) and ``view`` (re-labellings that cost nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from compiler.ir.records import Block, CopyWork, OpParams, OpPrecision, ProductShape, VectorWork, ViewLayout

KINDS = ("mvm", "dynamic_mvm", "embedding", "vector", "copy", "view")


@dataclass
class Value:
    """A tensor.  ``shape`` includes the batch axis (``batch_axis``) at the compile batch size."""

    name: str
    shape: tuple[int, ...]  # every value's shape and dtype are known where it is created (the frontend probes)
    dtype: str
    data: np.ndarray | None = None
    constant: bool = False
    external: bool = False  # constant whose data stayed in an external file (never loaded)
    batch_axis: int | None = None
    bits: int | None = None
    quant_bits: int | None = None  # bit width a QDQ pair in the model gave this tensor

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def query_shape(self) -> list[int]:
        """The shape of one query's tensor: ``shape`` without the batch axis (the mapping format's shape)."""
        shape = [int(d) for d in self.shape]
        if self.batch_axis is not None:
            del shape[self.batch_axis]
        return shape

    @property
    def query_bits(self) -> int:
        """Bits of one query's tensor at its bit width (32 until precision is assigned): the mapping format's
        ``ValueInfo.size_bits``."""
        out = 1
        for d in self.query_shape:
            out *= d
        return out * (self.bits or 32)


@dataclass
class Node:
    name: str
    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    source_nodes: list[str] = field(default_factory=list)
    kind: str | None = None
    precision: OpPrecision | None = None
    tile: int | None = None
    blocks: list[Block] = field(default_factory=list)
    params: OpParams | None = None  # the kind's per-query sizes (compiler.ir.records), set by the partition pass
    tile_kind: str | None = None  # crossbar operators: the chip.tile_kinds kind its blocks go on
    replicas: int = 1  # mvm: copies of the weights (blocks carry their copy in ``Block.replica``)
    copies_per_query: int = 1  # mvm: copies one query's m vectors are spread over (divides replicas)
    implementation: str = "vector"  # dynamic_mvm: "vector" or "crossbar_write" (compiler.passes.optimize)
    vector_tiles: list[int] = field(default_factory=list)  # dynamic_mvm on the vector unit: extra units' tiles
    storage: str | None = None  # embedding: "onchip" or "dram" (compiler.passes.place)

    @property
    def on_crossbars(self) -> bool:
        """Whether the node computes on crossbars: an ``mvm``, or a product written into crossbars at run time."""
        return self.kind == "mvm" or (self.kind == "dynamic_mvm" and self.implementation == "crossbar_write")

    @property
    def groups(self) -> int:
        """Copy groups serving alternate queries (query q uses group q mod groups): an ``mvm``'s copies over
        the copies one query uses; one for every other kind."""
        return self.replicas // self.copies_per_query if self.kind == "mvm" else 1

    @property
    def layout(self) -> str:
        """A view's layout (``ViewLayout``); empty for other kinds.  The mapping format's ``ViewOp.layout``, which
        ``pimsim.cost.views`` and ``pimsim.cost.streams`` read from the nodes as from a mapping's operators."""
        return self.params.layout if isinstance(self.params, ViewLayout) else ""

    def vector_ops(self) -> dict[str, int]:
        """Element operations per query on a vector unit by class: a vector operator's, or a product's
        multiplies and adds (``ProductShape.vector_ops``); none for other kinds."""
        if isinstance(self.params, ProductShape):
            return self.params.vector_ops()
        return dict(self.params.ops) if isinstance(self.params, VectorWork) else {}


@dataclass
class ModelMeta:
    path: str
    sha256: str
    name: str
    opset: int


@dataclass
class OpGraph:
    meta: ModelMeta
    batch: int
    values: dict[str, Value]
    nodes: list[Node]
    inputs: list[str]
    outputs: list[str]

    def producers(self) -> dict[str, Node]:
        return {out: n for n in self.nodes for out in n.outputs}

    def consumers(self) -> dict[str, list[Node]]:
        users: dict[str, list[Node]] = {}
        for n in self.nodes:
            for name in n.inputs:
                if name:
                    users.setdefault(name, []).append(n)
        return users

    def copy_bits(self, n: Node, work: CopyWork) -> int:
        """Bits the ``copy`` ``n`` writes per query: its elements at its widest output's width."""
        return work.bits_elements * max(self.values[o].bits or 32 for o in n.outputs if o)

    def query_bits(self) -> dict[str, int]:
        """Per-query bits of every value (``Value.query_bits``)."""
        return {n: v.query_bits for n, v in self.values.items()}

    def constants(self) -> frozenset[str]:
        return frozenset(n for n, v in self.values.items() if v.constant)

    def is_const(self, name: str) -> bool:
        return bool(name) and self.values[name].constant

    def clone(self) -> "OpGraph":
        """An independent copy for passes to mutate; constant arrays are shared (passes never write them)."""
        nodes = [replace(n, inputs=list(n.inputs), outputs=list(n.outputs), attrs=dict(n.attrs),
                         source_nodes=list(n.source_nodes), blocks=[b.copy() for b in n.blocks],
                         vector_tiles=list(n.vector_tiles))
                 for n in self.nodes]
        return OpGraph(self.meta, self.batch, {k: replace(v) for k, v in self.values.items()}, nodes,
                       list(self.inputs), list(self.outputs))
