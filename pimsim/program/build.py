"""Mapping -> engine program for a stream of ``batch`` queries, after checking the mapping fits.

Fit checks (beyond ``pimsim.spec.mapping.check_mapping``, which already
rejects blocks on missing tiles, PEs or crossbars and overlapping cells):
every value resident in a tile buffer (an operator's inputs where it runs,
its outputs at its home tile) must fit that buffer on its own.  Errors name
the operator and the tile.
"""

from __future__ import annotations

from pimsim.program.costs import Costs
from pimsim.program.lower import QueryLowering
from pimsim.program.resources import ResourceTable
from pimsim.program.stream import StreamProgram, layout_stream, replica_period
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping
from pimsim.spec.units import bytes_to_bits


def lower_mapping(mapping: Mapping, costs: Costs, batch: int, source: str = "mapping") -> tuple[StreamProgram,
                                                                                                 ResourceTable]:
    """Lower ``mapping`` for ``batch`` queries; raises SpecError (naming operator and tile) if it does not fit."""
    table = ResourceTable()
    replicas = [getattr(op, "replicas", 1) for op in mapping.operators]
    period = replica_period(replicas, batch)
    lowerings = []
    for k in range(period):
        lw = QueryLowering(mapping, costs, table, {oi: k % r for oi, r in enumerate(replicas)})
        lw.build()
        lowerings.append(lw)
    slots = buffer_slots(mapping, lowerings[0], source)
    consumers = _consumers(mapping)
    producer = {name: oi for oi, op in enumerate(mapping.operators) for name in op.outputs}
    out_tasks = []
    for lw in lowerings:
        per_op: dict[int, list[int]] = {}
        for name, tid in lw.t.io_out.items():
            if name in producer:
                per_op.setdefault(producer[name], []).append(tid)
        out_tasks.append(per_op)
    stream = layout_stream([lw.t for lw in lowerings], batch, table.capacity, slots, consumers, out_tasks)
    return stream, table


def _consumers(mapping: Mapping) -> dict[int, list[int]]:
    producer = {name: oi for oi, op in enumerate(mapping.operators) for name in op.outputs}
    out: dict[int, list[int]] = {}
    for ci, op in enumerate(mapping.operators):
        for name in op.inputs:
            if name in producer and ci not in out.setdefault(producer[name], []):
                out[producer[name]].append(ci)
    return out


def buffer_slots(mapping: Mapping, lw: QueryLowering, source: str) -> dict[int, int]:
    """Queries' worth of resident values each operator's home buffer holds (>= 1); rejects oversize operands."""
    cap_bits = bytes_to_bits(mapping.arch.tile.buffer.capacity_bytes)
    user = {}
    for oi, op in enumerate(mapping.operators):
        for name in list(op.inputs) + list(op.outputs):
            user.setdefault(name, op.name)
    footprint: dict[int, int] = {}
    for name, where in lw.avail.items():
        v = lw.values[name]
        for tile in where:
            if v.size_bits > cap_bits:
                raise SpecError(source, f"operator {user.get(name, name)}: value {name} ({v.size_bits} bits) does "
                                        f"not fit the buffer of tile {tile} ({cap_bits} bits)")
            footprint[tile] = footprint.get(tile, 0) + v.size_bits
    return {oi: max(1, cap_bits // max(footprint.get(op.tile, 0), 1)) for oi, op in enumerate(mapping.operators)}
