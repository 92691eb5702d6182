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

from compiler.ir.records import Block, CopyWork, OpParams, OpPrecision

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
