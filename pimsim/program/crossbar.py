"""Crossbar operators (``mvm``, run-time-written ``dynamic_mvm``) of one query, block by block.

Per (tile, row range) of the operator's blocks: one operand fetch from the
tile buffer and one bus transfer, broadcast to every PE holding a block with
those rows (the bus is shared; ISAAC's eDRAM-to-IMA bus).  Run-time-written
blocks fetch their own weights too.  Then per block one crossbar task of
``vectors x ceil(input_bits / dac_bits)`` slices, timed and priced by
``pimsim.cost.crossbar`` (shared with the mapper)::

    interval        = max(read, conversions)      # sample-and-hold: read k+1 overlaps conversions of k
    crossbar task   = slices x interval            # the array's occupancy
    adc drain       = min(read, conversions) + shift_add   # then, on ``adc[tile][pe][crossbar]``: the rest
                                                   # of the last step's conversions and the last shift-add

with the conversions at the operator's ``precision.adc_bits`` (issue 6:
resolution matched to the rows read in parallel; the SAR law of
``pimsim.components.converters`` prices time and energy at that resolution).
The ADCs form banks of ``adc.per_crossbar``, one bank per
``adc.shared_by_crossbars`` crossbars; the conversions of the operator's
crossbars on one bank are serialised inside each block's timing
(``pimsim.cost.crossbar``), and the drain task holds the crossbar's share of
its bank as one resource) and the PE's shift-and-add units are not a contended
resource (one cycle per block per query); both are busy exactly in the
sub-phases nested in the trace.

A bank converting for several users (operators, or copy groups, packed behind
it: ``pimsim.cost.crossbar.contended_banks``) is a resource ``adc_bank[t][pe][k]``:
per query one ``adc bank`` task holds it for ``bank_hold_cycles`` of the
operator's blocks there, after all their operand fetches (and weight writes),
and each of those blocks' crossbar tasks starts with it (a start-to-start
edge, lag 0), so another user's run waits for the bank::

    adc bank task   = max over its crossbars x of sum(occupancy of its blocks on x)
    crossbar task   starts when the bank task starts (and its crossbar is free)

Vector-parallel copies (``copies_per_query`` s > 1; PIMCOMP's weight
replication for its low-latency element pipeline, reference 1.10): the query's
``m`` input vectors are split over the s copies of its group
(``pimsim.cost.crossbar.vector_split``: ``ceil(m / s)`` for the slowest), each
copy's blocks reading only its vectors; energy per vector is unchanged (each
vector still drives its rows and is converted once).

Blocks on tiles other than the home tile send their partial sums there, one
message per (operator, tile); the home tile's vector unit adds the partial
sums of all row-blocks (``sum(cols) - n`` adds per input vector).

With several tile kinds each block is timed and priced by its tile's kind
(``Costs.at``: that kind's crossbar, DAC, ADC, S+H, buffer and bus), so the
same block costs what its kind's converters cost.
"""

from __future__ import annotations

from pimsim.cost.crossbar import (
    adc_bank, bank_hold_cycles, block_energy_pj, block_slice_timing, crossbars_on_banks, input_slices,
)
from pimsim.program.template import SlicePhases


def block_timing(lw, op, b, vectors: int, on_bank: int = 1):
    """(slices through block ``b`` this query, its ``SliceTiming``): ``vectors`` input vectors of ``op``, the
    block's ADC bank converting for ``on_bank`` crossbars of the operator."""
    c = lw.c.at(b.tile)
    slices = vectors * input_slices(c.arch, op.precision.input_bits)
    return slices, block_slice_timing(c, c.arch, b.rows, b.physical_cols, op.precision.adc_bits, on_bank)


def _fetch(lw, oi: int, tile: int, bits: int, entry: int) -> int:
    c, t = lw.c.at(tile), lw.t
    fetch = t.task(lw._buf(tile), c.buffer_cycles(bits), oi, "fetch operands", after=[entry],
                   energy={"tile_buffer": c.buffer_read_pj(bits)})
    return t.task(lw.rt.get(("bus", tile)), c.bus_cycles(bits), oi, "bus to PEs", after=[fetch],
                  energy={"bus": c.bus_pj(bits)})


def _write_weights(lw, oi: int, b, after: int) -> int:
    """Program block ``b``'s rows on its crossbar (run-time-written operators) after task ``after``."""
    c = lw.c.at(b.tile)
    return lw.t.task(lw.rt.get(("crossbar", b.tile, b.pe, b.crossbar)), b.rows * c.write_row_cycles, oi,
                     "write weights", after=[after],
                     energy={"crossbar": b.rows * c.write_row_pj * b.physical_cols / c.arch.pe.crossbar.cols})


