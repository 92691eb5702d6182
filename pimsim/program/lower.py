"""Lower one query of a mapping into a task template (what each unit does, in order).

Per operator (home tile ``h``), for one query:

- inputs not yet on a tile that needs them are sent over the NoC
  (``ArchSpec.xy_route``); graph inputs first cross the chip
  I/O link into tile 0;
- ``mvm`` (and ``dynamic_mvm`` on crossbars written at run time), per crossbar
  block: operand fetch from the tile buffer, bus transfer to the PE, then one
  crossbar task: for each input vector and each of ``ceil(input_bits /
  dac_bits)`` input slices, DAC drive + crossbar read + sample-and-hold, then
  the ADC conversions serialised over the columns sharing an ADC
  (``ceil(physical_cols / adcs_per_crossbar)``, columns interleaved over the
  ADCs); then the shift-and-add that retires the last conversion (earlier ones
  overlap the conversions); partial sums of blocks on other tiles travel to
  ``h``; the vector unit at ``h`` adds the partial sums of the row-blocks and
  weight-slice groups; the result is written to ``h``'s buffer;
- ``vector`` / ``dynamic_mvm`` on the vector unit: buffer read of the inputs,
  element operations on the vector unit (``ceil(count / lanes)`` passes per
  op class), buffer write of the outputs;
- ``embedding``: row reads from embedding storage (on-chip or DRAM), pooling
  adds on the vector unit, buffer write;
- ``copy``: buffer read + write of the copied bits; ``view``: nothing.

Every duration and energy comes from ``pimsim.program.costs.Costs`` (which
takes them from the component models).
"""

from __future__ import annotations

from pimsim.program.costs import Costs, ceil_div
from pimsim.program.resources import IO_TILE, ResourceTable
from pimsim.program.template import Template
from pimsim.spec.mapping import Mapping


