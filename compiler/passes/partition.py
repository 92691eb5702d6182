"""Partition: give every node its operator class (crossbar, vector unit, embedding storage, movement).

- ``pim.LinearMVM`` (a product with a constant weight) -> ``mvm`` on crossbars;
- products of two activations (MatMul, Gemm, contracting Einsum) -> ``dynamic_mvm``;
- lookups in a constant 2-D table (Gather axis 0, pim.EmbeddingBag) -> ``embedding``;
- addressing -> ``view`` (``pimsim.cost.views``: no time, no energy; data move only across tiles):
  ``alias`` for Reshape, Flatten, Squeeze, Unsqueeze, Identity, Transpose and Pads of zero width on every
  side (PyTorch exports of NASRec's Gating/Sum emit ``F.pad`` by 0 when both inputs already have equal
  width); ``concat`` for Concat; ``range`` for a Split, Slice or constant-index Gather whose every
  per-query output is one contiguous run of its input's storage, when that input is itself one stored,
  unpermuted value (``_demote_unaddressable``); ``window`` for ``pim.Im2Col``: a convolution reads its
  sliding windows from where its input was written (streamed through a line buffer, ISAAC Sec. 3), never a
  materialised im2col value (which would write and hold ``k^2`` copies of every input word);
- data rewrites -> ``copy`` (they move bits through the tile buffer): index gathers that are not one run,
  strided or non-contiguous slices, Expand/Tile broadcasts, non-zero Pads;
- everything else -> ``vector`` with per-query element-operation counts by class.
Counts are per query: totals at the compile batch divided by the batch.
"""

from __future__ import annotations

import numpy as np

from compiler.ir.graph import Node, OpGraph
from compiler.ir.records import CopyWork, EmbeddingShape, MvmShape, OpParams, ProductShape, VectorWork, ViewLayout

VIEW_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Transpose"}
RANGE_OPS = {"Split", "Slice", "Gather"}
COPY_OPS = {"Concat", "Split", "Slice", "GatherND", "GatherElements", "Expand", "Tile", "Gather",
            "Pad"}
DYNAMIC_OPS = {"MatMul", "Gemm", "Einsum"}
# element-operation classes per output element (vector unit pricing classes, pimsim.spec.mapping)
PER_OUTPUT = {
    "Add": {"add": 1}, "Sub": {"add": 1}, "Sum": {"add": 1}, "Mean": {"add": 1, "div": 1}, "CumSum": {"add": 1},
    "Mul": {"mul": 1}, "Pow": {"mul": 1}, "Neg": {"add": 1}, "Div": {"div": 1}, "Reciprocal": {"div": 1},
    "Mod": {"div": 1}, "Relu": {"compare": 1}, "LeakyRelu": {"compare": 1, "mul": 1},
    "PRelu": {"compare": 1, "mul": 1}, "Elu": {"compare": 1, "nonlinear": 1}, "HardSigmoid": {"mul": 1, "add": 1,
    "compare": 2}, "Gelu": {"nonlinear": 1, "mul": 2}, "Clip": {"compare": 2},
    "Max": {"compare": 1}, "Min": {"compare": 1}, "Equal": {"compare": 1}, "Less": {"compare": 1},
    "Greater": {"compare": 1}, "LessOrEqual": {"compare": 1}, "GreaterOrEqual": {"compare": 1},
    "And": {"compare": 1}, "Or": {"compare": 1}, "Not": {"compare": 1}, "Where": {"compare": 1},
    "Abs": {"compare": 1}, "Sign": {"compare": 1}, "Floor": {"compare": 1}, "Ceil": {"compare": 1},
    "Sigmoid": {"nonlinear": 1}, "Tanh": {"nonlinear": 1}, "Exp": {"nonlinear": 1}, "Log": {"nonlinear": 1},
    "Sqrt": {"nonlinear": 1}, "Erf": {"nonlinear": 1}, "Softplus": {"nonlinear": 1},
    "Cast": {"copy": 1}, "CastLike": {"copy": 1}, "Range": {"add": 1}, "ConstantOfShape": {"copy": 1}, "Shape": {"copy": 1},
    "Size": {"copy": 1}, "QuantizeLinear": {"div": 1, "add": 1, "compare": 2}, "DequantizeLinear": {"add": 1, "mul": 1},
    "BatchNormalization": {"add": 2, "mul": 1, "div": 1},
}
# per *input* element (reductions, normalisations)
PER_INPUT = {
    "ReduceSum": {"add": 1}, "ReduceMean": {"add": 1}, "ReduceMax": {"compare": 1}, "ReduceMin": {"compare": 1},
    "ReduceProd": {"mul": 1}, "ReduceL2": {"mul": 1, "add": 1}, "ArgMax": {"compare": 1},
    "Softmax": {"compare": 1, "add": 2, "nonlinear": 1, "div": 1},
    "LogSoftmax": {"compare": 1, "add": 3, "nonlinear": 1},
    "LayerNormalization": {"add": 4, "mul": 3, "div": 1},
}