def lower_block(lw, oi: int, op, b, vectors: int, after: int, write: bool, on_bank: int = 1,
                bank_task: int | None = None) -> int:
    """Add block ``b``'s crossbar work for ``vectors`` input vectors after task ``after``; returns the task id.
    ``on_bank``: crossbars of the operator whose conversions the block's ADC bank serialises; ``bank_task``: the
    task holding a contended bank for this run (the crossbar task starts with it), None for an own bank."""
    t = lw.t
    xbar = lw.rt.get(("crossbar", b.tile, b.pe, b.crossbar))
    prev = _write_weights(lw, oi, b, after) if write else after
    occupancy, energy, phases, drain_phases, name = _block_work(lw, op, b, vectors, on_bank)
    if getattr(op, "replicas", 1) > 1:
        name += f" copy {b.replica} ({vectors} of {op.m} vectors)"
    x = t.task(xbar, occupancy, oi, name, after=[prev], energy=energy)
    if bank_task is not None:
        t.edge(bank_task, x, 0, start_to_start=True)
    t.slice_phases[x] = phases
    # The last step's conversions finish on the crossbar's ADCs once the array is free (sample-and-hold); on
    # a shared bank the conversions of the operator's other crossbars are already inside ``timing``.
    drain = t.task(lw.rt.get(("adc", b.tile, b.pe, b.crossbar)), drain_phases.timing.drain_cycles, oi, "adc drain",
                   after=[x])
    t.slice_phases[drain] = drain_phases
    return drain


def _block_work(lw, op, b, vectors: int, on_bank: int) -> tuple[int, dict[str, float], SlicePhases, SlicePhases, str]:
    """(occupancy cycles, energy by component, the crossbar task's and the drain's sub-phases, task name) of block
    ``b`` for ``vectors`` vectors: the same for every block of one shape on one tile kind, so computed once per
    shape (a convolution's blocks share a few shapes: VGG-8 on the cited chip has 6,344 blocks of 6) and kept in the tile
    kind's ``Costs.memo`` (the records are immutable; ``Template.task`` copies the energy dict)."""
    c = lw.c.at(b.tile)
    key = ("block_work", b.rows, b.physical_cols, vectors, op.precision.input_bits, op.precision.adc_bits, on_bank)
    work = c.memo.get(key)
    if work is None:
        n_slices, timing = block_timing(lw, op, b, vectors, on_bank)
        energy = block_energy_pj(c, c.arch, b.rows, b.physical_cols, n_slices, op.precision.adc_bits)
        work = (timing.occupancy(n_slices), energy, SlicePhases(timing, n_slices), SlicePhases(timing, 0),
                f"mvm {b.rows}x{b.physical_cols}")
        c.memo[key] = work
    return work


def lower_crossbar_op(lw, oi: int, op, entry: int, write: bool) -> int:
    """All blocks of the query's copies, partial-sum messages and the reduction; returns the last task.

    One operand fetch per (tile, row range) is broadcast on the tile's bus to every PE holding a block with
    those rows; it carries the input vectors of every copy there (``rows x input_bits`` per vector).
    """
    pairs = lw.copy_blocks(oi, op)
    banks = crossbars_on_banks(lw.arch, [(b.tile, b.pe, b.crossbar) for b, _ in pairs])
    groups: dict[tuple[int, int, int], list] = {}
    for b, vectors in pairs:
        groups.setdefault((b.tile, b.row_start, b.rows), []).append((b, vectors))
    contended = lw.contended_banks()
    if contended and any(_bank_key(lw, b) in contended for b, _ in pairs):
        done_on_tile, psum_bits = _lower_on_contended_banks(lw, oi, op, groups, banks, contended, entry, write)
    else:
        done_on_tile, psum_bits = _lower_blocks(lw, oi, op, groups, banks, entry, write)
    return _finish(lw, oi, op, pairs, done_on_tile, psum_bits)


