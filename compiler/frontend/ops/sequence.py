"""Sequence ops, resolved at compile time into plain tensors (they only appear around unrolled Loops).

ONNX signatures implemented:
  SequenceEmpty(; dtype) -> output ; SequenceConstruct(inputs...) -> output_sequence
  SequenceInsert(input_sequence, tensor, position?) -> output_sequence
  SequenceAt(input_sequence, position) -> tensor ; SequenceLength(input_sequence) -> length
  ConcatFromSequence(input_sequence; axis, new_axis=0) -> concat_result
A sequence is a compile-time list of value names (``Builder.sequences``); only
``ConcatFromSequence`` and ``SequenceAt`` emit operators (Concat, Unsqueeze,
Identity).  Positions must fold to constants.
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.ops import node_name


def _seq(b, node, name: str) -> list[str]:
    if name not in b.sequences:
        raise SpecError(b.path, f"node {node_name(node)}: sequence {name} is not known at compile time")
    return b.sequences[name]


def _position(b, node, name: str, size: int, default: int) -> int:
    if not name:
        return default
    pos = b.const_data(name)
    if pos is None:
        raise SpecError(b.path, f"node {node_name(node)}: sequence position depends on data")
    pos = int(np.asarray(pos).reshape(-1)[0])
    return pos + size if pos < 0 else pos


def SequenceEmpty(b, node, attrs: dict) -> None:
    b.sequences[node.output[0]] = []


def SequenceConstruct(b, node, attrs: dict) -> None:
    b.sequences[node.output[0]] = list(node.input)


def SequenceInsert(b, node, attrs: dict) -> None:
    seq = list(_seq(b, node, node.input[0]))
    pos = _position(b, node, node.input[2] if len(node.input) > 2 else "", len(seq), len(seq))
    seq.insert(pos, node.input[1])
    b.sequences[node.output[0]] = seq


def SequenceAt(b, node, attrs: dict) -> None:
    seq = _seq(b, node, node.input[0])
    b.emit("Identity", [seq[_position(b, node, node.input[1], len(seq), 0)]], [node.output[0]], {}, node_name(node))


def SequenceLength(b, node, attrs: dict) -> None:
    b.add_constant(node.output[0], np.asarray(len(_seq(b, node, node.input[0])), np.int64))


def ConcatFromSequence(b, node, attrs: dict) -> None:
    src, seq = node_name(node), _seq(b, node, node.input[0])
    if not seq:
        raise SpecError(b.path, f"node {src}: ConcatFromSequence of an empty sequence")
    axis = attrs["axis"]
    parts = seq
    if attrs.get("new_axis", 0):
        rank = len(b.graph.values[seq[0]].shape) + 1
        axes = b.constant(np.asarray([axis % rank], np.int64), f"{src}.axes")
        parts = []
        for v in seq:
            parts.append(b.fresh(f"{src}.item"))
            b.emit("Unsqueeze", [v, axes], [parts[-1]], {}, src)
    b.emit("Concat", parts, [node.output[0]], {"axis": axis}, src)
