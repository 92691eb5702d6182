"""Products of two activations on the vector unit, shared by the vector units of neighbouring tiles.

A ``dynamic_mvm`` on the vector unit (DLRM's pairwise dot products, AutoInt's
attention scores) runs on one tile's lanes; once replication has relieved the
crossbars it can be the stream's bottleneck.  Its ``m`` rows are independent,
so they are spread over ``s`` vector units (``pimsim.cost.products``): each
unit needs the whole second operand (sent over the NoC) and returns its rows.
``s = min(m, MAX_UNITS, ceil(T_vector / target))`` with ``target`` the
per-query period the rest of the placement reaches; the extra units are the
tiles nearest the home tile whose vector units carry the least work.  Nothing
changes per query in arithmetic energy; the operand copies cost NoC energy.
"""

from __future__ import annotations

from pimsim.cost.actions import Costs, ceil_div

from compiler.ir.records import VectorWork

MAX_UNITS = 8
"""At most this many vector units per product: each extra unit receives the whole second operand."""


def product_cycles(costs: Costs, node) -> int:
    return costs.vector_cycles(node.params.vector_ops())


def splittable(node) -> bool:
    return node.kind == "dynamic_mvm" and node.implementation == "vector"


def split_products(graph, arch, target: float) -> dict[str, list[int]]:
    """Set ``vector_tiles`` of products slower than ``target`` cycles per query; returns them."""
    costs = Costs.of(arch)  # ``at(tile)``: each tile's kind's vector unit (chip.tile_kinds)
    load: dict[int, int] = {}
    for n in graph.nodes:
        if n.kind in ("vector", "dynamic_mvm") and not n.blocks:
            c = costs.at(n.tile)
            load[n.tile] = load.get(n.tile, 0) + (product_cycles(c, n) if splittable(n) else
                                                  c.vector_cycles(n.params.ops if isinstance(n.params, VectorWork) else {}))
    out = {}
    for n in graph.nodes:
        n.vector_tiles = []
        if not splittable(n):
            continue
        cycles = product_cycles(costs.at(n.tile), n)
        units = min(n.params.m, MAX_UNITS, ceil_div(cycles, max(int(target), 1)))
        if units <= 1:
            continue
        (hx, hy) = arch.tile_xy(n.tile)
        others = sorted((t for t in range(arch.chip.tiles) if t != n.tile),
                        key=lambda t: (load.get(t, 0), abs(arch.tile_xy(t)[0] - hx) + abs(arch.tile_xy(t)[1] - hy), t))
        tiles = sorted(others[:units - 1])
        share = ceil_div(cycles, units)
        load[n.tile] = load.get(n.tile, 0) - cycles + share
        for t in tiles:
            load[t] = load.get(t, 0) + share
        n.vector_tiles = tiles
        out[n.name] = tiles
    return out