def partition(graph: OpGraph, arch, opts) -> OpGraph:
    for n in graph.nodes:
        n.kind, n.params = classify(graph, n)
    _demote_unaddressable(graph)
    return graph


def per_query(graph: OpGraph, name: str) -> int:
    return max(1, graph.values[name].numel // graph.batch)


def classify(graph: OpGraph, n: Node) -> tuple[str, OpParams]:
    if n.op_type == "pim.LinearMVM":
        k, nn = graph.values[n.inputs[1]].shape
        return "mvm", MvmShape(max(1, per_query(graph, n.inputs[0]) // k), k, nn)
    if n.op_type == "pim.EmbeddingBag" or (n.op_type == "Gather" and _is_table(graph, n)):
        rows, dim = graph.values[n.inputs[0]].shape
        return "embedding", EmbeddingShape(1, rows, dim, per_query(graph, n.inputs[1]))
    if n.op_type in DYNAMIC_OPS:
        dims = _product_dims(graph, n)
        if dims is not None:
            return "dynamic_mvm", dims
        return "vector", VectorWork({"mul": per_query(graph, n.outputs[0])})
    if n.op_type == "pim.Im2Col":
        return "view", ViewLayout("window")
    if n.op_type in VIEW_OPS or (n.op_type == "Pad" and _pads_nothing(graph, n)):
        return "view", ViewLayout("alias")
    if n.op_type == "Concat" and not any(graph.is_const(i) for i in n.inputs):
        return "view", ViewLayout("concat")  # a constant part would first have to be written: a copy
    if n.op_type in RANGE_OPS and _one_run_each(graph, n):
        return "view", ViewLayout("range")
    if n.op_type in COPY_OPS:
        return "copy", _copy_work(graph, n)
    return "vector", VectorWork(vector_ops(graph, n))


def _copy_work(graph: OpGraph, n: Node) -> CopyWork:
    return CopyWork(sum(per_query(graph, o) for o in n.outputs if o))


def _one_run_each(graph: OpGraph, n: Node) -> bool:
    """Whether each per-query output of a Split/Slice/Gather is one contiguous run of its input's per-query
    storage: the operator applied to the element addresses of one query (its reference semantics on an
    index tensor) must give consecutive addresses.  Run-time indices or bounds are never one known run."""
    x = graph.values[n.inputs[0]]
    if graph.is_const(n.inputs[0]) or x.batch_axis is None or any(
            name and not graph.is_const(name) for name in n.inputs[1:]):
        return False
    shape = list(x.shape)
    per = shape[:x.batch_axis] + shape[x.batch_axis + 1:]
    addresses = np.arange(int(np.prod(per, dtype=np.int64)), dtype=np.int64).reshape(per)
    full = np.expand_dims(addresses, x.batch_axis).repeat(shape[x.batch_axis], axis=x.batch_axis)
    from pimsim.spec.semantics import run_op

    outs = run_op(n.op_type, [full] + [graph.values[i].data if i else None for i in n.inputs[1:]], n.attrs)
    for name, out in zip([o for o in n.outputs], outs):
        v = graph.values[name]
        if v.batch_axis is None:
            return False
        flat = np.take(np.asarray(out), 0, axis=v.batch_axis).reshape(-1)
        if flat.size == 0 or (flat.size > 1 and not np.all(np.diff(flat) == 1)):
            return False
    return True


def _demote_unaddressable(graph: OpGraph) -> None:
    """A range of a concatenation or of a transposed value is not one address range of storage
    (``pimsim.cost.views``): such a Split/Slice/Gather becomes a ``copy``, whose output is stored anew."""
    parts: dict[str, tuple[int, bool]] = {}  # view output -> (stored parts, permuted)
    for n in graph.nodes:
        if n.kind != "view":
            continue
        acts = [parts.get(i, (1, False)) for i in n.inputs if i and not graph.is_const(i)]
        assert isinstance(n.params, ViewLayout)  # partition gave every view one
        layout = n.params.layout
        if layout == "concat":
            parts[n.outputs[0]] = (sum(k for k, _ in acts), any(p for _, p in acts))
        elif layout == "alias":
            parts[n.outputs[0]] = (acts[0][0], acts[0][1] or n.op_type == "Transpose")
        elif layout == "window":
            parts[n.outputs[0]] = acts[0]
        elif acts[0] == (1, False):
            for o in n.outputs:
                parts[o] = (1, False)
        else:
            n.kind, n.params = "copy", _copy_work(graph, n)


def _is_table(graph: OpGraph, n: Node) -> bool:
    table = graph.values[n.inputs[0]]
    return table.constant and len(table.shape) == 2 and n.attrs.get("axis", 0) == 0


def _pads_nothing(graph: OpGraph, n: Node) -> bool:
    """A Pad whose (constant) pads are all zero: the output is the input, bit for bit."""
    pads = graph.values[n.inputs[1]]
    return pads.constant and pads.data is not None and not np.any(np.asarray(pads.data))


def _product_dims(graph: OpGraph, n: Node) -> ProductShape | None:
    """count x [m, k] @ [k, n] per query; None for an Einsum that contracts nothing (element-wise)."""
    out = graph.values[n.outputs[0]].shape
    per_out = per_query(graph, n.outputs[0])
    if n.op_type == "Einsum":
        lhs = n.attrs["equation"].replace(" ", "").split("->")
        letters = dict(zip("".join(lhs[0].split(",")),
                           [d for i in n.inputs for d in graph.values[i].shape]))
        contracted = [c for c in letters if c not in lhs[1]]
        if not contracted:
            return None
        k = int(np.prod([letters[c] for c in contracted]))
        return ProductShape(per_out, 1, k, 1)
    a = graph.values[n.inputs[0]].shape
    k = a[0] if n.op_type == "Gemm" and n.attrs.get("transA", 0) else a[-1]
    nn = out[-1] if out else 1
    m = out[-2] if len(out) >= 2 else 1
    if per_out % (m * nn) == 0 and per_out >= m * nn:
        return ProductShape(per_out // (m * nn), m, k, nn)
    return ProductShape(1, max(1, per_out // nn), k, nn)


def vector_ops(graph: OpGraph, n: Node) -> dict[str, int]:
    if n.op_type in ("MaxPool", "AveragePool"):  # k = window elements: k-1 compares, or k-1 adds and one division
        k, out = int(np.prod(n.attrs["kernel_shape"])), per_query(graph, n.outputs[0])
        return {"compare": (k - 1) * out} if n.op_type == "MaxPool" else {"add": (k - 1) * out, "div": out}
    table: dict[str, int] | None
    if n.op_type in PER_INPUT:
        count, table = per_query(graph, n.inputs[0]), PER_INPUT[n.op_type]
    else:
        count, table = per_query(graph, n.outputs[0]), PER_OUTPUT.get(n.op_type)
    if table is None:
        raise KeyError(f"no vector-unit cost for {n.op_type}")  # a compiler bug: every lowered op is priced
    return {cls: per * count for cls, per in sorted(table.items())}
