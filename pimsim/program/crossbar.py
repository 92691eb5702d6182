"""Crossbar operators (``mvm``, run-time-written ``dynamic_mvm``) of one query, block by block.

Per (tile, row range) of the operator's blocks: one operand fetch from the
tile buffer and one bus transfer, broadcast to every PE holding a block with
those rows (the bus is shared; ISAAC's eDRAM-to-IMA bus).  Run-time-written
blocks fetch their own weights too.  Then per block one crossbar task::

    slices = ceil(input_bits / dac_bits)
    conversions = ceil(physical_cols / adcs_per_crossbar)     # columns interleaved over the ADCs
    per_slice = dac_cycles + read_cycles + sample_hold_cycles + adc_cycles(conversions)
    crossbar_cycles = m * slices * per_slice + shift_add_cycles

``adc_bits`` is the operator's ``precision.adc_bits`` (issue 6: resolution matched
to the rows read in parallel); below the ADC's own resolution a conversion takes
``adc_bits / pe.adc.bits`` of the full time and costs the ADC law's energy at
``adc_bits`` (``Costs.adc_cycles_at`` / ``adc_pj_at``).

The shift-and-add consumes each conversion as it leaves the ADC, so only the
last one adds latency (the final ``shift_add_cycles`` phase of the task).
Assumptions: inside one block the next input slice is driven only after the
ADCs finished the previous one (one sample-and-hold stage), so read and
conversion do not overlap within a query; other blocks and queries overlap
freely.  The ADCs belong to their crossbar (``adc.per_crossbar``) and the
PE's shift-and-add units are not a contended resource (one cycle per block
per query); both are busy exactly in the sub-phases nested in the trace.

Blocks on tiles other than the home tile send their partial sums there, one
message per (operator, tile); the home tile's vector unit adds the partial
sums of all row-blocks (``sum(cols) - n`` adds per input vector).
"""

from __future__ import annotations

from pimsim.program.costs import ceil_div
from pimsim.program.template import SlicePhases


def crossbar_phases(lw, op, b) -> tuple[int, int, int, int]:
    """(vectors x slices, read cycles per slice, conversion cycles per slice, physical columns)."""
    c, arch = lw.c, lw.arch
    slices = ceil_div(op.precision.input_bits, arch.pe.dac.bits)
    conversions = ceil_div(b.physical_cols, arch.pe.adc.per_crossbar)
    read = c.dac_cycles + c.read_cycles + c.sample_hold_cycles
    return op.m * slices, read, c.adc_cycles_at(conversions, op.precision.adc_bits), b.physical_cols


def _fetch(lw, oi: int, tile: int, bits: int, entry: int) -> int:
    c, t = lw.c, lw.t
    fetch = t.task(lw._buf(tile), c.buffer_cycles(bits), oi, "fetch operands", after=[entry],
                   energy={"tile_buffer": c.buffer_read_pj(bits)})
    return t.task(lw.rt.get(("bus", tile)), c.bus_cycles(bits), oi, "bus to PEs", after=[fetch],
                  energy={"bus": c.bus_pj(bits)})


def lower_block(lw, oi: int, op, b, after: int, write: bool) -> int:
    """Add block ``b``'s crossbar work after task ``after``; returns the crossbar task id."""
    c, t, arch = lw.c, lw.t, lw.arch
    xbar = lw.rt.get(("crossbar", b.tile, b.pe, b.crossbar))
    prev = after
    if write:
        prev = t.task(xbar, b.rows * c.write_row_cycles, oi, "write weights", after=[after],
                      energy={"crossbar": b.rows * c.write_row_pj * b.physical_cols / arch.pe.crossbar.cols})
    n_slices, read, conv, cols = crossbar_phases(lw, op, b)
    frac = b.rows * cols / (arch.pe.crossbar.rows * arch.pe.crossbar.cols)
    energy = {
        "dac": n_slices * b.rows * c.dac_pj,
        "crossbar": n_slices * frac * c.read_pj,
        "sample_hold": n_slices * cols * c.sample_hold_pj,
        "adc": n_slices * cols * c.adc_pj_at(op.precision.adc_bits, arch.pe.adc.model, arch.technology.node_nm),
        "pe_input_register": c.input_register_pj(n_slices),
        "shift_add": n_slices * cols * c.shift_add_pj,
        "pe_output_register": c.output_register_pj(n_slices * cols),
    }
    step = read + conv
    x = t.task(xbar, n_slices * step + c.shift_add_cycles, oi, f"mvm {b.rows}x{cols}", after=[prev], energy=energy)
    t.slice_phases[x] = SlicePhases(n_slices, read, conv, c.shift_add_cycles)
    return x


def lower_crossbar_op(lw, oi: int, op, entry: int, write: bool) -> int:
    """All blocks of the query's replica, partial-sum messages and the reduction; returns the last task."""
    blocks = lw._blocks(oi, op)
    groups: dict[tuple[int, int, int], list] = {}
    for b in blocks:
        groups.setdefault((b.tile, b.row_start, b.rows), []).append(b)
    in_bits_per_row = op.precision.input_bits * op.m
    done_on_tile: dict[int, list[int]] = {}
    psum_bits: dict[int, int] = {}
    for (tile, _, rows), members in groups.items():
        shared = None if write else _fetch(lw, oi, tile, rows * in_bits_per_row, entry)
        for b in members:
            src = shared
            if write:
                w_bits = b.rows * b.cols * (op.precision.weight_bits or op.precision.input_bits)
                src = _fetch(lw, oi, tile, rows * in_bits_per_row + w_bits, entry)
            done_on_tile.setdefault(tile, []).append(lower_block(lw, oi, op, b, src, write))
            psum_bits[tile] = psum_bits.get(tile, 0) + b.cols * op.m * op.precision.output_bits
    finals = []
    for tile in sorted(done_on_tile):
        if tile == op.tile:
            finals.extend(done_on_tile[tile])
        else:
            ready = lw.t.join(oi, f"blocks on tile {tile} done", done_on_tile[tile])
            finals.append(lw.noc_transfer(tile, op.tile, psum_bits[tile], ready, oi, "partial sums"))
    count = op.count if op.kind == "dynamic_mvm" else 1
    adds = sum(b.cols for b in blocks) * op.m - op.n * op.m * count
    last = lw.t.join(oi, "blocks done", finals)
    if adds > 0:
        c = lw.c
        last = lw.t.task(lw.rt.get(("vector_unit", op.tile)), c.vector_cycles({"add": adds}), oi,
                         "reduce partial sums", after=[last], energy={"vector_unit": c.vector_pj({"add": adds})})
    return last
