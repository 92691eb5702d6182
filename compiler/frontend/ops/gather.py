"""Lookups: embedding tables and index selection.

ONNX signatures implemented:
  Gather-13(data, indices; axis=0) -> output
  GatherND-13(data, indices; batch_dims=0) -> output
  GatherElements-13(data, indices; axis=0) -> output
  pim::EmbeddingBag-1(weight, indices, offsets?; mode="sum"|"mean"|"max") -> output
    (the custom op ``recsys export`` may emit via torch.onnx.ops.symbolic,
     onnx_and_ecosystem.md 1.5.4(c); semantics as torch.nn.EmbeddingBag)
Whether a Gather is an embedding lookup (a large constant table) or a small
vector-unit selection is decided by ``compiler.passes.partition``.
"""

from __future__ import annotations

from compiler.frontend.dims import check_lookup_count
from compiler.frontend.ops import node_name
from pimsim.spec.errors import SpecError

INDEX_TYPES = {"Gather": ("int32", "int64"), "GatherND": ("int64",), "GatherElements": ("int32", "int64")}
"""Index element types the ONNX operator schemas allow (Tind / tensor(int64) of each signature above)."""


def _check_indices(b, node) -> None:
    # compiler.frontend.validate type-checks every node ONNX shape inference can type; this catches the rest
    # (indices computed by an op without an ONNX schema): float indices would be truncated silently
    dtype = b.graph.values[node.input[1]].dtype if node.input[1] in b.graph.values else None
    allowed = INDEX_TYPES[node.op_type]
    if dtype is not None and dtype not in allowed:
        raise SpecError(b.path, f"node {node_name(node)} ({node.op_type}): indices {node.input[1]!r} are {dtype}; "
                                f"ONNX requires {' or '.join(allowed)}")


def Gather(b, node, attrs: dict) -> None:
    _check_indices(b, node)
    b.emit("Gather", list(node.input), list(node.output), {"axis": attrs.get("axis", 0)}, node_name(node))


def GatherND(b, node, attrs: dict) -> None:
    _check_indices(b, node)
    b.emit("GatherND", list(node.input), list(node.output), {"batch_dims": attrs.get("batch_dims", 0)},
           node_name(node))


def GatherElements(b, node, attrs: dict) -> None:
    _check_indices(b, node)
    b.emit("GatherElements", list(node.input), list(node.output), {"axis": attrs.get("axis", 0)}, node_name(node))


def EmbeddingBag(b, node, attrs: dict) -> None:
    if len(node.input) > 2 and node.input[2]:  # 1-D ids with offsets: the ids' length is the lookup count
        check_lookup_count(b, node.input[1], node_name(node))
    b.emit("pim.EmbeddingBag", list(node.input), list(node.output), {"mode": attrs.get("mode", "sum")},
           node_name(node))
