"""Operator views the estimator reads: built from the compiler's IR or from a written mapping.

Both sources describe the same things (kind, home tile, per-query sizes,
precision, crossbar blocks with their copy, copies per query, view layouts),
so one estimator serves the optimiser (on the IR, before emitting) and the
agreement test (on the mapping).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.cost.crossbar import vector_split
from pimsim.spec.mapping import CrossbarBlock, Precision

from compiler.ir.records import (Block, CopyWork, EmbeddingShape, MvmShape, OpPrecision, ProductShape, VectorWork,
                                 ViewLayout)


@dataclass
class OpView:
    name: str
    kind: str
    inputs: list[str]
    outputs: list[str]
    tile: int
    precision: OpPrecision | Precision  # the IR's record or the mapping's model: the same fields
    op_type: str = ""
    constants: frozenset = frozenset()
    m: int = 1
    k: int = 1
    n: int = 1
    count: int = 1
    replicas: int = 1
    copies_per_query: int = 1
    blocks: list[Block] | list[CrossbarBlock] = field(default_factory=list)  # the IR's or the mapping's
    implementation: str = "vector"
    ops: dict = field(default_factory=dict)
    bits: int = 0
    tables: int = 1
    lookups: int = 1
    dim: int = 1
    storage: str = "dram"
    layout: str = "alias"
    vector_tiles: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def on_crossbars(self) -> bool:
        return self.kind == "mvm" or (self.kind == "dynamic_mvm" and self.implementation == "crossbar_write")

    @property
    def groups(self) -> int:
        """Copy groups serving alternate queries (query q uses group q mod groups)."""
        return self.replicas // self.copies_per_query if self.kind == "mvm" else 1

    def group_blocks(self, group: int) -> list[tuple[Block | CrossbarBlock, int]]:
        """(block, input vectors it reads per query) of the copies in ``group`` (the simulator's
        ``QueryLowering.copy_blocks``)."""
        key = ("group", group)
        if key not in self.memo:
            per = self.copies_per_query if self.kind == "mvm" else 1
            first, vectors = group * per, vector_split(self.m, per)
            self.memo[key] = [(b, vectors[b.replica - first]) for b in self.blocks
                              if first <= b.replica < first + per]
        return self.memo[key]

    def vector_ops(self) -> dict[str, int]:
        if self.kind == "dynamic_mvm":
            return {"mul": self.count * self.m * self.k * self.n, "add": self.count * self.m * (self.k - 1) * self.n}
        return dict(self.ops)


def views_from_mapping(mapping) -> tuple[list[OpView], dict[str, int]]:
    """(operator views, per-query bits of every value) of a ``pimsim.spec.mapping.Mapping``."""
    consts = frozenset(v.name for v in mapping.values if v.constant)
    bits = {v.name: v.size_bits for v in mapping.values}
    views = []
    for op in mapping.operators:
        d = op.model_dump()
        keep = {k: d[k] for k in OpView.__dataclass_fields__ if k in d and k not in ("constants", "memo")}
        keep["precision"], keep["blocks"] = op.precision, list(getattr(op, "blocks", []))
        views.append(OpView(constants=consts, **keep))
    return views, bits


def views_from_graph(graph) -> tuple[list[OpView], dict[str, int]]:
    """(operator views, per-query bits of every value) of the compiler IR after placement."""
    consts = frozenset(n for n, v in graph.values.items() if v.constant)
    bits = {n: _per_query_numel(v) * (v.bits or 32) for n, v in graph.values.items()}
    views = []
    for n in graph.nodes:
        p = n.params
        v = OpView(name=n.name, kind=n.kind, inputs=[i for i in n.inputs if i], outputs=[o for o in n.outputs if o],
                   tile=n.tile or 0, precision=n.precision, op_type=n.op_type, constants=consts,
                   blocks=list(n.blocks), replicas=n.replicas, copies_per_query=n.copies_per_query,
                   implementation=n.implementation, vector_tiles=list(n.vector_tiles), attrs=dict(n.attrs))
        if isinstance(p, (MvmShape, ProductShape)):
            v.m, v.k, v.n, v.count = p.m, p.k, p.n, p.count if isinstance(p, ProductShape) else 1
        elif isinstance(p, EmbeddingShape):
            v.tables, v.lookups, v.dim, v.storage = p.tables, p.lookups, p.dim, n.storage or "dram"
        elif isinstance(p, VectorWork):
            v.ops = dict(p.ops)
        elif isinstance(p, CopyWork):
            v.bits = graph.copy_bits(n, p)
        elif isinstance(p, ViewLayout):
            v.layout = p.layout
        views.append(v)
    return views, bits


def streams_from_mapping(mapping) -> tuple[dict, dict[str, int]]:
    """(row streams, resident bits per value) of a mapping: ``pimsim.cost.streams`` and the capacity decision's
    sizes (``pimsim.cost.buffers.resident_sizes``), for the estimator."""
    from pimsim.cost.buffers import resident_sizes
    from pimsim.cost.streams import mapping_streams

    return mapping_streams(mapping), resident_sizes(mapping)


def streams_from_graph(graph, views: list[OpView], bits: dict[str, int], pipeline: str) -> tuple[dict, dict[str, int]]:
    """The same for the placed IR (``views``, ``bits``: :func:`views_from_graph`) compiled with ``pipeline``."""
    from pimsim.cost.buffers import resident_bits
    from pimsim.cost.streams import row_streams

    consts = frozenset(n for n, v in graph.values.items() if v.constant)
    streams = {}
    if pipeline == "element":
        shapes = {n: _per_query_shape(v) for n, v in graph.values.items()}
        streams = row_streams(views, shapes, bits, consts)
    words = {n: v.bits or 32 for n, v in graph.values.items()}
    return streams, resident_bits(views, bits, words, consts, list(graph.outputs), streams)


def _per_query_shape(v) -> list[int]:
    shape = [int(d) for d in v.shape]
    if v.batch_axis is not None:
        del shape[v.batch_axis]
    return shape


def _per_query_numel(v) -> int:
    shape = list(v.shape)
    if v.batch_axis is not None:
        del shape[v.batch_axis]
    out = 1
    for d in shape:
        out *= int(d)
    return out
