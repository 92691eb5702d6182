"""IR invariants, checked after every pass in tests and with ``--debug``.

Always: nodes in topological order (hence acyclic; a broken order is explained as a missing value, a
dependency cycle or nodes out of order), every value produced once
(by one node, or a graph input, or a constant), every value's shape and dtype
known, every op_type has reference semantics.  After ``partition``: every node
has a kind and the typed record of that kind (``compiler.ir.records``), its
fields integers in range (sizes >= 1, operation counts >= 0, a known view
layout), an ``mvm``'s k x n the shape of its weight matrix.  After
``assign_precision``: every node has an ``OpPrecision`` with activation bits in
1..32 (the mapping format's ``Precision`` ranges), weight bits in 1..16 on
``mvm`` nodes and on no other, ADC bits (when set) in 1..16.  After ``tile``:
every ``mvm`` node has crossbar blocks (``Block`` records) inside its k x n matrix.  After
``place``: every node has a home tile and every block a tile; copies are
consistent (``replicas`` >= 1 a multiple of ``copies_per_query``, each block's
``replica`` below ``replicas``, one copy for non-``mvm`` nodes); a
``dynamic_mvm``'s implementation is ``vector`` (no blocks) or
``crossbar_write`` (blocks), vector units are borrowed only by a product on
the vector unit, on distinct tiles other than its home; an ``embedding`` has
its storage (``onchip`` or ``dram``).  Errors name the node and the field.
"""

from __future__ import annotations

from pimsim.spec.semantics import has_semantics

from dataclasses import fields

import numpy as np

from compiler.ir.deps import find_cycle
from compiler.ir.graph import KINDS, Node, OpGraph
from compiler.ir.records import PARAMS_OF_KIND, Block, CopyWork, MvmShape, OpPrecision, ProductShape, VectorWork, ViewLayout

LAYOUTS = ("alias", "concat", "range", "window")
"""``ViewLayout.layout`` values (``pimsim.spec.mapping.ViewOp``)."""
IMPLEMENTATIONS = ("vector", "crossbar_write")
STORAGES = ("onchip", "dram")


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
        _verify_records(graph, node, level, order, where)
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
    bad = next((i for i, b in enumerate(node.blocks) if not isinstance(b, Block)), None)
    if bad is not None:
        raise IRError(f"{where}: blocks[{bad}] is a {type(node.blocks[bad]).__name__}, not a Block record")
    if level >= order.index("place"):
        if node.tile is None:
            raise IRError(f"{where}: not placed on a tile")
        if any(b.tile is None for b in node.blocks):
            raise IRError(f"{where}: a crossbar block is not placed")


def _verify_records(graph: OpGraph, node: Node, level: int, order: list[str], where: str) -> None:
    """The typed records of ``node`` (module docstring): types, ranges, cross-field consistency."""
    if level >= order.index("partition"):
        _verify_params(graph, node, where)
    if level >= order.index("precision"):
        _verify_precision(node, where)
    if level >= order.index("tile") and isinstance(node.params, MvmShape):
        _verify_blocks(node, node.params, where)
    if level >= order.index("place"):
        _verify_placement(node, where)


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _verify_params(graph: OpGraph, node: Node, where: str) -> None:
    want = PARAMS_OF_KIND[str(node.kind)]
    p = node.params
    if p is None or not isinstance(p, want):
        raise IRError(f"{where}: params is {type(p).__name__}, a {node.kind} needs {want.__name__}")
    if isinstance(p, ViewLayout):
        if p.layout not in LAYOUTS:
            raise IRError(f"{where}: params.layout={p.layout!r} is not one of {', '.join(LAYOUTS)}")
        return
    if isinstance(p, VectorWork):
        for op_class, count in p.ops.items():
            if not _is_int(count) or count < 0:
                raise IRError(f"{where}: params.ops[{op_class!r}]={count!r} is not an integer >= 0")
        return
    least = 0 if isinstance(p, CopyWork) else 1
    for f in fields(p):
        value = getattr(p, f.name)
        if not _is_int(value) or value < least:
            raise IRError(f"{where}: params.{f.name}={value!r} is not an integer >= {least}")
    if isinstance(p, MvmShape):
        weights = graph.values[node.inputs[1]].shape
        if tuple(weights) != (p.k, p.n):
            raise IRError(f"{where}: params k x n = {p.k} x {p.n} but its weights {node.inputs[1]} are "
                          f"{' x '.join(map(str, weights))}")


