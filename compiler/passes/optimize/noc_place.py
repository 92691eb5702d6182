"""Placement of crossbar groups on tiles that keeps hop-weighted NoC traffic low.

Own-tiles mode (the chip has room for every operator on its own tiles): in
schedule order each crossbar operator (all its replicas) takes the free tile
that minimises ``sum(bits x hops)`` from the tiles its activation inputs come
from (graph inputs and embeddings arrive at tile 0, by the I/O port and DRAM
interface), then the free tiles nearest that anchor; consecutive layers
therefore sit on neighbouring tiles.  Operators keep separate tiles because
every value resident in a tile buffer shrinks that tile's pipelining credit
(``pimsim/program/stream.py``); for the same reason tile 0, where inputs and
embeddings land, gets no crossbar operator when the chip has a spare tile.
Dense mode (tiles are short): crossbars (bins after packing) are filled in
schedule order along a boustrophedon walk of the mesh, so neighbours in the
walk are neighbours on the mesh.
With several tile kinds (``chip.tile_kinds``) each crossbar operator takes only tiles of its kind
(``compiler.passes.optimize.kinds``), own tiles nearest its anchor among them, or the kind's tiles in
walk order; a budget is then a number of tiles per kind.
Non-crossbar operators run at the home tile of their first activation's
producer (as in ``compiler.passes.place``).
"""

from __future__ import annotations


from pimsim.cost.actions import ceil_div
from pimsim.cost.views import parts_of, resolve_views
from pimsim.spec.arch import IMPLICIT_KIND

from compiler.ir.records import Block
from compiler.passes.kind_views import kind_tiles, kind_view, node_kind

IO_TILE = 0


def snake_tiles(arch) -> list[int]:
    cols = arch.chip.mesh_cols
    out: list[int] = []
    for y in range(arch.mesh_rows):
        xs = range(cols) if y % 2 == 0 else range(cols - 1, -1, -1)
        out.extend(t for t in (y * cols + x for x in xs) if t < arch.chip.tiles)
    return out


def _slot(arch, tile: int, index: int) -> tuple[int, int, int]:
    """(tile, PE, crossbar) of the ``index``-th crossbar of ``tile``."""
    return tile, index // arch.pe.crossbars, index % arch.pe.crossbars


def _at(b: Block, where: Block | tuple[int, int, int]) -> Block:
    """A copy of ``b`` on the crossbar ``where`` (a (tile, PE, crossbar) slot, or the place of another block)."""
    tile, pe, crossbar = (where.tile, where.pe, where.crossbar) if isinstance(where, Block) else where
    return b.copy(tile=tile, pe=pe, crossbar=crossbar)


