"""Builds the IR while lowering ONNX nodes, knowing every shape as it goes.

Each emitted IR node is executed at once on *probe* tensors with the
reference semantics (``pimsim.spec.semantics``): constants carry their data,
activations are zeros of the compile batch, and externally stored tables are
zero-stride broadcasts (no memory).  That gives every value an exact shape and
dtype, including shapes computed by ``Shape -> Gather -> Concat -> Reshape``
chains, and lets nodes whose inputs are all constant fold into constants
(``If`` with a constant condition can then pick its branch).  The ``fold``
pass later deletes the folded nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pimsim.spec.errors import SpecError
from pimsim.spec.semantics import run_op

from compiler.frontend.dims import ResolvedInputs
from compiler.frontend.limits import Unsupported, check_dtype
from compiler.ir.graph import Node, OpGraph, Value

# Ops whose output depends only on the input's shape: foldable once shapes are fixed.
SHAPE_ONLY = {"Shape", "Size"}
FOLD_LIMIT_ELEMENTS = 1 << 26  # never materialise folded constants above 256 MB of float32
SHAPE_OPERANDS = {
    "Slice": ((1, 2, 3, 4), "run-time bounds"), "Reshape": ((1,), "run-time shape"),
    "Expand": ((1,), "run-time shape"), "Tile": ((1,), "run-time repeats"),
    "ConstantOfShape": ((0,), "run-time shape"), "Range": ((0, 1, 2), "run-time bounds"),
    "Pad": ((1, 3), "run-time pads"), "Split": ((1,), "run-time split sizes"),
    **{op: ((1,), "run-time axes") for op in ("Squeeze", "Unsqueeze", "ReduceSum", "ReduceMean", "ReduceMax",
                                             "ReduceMin", "ReduceProd", "ReduceL2", "CumSum")},
}
"""Op type -> (operand positions that decide the output *shape*, the declared limit when one is computed at run
time).  Probe tensors of activations are zeros, not data: an output shape computed from them would be a guess, so
these operands must fold to constants (they do in exports once the batch is fixed: Shape -> Gather -> Concat)."""


class Builder:
    def __init__(self, graph: OpGraph, path: str, lower_node: Callable[[Builder, Any], None]):
        self.graph = graph
        self._lower_node = lower_node  # compiler.frontend.registry.lower_node, for subgraphs (If, Loop bodies)
        self.path = path
        self.probe: dict[str, np.ndarray] = {}
        self._counter = 0
        self._node_names: set[str] = set()
        self.opset = 0
        self.alias: dict[str, str] = {}  # body value name -> IR name, while unrolling a Loop
        self.sequences: dict[str, list[str]] = {}  # compile-time sequences (lists of value names)
        self.resolved: ResolvedInputs | None = None  # where each input size came from

    def lower(self, node) -> None:
        """Lower one ONNX node (of a subgraph being inlined) through the op-type dispatch table."""
        self._lower_node(self, node)

    # -- values ---------------------------------------------------------
    def add_constant(self, name: str, data: np.ndarray, external: bool = False) -> str:
        value = Value(name, tuple(data.shape), str(data.dtype), None if external else data, True, external)
        self.graph.values[name] = value
        self.probe[name] = data
        return name

    def constant(self, data, hint: str = "const") -> str:
        """A new constant value with a fresh name."""
        return self.add_constant(self.fresh(hint), np.asarray(data))

    def add_input(self, name: str, shape: tuple[int, ...], dtype: str, batch_axis: int | None) -> None:
        self.graph.values[name] = Value(name, shape, dtype, batch_axis=batch_axis)
        self.graph.inputs.append(name)
        self.probe[name] = np.zeros(shape, dtype=dtype)

    def fresh(self, hint: str) -> str:
        self._counter += 1
        name = f"{hint}__pim{self._counter}"
        while name in self.graph.values:
            self._counter += 1
            name = f"{hint}__pim{self._counter}"
        return name

    def const_data(self, name: str) -> np.ndarray | None:
        """Data of a constant input (None when it is an activation or absent)."""
        v = self.graph.values.get(name) if name else None
        return self.probe[name] if v is not None and v.constant else None

    # -- nodes ----------------------------------------------------------
    def emit(self, op_type: str, inputs: list[str], outputs: list[str], attrs: dict, source: str) -> Node:
        """Append one IR node and compute its outputs' shapes (folding constants)."""
        inputs = self._fill_optional(op_type, list(inputs), source)
        self._require_constant_shape_operands(op_type, inputs, source)
        name = source if source not in self._node_names else self.fresh(source)
        self._node_names.add(name)
        node = Node(name, op_type, list(inputs), list(outputs), dict(attrs), [source])
        args = [self.probe[i] if i else None for i in inputs]
        while args and args[-1] is None:
            args.pop()
        try:
            results = run_op(op_type, args, node.attrs, len(outputs))
        except Exception as exc:  # noqa: BLE001 - a model the semantics cannot run is bad input
            raise SpecError(self.path, f"node {source} ({op_type}): cannot evaluate: {exc}") from None
        foldable = self._foldable(op_type, inputs, results)
        for name, res in zip(outputs, results):
            if not name:
                continue
            res = np.asarray(res)
            check_dtype(self.path, source, op_type, f"output {name}", res.dtype)
            if res.size == 0 and not foldable:
                raise Unsupported(self.path, source, op_type, "empty tensor",
                                  f"output {name} has shape {list(res.shape)}")
            self.probe[name] = res
            self.graph.values[name] = Value(name, tuple(res.shape), str(res.dtype),
                                            data=res if foldable else None, constant=foldable,
                                            batch_axis=None if foldable else self._batch_axis(node, res))
        self.graph.nodes.append(node)
        return node

    def _require_constant_shape_operands(self, op_type: str, inputs: list[str], source: str) -> None:
        positions, feature = SHAPE_OPERANDS.get(op_type, ((), ""))
        for i in positions:
            if i < len(inputs) and inputs[i] and not self.graph.values[inputs[i]].constant:
                raise Unsupported(self.path, source, op_type, feature,
                                  f"operand {i} ({inputs[i]}) is computed at run time; the output shape must be "
                                  "known at compile time")

    def _fill_optional(self, op_type: str, inputs: list[str], source: str) -> list[str]:
        """Drop trailing omitted inputs; give omitted middle ones their ONNX default as a constant.

        Mapping operators name every input, so an omitted optional input in the middle (Clip without
        min, Pad without constant_value) becomes an explicit constant with the spec's default value.
        """
        while inputs and not inputs[-1]:
            inputs.pop()
        for i, name in enumerate(inputs):
            if name:
                continue
            dtype = np.dtype(self.graph.values[inputs[0]].dtype)
            if op_type == "Clip":
                info = np.finfo(dtype) if np.issubdtype(dtype, np.floating) else np.iinfo(dtype)
                inputs[i] = self.constant(np.asarray(-np.inf if i == 1 else np.inf, dtype) if
                                          np.issubdtype(dtype, np.floating) else
                                          np.asarray(info.min if i == 1 else info.max, dtype), "clip_bound")
            elif op_type == "Pad" and i == 2:
                inputs[i] = self.constant(np.zeros((), dtype), "pad_value")
            elif op_type == "Slice" and i == 3:
                inputs[i] = self.constant(np.arange(np.size(self.probe[inputs[1]]), dtype=np.int64), "axes")
            else:
                raise SpecError(self.path, f"node {source} ({op_type}): omitted optional input {i} is not supported")
        return inputs

    def _foldable(self, op_type: str, inputs: list[str], results: list) -> bool:
        if sum(np.size(r) for r in results) > FOLD_LIMIT_ELEMENTS:
            return False
        if op_type in SHAPE_ONLY:
            return True
        vals = [self.graph.values[i] for i in inputs if i]
        return all(v.constant and not v.external for v in vals)

    def _batch_axis(self, node: Node, out: np.ndarray) -> int | None:
        """Where the batch axis went (None when it cannot be followed)."""
        batched = [(i, self.graph.values[i]) for i in node.inputs if i and self.graph.values[i].batch_axis is not None]
        if not batched:
            return None
        name, v = batched[0]
        axis, in_rank, out_rank = v.batch_axis, len(v.shape), out.ndim
        assert axis is not None  # filtered just above
        if node.op_type == "pim.EmbeddingBag":  # out[bag] pools bag's ids: the bags (offsets) are the output's axis 0
            return 0 if out_rank and out.shape[0] == self.graph.batch else None
        if node.op_type == "Transpose":
            perm = node.attrs.get("perm") or list(reversed(range(in_rank)))
            return list(perm).index(axis)
        if node.op_type in ("Unsqueeze", "Squeeze"):
            axes = [a % max(out_rank if node.op_type == "Unsqueeze" else in_rank, 1)
                    for a in np.asarray(self.probe[node.inputs[1]] if len(node.inputs) > 1 else []).reshape(-1)]
            if node.op_type == "Unsqueeze":
                for a in sorted(axes):
                    axis += a <= axis
                return axis
            return None if axis in axes else axis - sum(a < axis for a in axes)
        if node.op_type == "Gather" and name == node.inputs[0]:  # out = data[:g] + indices.shape + data[g+1:]
            g = node.attrs.get("axis", 0) % in_rank
            if axis == g:
                return None
            axis += (len(self.graph.values[node.inputs[1]].shape) - 1) if axis > g else 0
        elif out_rank >= in_rank:
            axis += out_rank - in_rank if node.op_type != "Gather" else 0
        return axis if 0 <= axis < out_rank and out.shape[axis] == self.graph.batch else None
