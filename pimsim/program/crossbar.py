"""One crossbar block of one query: fetch, bus, (run-time write), bit-serial read + ADC, shift-and-add.

Crossbar task duration (hand-checkable; ``pimsim.program.costs.Costs``)::

    slices = ceil(input_bits / dac_bits)
    conversions = ceil(physical_cols / adcs_per_crossbar)     # columns interleaved over the ADCs
    per_slice = dac_cycles + read_cycles + sample_hold_cycles + adc_cycles(conversions)
    crossbar_cycles = m * slices * per_slice

Assumption: inside one block the next input slice is driven only after the
ADCs finished the previous one (the sample-and-hold is a single stage), so
read and conversion do not overlap within a query; successive queries and
other blocks overlap freely on other crossbars.  The ADCs belong to their
crossbar (``adc.per_crossbar``), so they are busy exactly in the conversion
sub-phases shown nested in the trace.
"""

from __future__ import annotations

from pimsim.program.costs import ceil_div


def crossbar_phases(lw, op, b) -> tuple[int, int, int, int]:
    """(vectors x slices, read cycles per slice, conversion cycles per slice, physical columns)."""
    c, arch = lw.c, lw.arch
    slices = ceil_div(op.precision.input_bits, arch.pe.dac.bits)
    conversions = ceil_div(b.physical_cols, arch.pe.adc.per_crossbar)
    read = c.dac_cycles + c.read_cycles + c.sample_hold_cycles
    return op.m * slices, read, c.adc_cycles(conversions), b.physical_cols


def lower_block(lw, oi: int, op, b, entry: int, write: bool) -> int:
    """Add the tasks of block ``b`` after ``entry``; returns the shift-and-add task id."""
    c, t, rt, arch = lw.c, lw.t, lw.rt, lw.arch
    in_bits = b.rows * op.precision.input_bits * op.m
    if write:
        in_bits += b.rows * b.cols * (op.precision.weight_bits or op.precision.input_bits)
    fetch = t.task(lw._buf(b.tile), c.buffer_cycles(in_bits), oi, "fetch operands", after=[entry],
                   energy={"tile_buffer": c.buffer_read_pj(in_bits)})
    bus = t.task(rt.get(("bus", b.tile)), c.bus_cycles(in_bits), oi, "bus to PE", after=[fetch],
                 energy={"bus": c.bus_pj(in_bits)})
    xbar = rt.get(("crossbar", b.tile, b.pe, b.crossbar))
    prev = bus
    if write:
        prev = t.task(xbar, b.rows * c.write_row_cycles, oi, "write weights", after=[bus],
                      energy={"crossbar": b.rows * c.write_row_pj * b.physical_cols / arch.pe.crossbar.cols})
    n_slices, read, conv, cols = crossbar_phases(lw, op, b)
    frac = b.rows * cols / (arch.pe.crossbar.rows * arch.pe.crossbar.cols)
    energy = {
        "dac": n_slices * b.rows * c.dac_pj,
        "crossbar": n_slices * frac * c.read_pj,
        "sample_hold": n_slices * cols * c.sample_hold_pj,
        "adc": n_slices * cols * c.adc_pj,
        "pe_input_register": c.input_register_pj(n_slices),
    }
    x = t.task(xbar, n_slices * (read + conv), oi, f"mvm {b.rows}x{cols}", after=[prev], energy=energy)
    t.children[x] = [(k * (read + conv), read, "read") for k in range(n_slices)] + \
        [(k * (read + conv) + read, conv, "adc") for k in range(n_slices) if conv > 0]
    return t.task(rt.get(("shift_add", b.tile, b.pe), arch.pe.shift_add_units), c.shift_add_cycles, oi,
                  "shift-add", after=[x],
                  energy={"shift_add": n_slices * cols * c.shift_add_pj,
                          "pe_output_register": c.output_register_pj(n_slices * cols)})
