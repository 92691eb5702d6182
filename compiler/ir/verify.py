"""IR invariants, checked after every pass in tests and with ``--debug``.

Always: nodes in topological order (hence acyclic; a broken order is explained as a missing value, a
dependency cycle or nodes out of order), every value produced once
(by one node, or a graph input, or a constant), every value's shape and dtype
known, every op_type has reference semantics.  After ``assign_precision``:
every node has a precision.  After ``place``: every node has a kind and a home
tile, and every ``mvm`` node has crossbar blocks.
"""

from __future__ import annotations

from pimsim.spec.semantics import has_semantics

from compiler.ir.deps import find_cycle
from compiler.ir.graph import KINDS, OpGraph


class IRError(AssertionError):
    """A compiler bug: a pass broke an IR invariant."""


def verify(graph: OpGraph, stage: str = "frontend") -> None:
    """Raise :class:`IRError` naming the first broken invariant.

    ``stage`` is the last pass run: ``partition`` adds kinds, ``precision``
    adds precision, ``place`` (and later) adds placement.
    """
    order = ["frontend", "fold", "partition", "precision", "tile", "place", "schedule"]
    level = order.index(stage)
    available = {n for n in graph.inputs} | {n for n, v in graph.values.items() if v.constant}
    produced: set[str] = set()
    for node in graph.nodes:
        where = f"after {stage}: node {node.name} ({node.op_type})"
        if level == 0 and all(graph.is_const(o) for o in node.outputs if o):
            continue  # folded by the frontend; the fold pass removes it
        if not has_semantics(node.op_type):
            raise IRError(f"{where}: op_type has no reference semantics")
        for name in node.inputs:
            if name and name not in available:
                raise IRError(f"{where}: input {name} {_unavailable(graph, name)}")
        for name in node.outputs:
            if name in available or name in produced:
                raise IRError(f"{where}: value {name} is produced twice")
            produced.add(name)
            available.add(name)
        for name in node.inputs + node.outputs:
            v = graph.values.get(name) if name else None
            if name and (v is None or v.shape is None or v.dtype is None):
                raise IRError(f"{where}: value {name} has no known shape/dtype")
        _verify_stage(node, level, order, where)
    for name in graph.outputs:
        if name not in available:
            raise IRError(f"after {stage}: graph output {name} is never produced")


def _unavailable(graph: OpGraph, name: str) -> str:
    """Why an input is not available where it is read: never produced, produced on a dependency cycle
    (``compiler.ir.deps.find_cycle``), or produced by a later node."""
    if not any(name in n.outputs for n in graph.nodes):
        return "is never produced (missing)"
    cycle = find_cycle(graph)
    if cycle:
        return f"is used before it is produced (cycle: {' -> '.join(cycle)})"
    return "is used before it is produced (nodes out of topological order)"


def _verify_stage(node, level: int, order: list[str], where: str) -> None:
    if level >= order.index("partition") and node.kind not in KINDS:
        raise IRError(f"{where}: no operator class assigned (kind={node.kind})")
    if level >= order.index("precision") and node.precision is None:
        raise IRError(f"{where}: no precision assigned")
    if level >= order.index("tile") and node.kind == "mvm" and not node.blocks:
        raise IRError(f"{where}: mvm without crossbar blocks")
    if level >= order.index("place"):
        if node.tile is None:
            raise IRError(f"{where}: not placed on a tile")
        if any("tile" not in b for b in node.blocks):
            raise IRError(f"{where}: a crossbar block is not placed")
