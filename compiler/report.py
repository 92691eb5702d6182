"""``pimcompile --report``: operators by class, crossbars and tiles used, utilisation, where each op went."""

from __future__ import annotations

from collections import Counter

from pimsim.spec.occupancy import crossbars_used, tiles_used


def crossbar_stats(mapping) -> dict:
    """Crossbars holding weights, tiles used (``pimsim.spec.occupancy``: the definition every report shares) and
    the fraction of the used crossbars' cells holding weights."""
    arch = mapping.arch
    xbar = arch.pe.crossbar
    used = crossbars_used(mapping)
    cells = sum(b.rows * b.physical_cols for op in mapping.operators for b in getattr(op, "blocks", []))
    util = cells / (len(used) * xbar.rows * xbar.cols) if used else 0.0
    return {"crossbars_used": len(used), "crossbars_total": arch.crossbars_per_chip,
            "tiles_used": len(tiles_used(mapping)), "tiles_total": arch.chip.tiles, "cell_utilisation": util}


def format_report(mapping) -> str:
    stats = crossbar_stats(mapping)
    kinds = Counter(op.kind for op in mapping.operators)
    lines = [f"model {mapping.model.name} (opset {mapping.model.opset}) on {mapping.arch.name}, "
             f"strategy {mapping.strategy}",
             "operators by class: " + ", ".join(f"{k} {kinds[k]}" for k in sorted(kinds)),
             f"crossbars used: {stats['crossbars_used']} of {stats['crossbars_total']}; "
             f"tiles used (holding an operator, weights or a shared product): {stats['tiles_used']} of "
             f"{stats['tiles_total']}; "
             f"crossbar cell utilisation: {100 * stats['cell_utilisation']:.1f} %",
             "", f"{'operator':40s} {'op_type':18s} {'class':12s} {'tile':>4s}  where / size"]
    for op in mapping.operators:
        lines.append(f"{op.name[:40]:40s} {op.op_type[:18]:18s} {op.kind:12s} {op.tile:4d}  {_where(op)}")
    return "\n".join(lines)


def _where(op) -> str:
    p = op.precision
    if op.kind == "mvm":
        tiles = sorted({b.tile for b in op.blocks})
        span = f"tile {tiles[0]}" if len(tiles) == 1 else f"tiles {tiles[0]}-{tiles[-1]}"
        copies = (f", {op.replicas} copies ({op.copies_per_query} per query, {op.groups} groups)"
                  if op.replicas > 1 else "")
        return (f"{op.k}x{op.n} w{p.weight_bits}/a{p.input_bits} bits, m={op.m}: {len(op.blocks)} crossbars on "
                f"{span}{copies}")
    if op.kind == "dynamic_mvm":
        shared = f", rows shared with tiles {list(op.vector_tiles)}" if op.vector_tiles else ""
        return f"{op.count} x [{op.m}x{op.k}]@[{op.k}x{op.n}] on the {op.implementation} unit{shared}"
    if op.kind == "embedding":
        return f"table {op.rows}x{op.dim}, {op.lookups} lookups/query, in {op.storage}"
    if op.kind == "vector":
        return ", ".join(f"{k} {v}" for k, v in op.ops.items()) + " element ops/query"
    if op.kind == "copy":
        return f"{op.bits} bits through the buffer"
    return f"view ({op.layout}: addressing, free)"