class QueryLowering:
    """Builds the template of one query; ``replica[op_index]`` picks the weight copy it uses."""

    def __init__(self, mapping: Mapping, costs: Costs, table: ResourceTable, replica: dict[int, int]):
        self.m = mapping
        self.arch = mapping.arch
        self.c = costs
        self.rt = table
        self.replica = replica
        self.t = Template()
        self.avail: dict[str, dict[int, int]] = {}
        self.values = {v.name: v for v in mapping.values}

    def build(self) -> Template:
        c, t = self.c, self.t
        for name in self.m.inputs:
            bits = self.values[name].size_bits
            tid = t.task(self.rt.get(("io_link", "in")), c.io_cycles(bits), -1, f"input {name}",
                         energy={"io_link": c.io_pj(bits)})
            self.avail[name] = {IO_TILE: tid}
        for oi, op in enumerate(self.m.operators):
            self._operator(oi, op)
        for name in self.m.outputs:
            arrived = self.deliver(name, IO_TILE, -1)
            bits = self.values[name].size_bits
            t.io_out[name] = t.task(self.rt.get(("io_link", "out")), c.io_cycles(bits), -1, f"output {name}",
                                    after=[arrived], energy={"io_link": c.io_pj(bits)})
        return t

    # -- data movement -------------------------------------------------
    def deliver(self, name: str, tile: int, op: int) -> int:
        """Task after which value ``name`` is in ``tile``'s buffer (sent from its producer's tile if needed)."""
        where = self.avail[name]
        if tile in where:
            return where[tile]
        src = next(iter(where))  # the producer's tile (or the I/O tile): inserted first
        done = self.noc_transfer(src, tile, self.values[name].size_bits, where[src], op, f"send {name}")
        where[tile] = done
        return done

    def noc_transfer(self, src: int, dst: int, bits: int, after: int, op: int, label: str) -> int:
        """Cut-through transfer: each link is held ``ceil(bits / flit_bits)`` cycles; the head advances one
        ``hop_cycles`` per link (start-to-start edges), and the tail arrives ``hop_cycles`` after the last link
        finishes: ``hops * hop_cycles + ceil(bits / flit_bits)`` without contention.  The destination buffer write overlaps the stream (the buffer is at least as wide as a flit)."""
        c, t = self.c, self.t
        flits = ceil_div(bits, self.arch.tile.router.flit_bits)
        prev = after
        first = True
        for a, b in self.arch.xy_route(src, dst):
            link = t.task(self.rt.get(("noc_link", a, b)), flits, op, f"{label} {a}->{b}",
                          energy={"router": c.hop_pj(flits)})
            if first:
                t.edge(prev, link)
                first = False
            else:
                t.edge(prev, link, c.hop_cycles, start_to_start=True)
            prev = link
        # The destination buffer write is priced on the last link task: every joule sits on a hardware task.
        t.energy[prev]["tile_buffer"] = c.buffer_write_pj(bits)
        done = t.join(op, f"{label} arrive")
        t.edge(prev, done, c.hop_cycles)
        return done

    # -- operators -----------------------------------------------------
    def _needed_tiles(self, oi: int, op) -> list[int]:
        """Tiles whose buffers must hold the operator's inputs: every tile with one of its blocks, or home."""
        on_crossbars = op.kind == "mvm" or (op.kind == "dynamic_mvm" and op.implementation == "crossbar_write")
        if on_crossbars and op.blocks:
            return sorted({b.tile for b in self._blocks(oi, op)})
        return [op.tile]

    def _blocks(self, oi: int, op):
        r = self.replica.get(oi, 0)
        return [b for b in op.blocks if b.replica == r]

    def _operator(self, oi: int, op) -> None:
        t = self.t
        arrivals = []
        for name in op.inputs:
            if self.values[name].constant:
                continue
            for tile in self._needed_tiles(oi, op):
                arrivals.append(self.deliver(name, tile, oi))
        entry = t.join(oi, "entry", arrivals)
        t.entry[oi] = entry
        if op.kind == "mvm":
            last = self._crossbar_op(oi, op, entry, write=False)
        elif op.kind == "dynamic_mvm" and op.implementation == "crossbar_write":
            last = self._crossbar_op(oi, op, entry, write=True)
        elif op.kind == "dynamic_mvm":
            ops = {"mul": op.count * op.m * op.k * op.n, "add": op.count * op.m * (op.k - 1) * op.n}
            last = self._vector(oi, op, entry, ops)
        elif op.kind == "vector":
            last = self._vector(oi, op, entry, dict(op.ops))
        elif op.kind == "embedding":
            last = self._embedding(oi, op, entry)
        elif op.kind == "copy":
            bits = op.bits
            last = t.task(self._buf(op.tile), 2 * self.c.buffer_cycles(bits), oi, "copy", after=[entry],
                          energy={"tile_buffer": self.c.buffer_read_pj(bits) + self.c.buffer_write_pj(bits)})
        else:  # view: costs nothing; its exit is its entry
            t.exit[oi] = entry
        if oi not in t.exit:
            t.exit[oi] = t.join(oi, "exit", [last])
        for name in op.outputs:
            self.avail[name] = {op.tile: t.exit[oi]}

    def _buf(self, tile: int) -> int:
        return self.rt.get(("tile_buffer", tile), self.arch.tile.buffer.banks)

    def _in_bits(self, op) -> int:
        return sum(self.values[n].size_bits for n in op.inputs if not self.values[n].constant)

    def _out_bits(self, op) -> int:
        return sum(self.values[n].size_bits for n in op.outputs)

    def _vector(self, oi: int, op, entry: int, ops: dict[str, int]) -> int:
        c, t, h = self.c, self.t, op.tile
        rd = t.task(self._buf(h), c.buffer_cycles(self._in_bits(op)), oi, "read operands", after=[entry],
                    energy={"tile_buffer": c.buffer_read_pj(self._in_bits(op))})
        ops = {k: v for k, v in ops.items() if v > 0}
        vec = t.task(self.rt.get(("vector_unit", h)), c.vector_cycles(ops), oi, "vector " + "+".join(sorted(ops)),
                     after=[rd], energy={"vector_unit": c.vector_pj(ops)})
        return self._write_out(oi, op, vec)

    def _write_out(self, oi: int, op, after: int) -> int:
        bits = self._out_bits(op)
        return self.t.task(self._buf(op.tile), self.c.buffer_cycles(bits), oi, "write result", after=[after],
                           energy={"tile_buffer": self.c.buffer_write_pj(bits)})

    def _embedding(self, oi: int, op, entry: int) -> int:
        c, t = self.c, self.t
        rows = op.tables * op.lookups
        bits = rows * op.dim * op.precision.output_bits
        key = ("embedding_storage", op.tile) if op.storage == "onchip" else ("embedding_storage", "dram")
        delay, hold = c.embedding_access(op.storage, rows, bits)
        rd = t.task(self.rt.get(key), hold, oi, f"lookup {rows} rows", after=[entry], lag=delay,
                    energy={"embedding_storage": c.embedding_pj(op.storage, rows, bits)})
        adds = op.tables * (op.lookups - 1) * op.dim
        if adds > 0:
            rd = t.task(self.rt.get(("vector_unit", op.tile)), c.vector_cycles({"add": adds}), oi, "pool",
                        after=[rd], energy={"vector_unit": c.vector_pj({"add": adds})})
        return self._write_out(oi, op, rd)

    def _crossbar_op(self, oi: int, op, entry: int, write: bool) -> int:
        from pimsim.program.crossbar import lower_crossbar_op

        return self._write_out(oi, op, lower_crossbar_op(self, oi, op, entry, write))
