"""Assign per-operator precision and every value's bit width.

Sources, in priority order (``--strategy optimized``):
1. QDQ pairs in the model: a weight that was DequantizeLinear'd from int8
   keeps 8 bits; an activation that went through Q/DQ is read at that width,
   also through operators that only move or relabel its elements
   (``QDQ_VIEWS``: Transpose, Reshape, Flatten, Concat, ...), since those
   carry the same codes (a Concat's output has the widest part's width, and
   none if one part is float);
2. the ``--precision POLICY.yaml`` (``compiler.precision_policy``): a default
   and per-operator overrides matched by node name (glob);
3. the architecture's defaults (``arch.precision``).
A crossbar operator's tile kind (``chip.tile_kinds``) follows from its weight and
input widths (``compiler.passes.optimize.kinds``; a full kind spills the
operator to the next fitting kind with room, recorded in
``opts.notes.tile_kind_spills``); its ``adc_bits`` start at that kind's ADC
resolution.
``--strategy naive`` is the issue-6 baseline: the architecture's defaults
everywhere (QDQ and policies are ignored).

Value widths: activations carry their producer's ``output_bits``; float
graph inputs the default input width; integer tensors (indices) their dtype
width capped at 32 bits (no table has 2^32 rows); booleans 1 bit; constant
weights of crossbar ops and embedding tables the weight width; other float
constants (biases, scales) 32 bits because they are applied after the
full-precision shift-and-add.
"""

from __future__ import annotations

import numpy as np
from pimsim.cost.area import tiles_within

from compiler.ir.graph import Node, OpGraph
from compiler.ir.records import OpPrecision
from compiler.passes.kind_views import node_view
from compiler.passes.optimize.kinds import KindRoom, assign_kind
from compiler.precision_policy import PrecisionPolicy


# operators whose output elements are a selection or rearrangement of their data inputs' elements: a quantised
# input stays on the same grid (Squeeze/Unsqueeze/Reshape/Slice also take shape or index constants, never data)
QDQ_VIEWS = frozenset({"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Slice",
                       "Split"})


def assign_precision(graph: OpGraph, arch, opts) -> OpGraph:
    policy: PrecisionPolicy | None = opts.policy if opts.strategy == "optimized" else None
    use_qdq = opts.strategy == "optimized"
    default_w, default_a = arch.precision.weight_bits, arch.precision.input_bits
    if policy is not None:
        default_w, default_a = policy.default.get("weight_bits", default_w), policy.default.get("input_bits", default_a)
    for name in graph.inputs:
        _set_bits(graph.values[name], default_a)
    qdq_bits = _QdqBits(graph)
    room = _kind_room(arch, opts)
    for n in graph.nodes:
        rule = policy.for_node(n.name, n.source_nodes) if policy is not None else {}
        w_bits = rule.get("weight_bits", default_w)
        a_bits = rule.get("input_bits", default_a)
        if use_qdq:
            w_bits, a_bits = _from_qdq(graph, n, w_bits, a_bits, qdq_bits)
        if n.kind == "mvm":  # its tile kind (chip.tile_kinds) sets its ADC resolution
            assign_kind(arch, n, w_bits, a_bits, graph.meta.path, room)
        n.precision = _node_precision(graph, n, arch, w_bits, a_bits, rule.get("output_bits", a_bits))
        for name in n.inputs:
            v = graph.values.get(name) if name else None
            if v is not None and v.constant:
                _set_bits(v, w_bits if n.kind in ("mvm", "embedding") and name == n.inputs[_weight_slot(n)] else 32)
        for name in n.outputs:
            if name:
                _set_bits(graph.values[name], n.precision.output_bits)
    if room is not None and room.spills:
        opts.notes.tile_kind_spills = room.spills
    return graph


def _kind_room(arch, opts) -> KindRoom | None:
    """Crossbars of each tile kind for the spill rule (``compiler.passes.optimize.kinds``): the kinds' tiles within
    ``--area-budget-mm2`` (a budget below one tile is refused later, by the placement, with its own message)."""
    if not arch.heterogeneous:
        return None
    budget = getattr(opts, "area_budget_mm2", None)
    tiles = arch.chip.tiles if budget is None else tiles_within(arch, budget)
    return KindRoom(arch, getattr(opts, "strategy", "naive"), tiles if tiles >= 1 else arch.chip.tiles)


def _weight_slot(n: Node) -> int:
    return 1 if n.kind == "mvm" else 0


def _from_qdq(graph: OpGraph, n: Node, w_bits: int, a_bits: int, qdq_bits: "_QdqBits") -> tuple[int, int]:
    if n.kind in ("mvm", "embedding"):
        q = graph.values[n.inputs[_weight_slot(n)]].quant_bits
        w_bits = q if q else w_bits
    found = [qdq_bits(i) for i in n.inputs if i and not graph.values[i].constant]
    q_in = [q for q in found if q is not None and q]
    return w_bits, (max(q_in) if q_in else a_bits)


class _QdqBits:
    """The QDQ bit width of an activation: its own, or that of the quantised tensor a chain of ``QDQ_VIEWS``
    rearranged into it (memoised; the graph is a DAG in topological order, so the walk ends)."""

    def __init__(self, graph: OpGraph):
        self.graph, self.producers = graph, graph.producers()
        self.memo: dict[str, int | None] = {}

    def __call__(self, name: str) -> int | None:
        if name not in self.memo:
            self.memo[name] = self._lookup(name)
        return self.memo[name]

    def _lookup(self, name: str) -> int | None:
        v = self.graph.values[name]
        if v.quant_bits:
            return v.quant_bits
        src = self.producers.get(name)
        if src is None or src.op_type not in QDQ_VIEWS or not np.issubdtype(np.dtype(v.dtype), np.floating):
            return None
        data = [i for i in (src.inputs if src.op_type == "Concat" else src.inputs[:1]) if i]
        parts = [self(i) for i in data]
        return max(p for p in parts if p is not None) if parts and all(parts) else None


def _node_precision(graph: OpGraph, n: Node, arch, w_bits: int, a_bits: int, out_bits: int) -> OpPrecision:
    acts = [graph.values[i] for i in n.inputs if i and not graph.values[i].constant]
    first = acts[0] if acts else None
    in_bits = a_bits
    if first is not None and not np.issubdtype(np.dtype(first.dtype), np.floating):
        in_bits = _dtype_bits(first.dtype)
    out = graph.values[n.outputs[0]]
    if not np.issubdtype(np.dtype(out.dtype), np.floating):
        out_bits = _dtype_bits(out.dtype)
    if n.kind == "mvm":
        return OpPrecision(int(in_bits), int(out_bits), weight_bits=int(w_bits), adc_bits=node_view(arch, n).pe.adc.bits)
    return OpPrecision(int(in_bits), int(out_bits))


def _dtype_bits(dtype: str) -> int:
    dt = np.dtype(dtype)
    return 1 if dt == np.bool_ else min(dt.itemsize * 8, 32)


def _set_bits(v, float_bits: int) -> None:
    v.bits = int(float_bits) if np.issubdtype(np.dtype(v.dtype), np.floating) else _dtype_bits(v.dtype)