def place_own_tiles(graph, groups: dict[str, list[Block]], arch, budget_tiles: int | dict[str, int],
                    bits: dict[str, int]) -> int:
    """Place each node's blocks (``groups[name]``) on its own tiles of its kind; returns tiles used.
    ``budget_tiles``: tiles allowed, per kind (``{kind: tiles}``) on a chip of several."""
    budgets = budget_tiles if isinstance(budget_tiles, dict) else {IMPLICIT_KIND: budget_tiles}

    def hops(a: int, b: int) -> int:
        (ax, ay), (bx, by) = arch.tile_xy(a), arch.tile_xy(b)
        return abs(ax - bx) + abs(ay - by)

    free = {k.name: set(kind_tiles(arch, k.name)) for k in arch.tile_kinds}
    home: dict[str, int] = {}  # value -> tile it is written on
    used = dict.fromkeys(free, 0)
    parts = graph_view_parts(graph, bits)
    for n in graph.nodes:
        src = [(home.get(p.value, IO_TILE), p.bits) for i in n.inputs if i and not graph.values[i].constant
               for p in parts_of(parts, i, bits)]
        if n.name in groups:
            kind, view = node_kind(n), kind_view(arch, node_kind(n))
            per_tile, mine = view.tile.pes * view.pe.crossbars, free[node_kind(n)]
            need = ceil_div(len(groups[n.name]), per_tile)
            if used[kind] + need > budgets[kind] or need > len(mine):
                raise ValueError(f"{n.name}: no free tiles left")
            anchor = min(mine, key=lambda t: (sum(b * hops(s, t) for s, b in src), hops(0, t), t))
            tiles = sorted(mine, key=lambda t: (hops(anchor, t), t))[:need]
            mine -= set(tiles)
            used[kind] += need
            for i, b in enumerate(groups[n.name]):
                b.locate(*_slot(view, tiles[i // per_tile], i % per_tile))
            n.blocks = groups[n.name]
            n.tile = anchor
        else:
            n.tile = 0 if n.kind == "embedding" or not src else src[0][0]
        for o in n.outputs:
            home[o] = n.tile
    return sum(used.values())


def place_extra_copies(graph, groups: dict[str, list[Block]], arch, free: list[int]) -> int:
    """Keep every operator's copy 0 where it is (its blocks carry their place) and put its other copies, on
    tiles of their own, on the ``free`` tiles of its kind nearest its home tile; returns the tiles taken (0 when they do
    not fit, and then nothing changes)."""
    left, plan = set(free), {}
    for n in graph.nodes:
        if n.name not in groups:
            continue
        view = kind_view(arch, node_kind(n))
        per_tile = view.tile.pes * view.pe.crossbars
        mine = left if not arch.heterogeneous else {t for t in left if arch.tile_kind_of(t) == node_kind(n)}
        first = {(b.row_start, b.col_start, b.slice_start): b for b in n.blocks}
        extra = [b for b in groups[n.name] if b.replica > 0]
        need = ceil_div(len(extra), per_tile)
        if need > len(mine):
            return 0
        hx, hy = arch.tile_xy(n.tile)
        tiles = sorted(mine, key=lambda t: (abs(arch.tile_xy(t)[0] - hx) + abs(arch.tile_xy(t)[1] - hy), t))[:need]
        left -= set(tiles)
        blocks = [_at(b, first[(b.row_start, b.col_start, b.slice_start)]) for b in groups[n.name] if b.replica == 0]
        blocks += [_at(b, _slot(view, tiles[i // per_tile], i % per_tile)) for i, b in enumerate(extra)]
        plan[n.name] = blocks
    for n in graph.nodes:
        if n.name in plan:
            n.blocks = plan[n.name]
    return len(free) - len(left)


def graph_view_parts(graph, bits: dict[str, int]) -> dict:
    """``pimsim.cost.views.resolve_views`` over the IR's nodes: the stored values each view output addresses."""
    return resolve_views(graph.nodes, bits, graph.constants())


def place_dense(graph, bins: list[list[tuple[str, Block]]], arch) -> int:
    """Fill crossbars with ``bins`` (each: (node name, block) sharing one crossbar, of one tile kind) along the
    snake walk over the tiles of the bin's kind; returns the tiles used."""
    kind_of = {n.name: node_kind(n) for n in graph.nodes}
    walk, taken = snake_tiles(arch), dict[str, int]()
    walks = {k.name: [t for t in walk if k.first_tile <= t < k.first_tile + k.count] for k in arch.tile_kinds}
    placed: dict[str, list[Block]] = {}
    for bin_ in bins:
        kind = kind_of[bin_[0][0]]
        view = kind_view(arch, kind)
        per_tile, i = view.tile.pes * view.pe.crossbars, taken.get(kind, 0)
        where = _slot(view, walks[kind][i // per_tile], i % per_tile)
        taken[kind] = i + 1
        for name, b in bin_:
            placed.setdefault(name, []).append(_at(b, where))
    home: dict[str, int] = {}
    for n in graph.nodes:
        src = [home.get(i, 0) for i in n.inputs if i and not graph.values[i].constant]
        if n.name in placed:
            n.blocks = sorted(placed[n.name], key=lambda b: (b.replica, b.row_start, b.col_start, b.slice_start))
            n.tile = n.blocks[0].tile
        else:
            n.tile = 0 if n.kind == "embedding" or not src else src[0]
        for o in n.outputs:
            home[o] = n.tile
    return sum(ceil_div(count, kind_view(arch, kind).tile.pes * kind_view(arch, kind).pe.crossbars)
               for kind, count in taken.items())