def _lower_blocks(lw, oi: int, op, groups: dict, banks: dict, entry: int, write: bool):
    """Per (tile, row range) group its operand fetch, then its blocks (every ADC bank with one user)."""
    done_on_tile: dict[int, list[int]] = {}
    psum_bits: dict[int, int] = {}
    bits_per_row = op.precision.input_bits
    for (tile, _, rows), members in groups.items():
        copies = {b.replica: vectors for b, vectors in members}
        shared = None if write else _fetch(lw, oi, tile, rows * bits_per_row * sum(copies.values()), entry)
        for b, vectors in members:
            src = shared if shared is not None else _block_fetch(lw, oi, op, b, rows, vectors, entry)
            on_bank = banks[_bank_key(lw, b)]
            done_on_tile.setdefault(tile, []).append(lower_block(lw, oi, op, b, vectors, src, write, on_bank))
            psum_bits[tile] = psum_bits.get(tile, 0) + b.cols * vectors * op.precision.output_bits
    return done_on_tile, psum_bits


def _block_fetch(lw, oi: int, op, b, rows: int, vectors: int, entry: int) -> int:
    """A run-time-written block's own fetch: its input vectors and its weights."""
    w_bits = b.rows * b.cols * (op.precision.weight_bits or op.precision.input_bits)
    return _fetch(lw, oi, b.tile, rows * op.precision.input_bits * vectors + w_bits, entry)


def _bank_key(lw, b) -> tuple[int, int, int]:
    return b.tile, b.pe, adc_bank(lw.arch.tile_arch(b.tile), b.crossbar)


def _operands(lw, oi: int, op, rows: int, members: list, entry: int, write: bool) -> list[tuple]:
    """(block, vectors, task after which its operands are at its PE) of the blocks of one (tile, row range)
    group: one fetch and bus broadcast for the group, or one per block with its weights (run-time-written)."""
    tile = members[0][0].tile
    copies = {b.replica: vectors for b, vectors in members}
    shared = None if write else _fetch(lw, oi, tile, rows * op.precision.input_bits * sum(copies.values()), entry)
    return [(b, vectors, shared if shared is not None else _block_fetch(lw, oi, op, b, rows, vectors, entry))
            for b, vectors in members]


def _lower_on_contended_banks(lw, oi: int, op, groups: dict, banks: dict, contended: set, entry: int,
                              write: bool):
    """The blocks of an operator with blocks on contended ADC banks: operand fetches (and weight writes) first,
    then one ``adc bank`` task per contended bank after the fetches of its blocks, then the crossbar tasks
    (module docstring).  Task ids stay in dependency order (``QueryLowering._span_cycles``)."""
    t = lw.t
    ready = []
    for (_, _, rows), members in groups.items():
        for b, vectors, src in _operands(lw, oi, op, rows, members, entry, write):
            ready.append((b, vectors, _write_weights(lw, oi, b, src) if write else src))
    on: dict[tuple[int, int, int], list] = {}
    for b, vectors, prev in ready:
        if _bank_key(lw, b) in contended:
            on.setdefault(_bank_key(lw, b), []).append((b, vectors, prev))
    bank_task = {}
    for key, members in on.items():
        hold = bank_hold_cycles((b.crossbar, _block_work(lw, op, b, v, banks[key])[0]) for b, v, _ in members)
        bank_task[key] = t.task(lw.rt.get(("adc_bank",) + key), hold, oi, "adc bank",
                                after=sorted({prev for _, _, prev in members}))
    done_on_tile: dict[int, list[int]] = {}
    psum_bits: dict[int, int] = {}
    for b, vectors, prev in ready:
        key = _bank_key(lw, b)
        done_on_tile.setdefault(b.tile, []).append(
            lower_block(lw, oi, op, b, vectors, prev, False, banks[key], bank_task.get(key)))
        psum_bits[b.tile] = psum_bits.get(b.tile, 0) + b.cols * vectors * op.precision.output_bits
    return done_on_tile, psum_bits


def _finish(lw, oi: int, op, pairs: list, done_on_tile: dict, psum_bits: dict) -> int:
    finals = []
    for tile in sorted(done_on_tile):
        if tile == op.tile:
            finals.extend(done_on_tile[tile])
        else:
            ready = lw.t.join(oi, f"blocks on tile {tile} done", done_on_tile[tile])
            finals.append(lw.noc_transfer(tile, op.tile, psum_bits[tile], ready, oi, "partial sums"))
    count = op.count if op.kind == "dynamic_mvm" else 1
    adds = sum(b.cols * vectors for b, vectors in pairs) - op.n * op.m * count
    last = lw.t.join(oi, "blocks done", finals)
    if adds > 0:
        c = lw.c.at(op.tile)
        last = lw.t.task(lw.rt.get(("vector_unit", op.tile)), c.vector_cycles({"add": adds}), oi,
                         "reduce partial sums", after=[last], energy={"vector_unit": c.vector_pj({"add": adds})})
    return last