def _verify_precision(node: Node, where: str) -> None:
    p = node.precision
    if not isinstance(p, OpPrecision):
        raise IRError(f"{where}: precision is {type(p).__name__}, not OpPrecision")
    for name, hi in (("input_bits", 32), ("output_bits", 32), ("weight_bits", 16), ("adc_bits", 16)):
        value = getattr(p, name)
        if value is not None and (not _is_int(value) or not 1 <= value <= hi):
            raise IRError(f"{where}: precision.{name}={value!r} is not an integer in 1..{hi}")
    if (p.weight_bits is None) == (node.kind == "mvm"):
        raise IRError(f"{where}: precision.weight_bits={p.weight_bits!r} on a {node.kind} "
                      f"({'mvm nodes need weight bits' if node.kind == 'mvm' else 'only mvm nodes have weight bits'})")


def _verify_blocks(node: Node, p: MvmShape, where: str) -> None:
    for i, b in enumerate(node.blocks):
        if b.rows < 1 or b.cols < 1 or b.row_start + b.rows > p.k or b.col_start + b.cols > p.n:
            raise IRError(f"{where}: blocks[{i}] rows {b.row_start}+{b.rows} x cols {b.col_start}+"
                          f"{b.cols} is outside its {p.k} x {p.n} weights")


def _verify_placement(node: Node, where: str) -> None:
    if not _is_int(node.replicas) or node.replicas < 1:
        raise IRError(f"{where}: replicas={node.replicas!r} is not an integer >= 1")
    if not _is_int(node.copies_per_query) or node.copies_per_query < 1 or node.replicas % node.copies_per_query:
        raise IRError(f"{where}: copies_per_query={node.copies_per_query!r} does not divide replicas={node.replicas}")
    if node.kind != "mvm" and (node.replicas, node.copies_per_query) != (1, 1):
        raise IRError(f"{where}: replicas={node.replicas}, copies_per_query={node.copies_per_query} on a "
                      f"{node.kind} (only mvm nodes are copied)")
    bad = next((b for b in node.blocks if not 0 <= b.replica < node.replicas), None)
    if bad is not None:
        raise IRError(f"{where}: a block of replica {bad.replica} but replicas={node.replicas}")
    if isinstance(node.params, ProductShape):
        _verify_product(node, where)
    elif node.vector_tiles:
        raise IRError(f"{where}: vector_tiles={node.vector_tiles} on a {node.kind} (only dynamic_mvm borrows units)")
    if node.kind == "embedding" and node.storage not in STORAGES:
        raise IRError(f"{where}: storage={node.storage!r} is not one of {', '.join(STORAGES)}")


def _verify_product(node: Node, where: str) -> None:
    if node.implementation not in IMPLEMENTATIONS:
        raise IRError(f"{where}: implementation={node.implementation!r} is not one of {', '.join(IMPLEMENTATIONS)}")
    if (node.implementation == "crossbar_write") != bool(node.blocks):
        raise IRError(f"{where}: implementation={node.implementation} with {len(node.blocks)} crossbar blocks")
    tiles = node.vector_tiles
    if tiles and (node.implementation != "vector" or len(set(tiles)) != len(tiles) or node.tile in tiles):
        raise IRError(f"{where}: vector_tiles={tiles} must be distinct tiles other than its home {node.tile}, "
                      "for a product on the vector unit")
