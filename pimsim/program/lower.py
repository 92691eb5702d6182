"""Lower one query of a mapping into a task template (what each unit does, in order).

Per operator (home tile ``h``), for one query:

- inputs not yet on a tile that needs them are sent over the NoC
  (``ArchSpec.xy_route``), part by part (``pimsim.cost.views``: a view's
  output is the stored values it addresses); graph inputs first cross the chip
  I/O link into tile 0;
- ``mvm`` (and ``dynamic_mvm`` on crossbars written at run time), per crossbar
  block of the copies the query uses: operand fetch from the tile buffer, bus
  transfer to the PEs, then one crossbar task for the block's input vectors
  (``lower_block``: slices with sample-and-hold overlap, ``pimsim.cost.crossbar``);
  partial sums of blocks on other tiles travel to ``h``; the vector unit at
  ``h`` adds the partial sums of the row-blocks and weight-slice groups; the
  result is written to ``h``'s buffer;
- ``vector`` / ``dynamic_mvm`` on the vector unit: buffer read of the inputs,
  element operations on the vector unit (``ceil(count / lanes)`` passes per
  op class), buffer write of the outputs;
- ``embedding``: row reads from embedding storage (on-chip or DRAM), pooling
  adds on the vector unit, buffer write;
- ``copy``: buffer read + write of the copied bits; ``view``: no task (a join
  marks when its parts are all written, for the report's operator spans).

Row pipelining (``pipeline: element``; ISAAC's inter-layer pipeline, Shafiee
et al. ISCA 2016 Sec. 3, and MNSIM 2.0's default): an operator that reads an
input ``X`` row by row (``pimsim.cost.streams``: a convolution through its
``window`` view, pooling, an element-wise operator such as the Relu between two
convolutions or a residual Add, a spatial reduction) does not wait for ``X`` to
be complete.  Its producer ``P`` writes ``X`` row by row at an even rate over
its row span ``D_P`` (its unloaded span, entry to exit, ``_span_cycles``; for
a ``P`` that itself streams, the longer of that and its own producer's row
span: a Relu emits rows as fast as its convolution feeds it), and the first
output row needs the first ``r`` of the ``H`` input rows (a window: ``r = (k_0 -
1) d_0 + 1 - pad_top``; element-wise: 1), so the consumer may start ``ceil(D_P x
r / H)`` cycles after ``P`` started (a start-to-start edge).  Its last output
row needs the last input row: the consumer finishes no earlier than ``X``'s full arrival plus one
output row's share of its own span, ``ceil(D_C / H_out)`` (an edge into its
exit).  Unloaded, a two-convolution chain then takes

    max(r/H x D_1 + D_2,  D_1 + g + D_2 / H_out)   instead of   D_1 + g + D_2,

``g`` the transfer between them.  Other operators (crossbar operators on
whole vectors, copies, embeddings) wait for complete inputs.

Every duration and energy comes from ``pimsim.cost`` (which takes them from
the component models); the mapper's estimates use the same functions.  With
several tile kinds (``chip.tile_kinds``) every PE- and tile-level action
(crossbar, ADC, buffer, bus, vector unit, embedding rows) is priced with the
costs of the kind of the tile it runs on (``Costs.at``); NoC hops and the I/O
link are chip-level and the same for every kind.
"""

from __future__ import annotations

from pimsim.cost.actions import Costs, ceil_div
from pimsim.cost.crossbar import contended_banks
from pimsim.cost.streams import mapping_streams
from pimsim.cost.views import Part, parts_of
from pimsim.engine.events import DEP_START_TO_START
from pimsim.program.resources import IO_TILE, ResourceTable
from pimsim.program.template import Template
from pimsim.spec.mapping import Mapping


class QueryLowering:
    """Builds the template of one query; ``group[op_index]`` picks the group of weight copies it uses.

    ``parts`` resolves view outputs to the stored values they address (``pimsim.cost.views.resolve_views``).
    ``avail[key][tile]``: the task after which ``key`` (a stored value, or a range of one) is in ``tile``'s
    buffer; ``t.readers[value]``: the tasks after which query's readers of a stored value are done.
    """

    def __init__(self, mapping: Mapping, costs: Costs, table: ResourceTable, group: dict[int, int], parts: dict):
        self.m = mapping
        self.arch = mapping.arch
        self.c = costs
        self.rt = table
        self.group = group
        self.parts = parts
        self.t = Template()
        self.avail: dict[str, dict[int, int]] = {}
        self.values = {v.name: v for v in mapping.values}
        self.size_bits = {v.name: v.size_bits for v in mapping.values}
        self.key_value: dict[str, str] = {}  # range key -> the stored value it lies in
        self.key_bits: dict[str, int] = {}  # range key -> its bits
        self.producer = {o: i for i, op in enumerate(mapping.operators) if op.kind != "view" for o in op.outputs}
        self.streams = mapping_streams(mapping)  # op index -> {input read row by row -> RowStream}
        self.row_span: dict[int, int] = {}  # op index -> cycles over which it writes its output rows
        self.feeds_rows = {self.producer[s.stored] for ins in self.streams.values() for s in ins.values()
                           if s.stored in self.producer}
        self._edges_into: list[list[int]] = []  # task -> ids of edges into it (``_span_cycles``)
        self._edges_seen = 0
        self._contended: set[tuple[int, int, int]] | None = None

    def contended_banks(self) -> set[tuple[int, int, int]]:
        """(tile, pe, bank) of the ADC banks that convert for more than one operator copy group of the mapping
        (``pimsim.cost.crossbar.contended_banks``; computed once)."""
        if self._contended is None:
            self._contended = contended_banks(self.arch, (
                ((oi, b.replica // getattr(op, "copies_per_query", 1)), b.tile, b.pe, b.crossbar)
                for oi, op in enumerate(self.m.operators) for b in (getattr(op, "blocks", None) or ())))
        return self._contended

    def build(self) -> Template:
        c, t = self.c, self.t
        for name in self.m.inputs:
            bits = self.values[name].size_bits
            tid = t.task(self.rt.get(("io_link", "in")), c.io_cycles(bits), -1, f"input {name}",
                         energy={"io_link": c.io_pj(bits)})
            self.avail[name] = {IO_TILE: tid}
            t.io_in[name] = tid
        for oi, op in enumerate(self.m.operators):
            self._operator(oi, op)
        for name in self.m.outputs:
            arrived = self.deliver(name, IO_TILE, -1)
            bits = self.bits_of(name)
            out = t.task(self.rt.get(("io_link", "out")), c.io_cycles(bits), -1, f"output {name}",
                         after=arrived, energy={"io_link": c.io_pj(bits)})
            t.io_out[name] = out
            self._read_by(name, out)
        return t

    # -- data movement -------------------------------------------------
    def parts_of(self, name: str) -> tuple[Part, ...]:
        return parts_of(self.parts, name, self.size_bits)

    def bits_of(self, name: str) -> int:
        """Bits a reader of ``name`` reads: the sum of its parts' reads (a window reads words more than once)."""
        return sum(p.reads for p in self.parts_of(name))

    def deliver(self, name: str, tile: int, op: int) -> list[int]:
        """Tasks after which every part of value ``name`` is in ``tile``'s buffer.  Parts not there yet are sent
        from the tile they were written to, one message per source tile (a gather of their address ranges)."""
        done: list[int] = []
        missing: dict[int, list[Part]] = {}
        for p in self.parts_of(name):
            where = self.avail.get(p.key)
            if where is None:  # a range: addressable wherever its value was written, from the same moment
                where = self.avail[p.key] = dict(self.avail[p.value])
                self.key_value[p.key], self.key_bits[p.key] = p.value, p.bits
            if tile in where:
                done.append(where[tile])
            else:
                src = next(iter(where))  # the producer's tile (or the I/O tile): inserted first
                missing.setdefault(src, []).append(p)
        for src, parts in missing.items():
            after = self.t.join(op, f"parts on tile {src}", [self.avail[p.key][src] for p in parts])
            label = parts[0].key if len(parts) == 1 else f"{len(parts)} parts of {name}"
            arrived = self.noc_transfer(src, tile, sum(p.bits for p in parts), after, op, f"send {label}")
            for p in parts:
                self.avail[p.key][tile] = arrived
            done.append(arrived)
        return done

    def _read_by(self, name: str, task: int) -> None:
        """Record that ``task`` finishing releases this query's hold on the values ``name`` addresses."""
        for p in self.parts_of(name):
            self.t.readers.setdefault(p.value, []).append(task)

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
        t.energy[prev]["tile_buffer"] = c.at(dst).buffer_write_pj(bits)
        done = t.join(op, f"{label} arrive")
        t.edge(prev, done, c.hop_cycles)
        return done

    # -- operators -----------------------------------------------------
    def _needed_tiles(self, oi: int, op) -> list[int]:
        """Tiles whose buffers must hold the operator's inputs: every tile with one of its blocks, or home."""
        on_crossbars = op.kind == "mvm" or (op.kind == "dynamic_mvm" and op.implementation == "crossbar_write")
        if on_crossbars and op.blocks:
            return sorted({b.tile for b, _ in self.copy_blocks(oi, op)})
        return [op.tile] + list(getattr(op, "vector_tiles", []))

    def copy_blocks(self, oi: int, op) -> list[tuple]:
        """(block, input vectors it reads this query) of the copies this query's group holds (vector split:
        ``pimsim.cost.crossbar.vector_split``)."""
        from pimsim.cost.crossbar import vector_split

        per = getattr(op, "copies_per_query", 1)
        first = self.group.get(oi, 0) * per
        vectors = vector_split(op.m, per)
        return [(b, vectors[b.replica - first]) for b in op.blocks if first <= b.replica < first + per]

    def _operator(self, oi: int, op) -> None:
        t = self.t
        if op.kind == "view":  # addressing only: a join marks when every part is written, for operator spans
            done = [w[next(iter(w))] for p in self.parts_of(op.outputs[0])
                    for w in [self.avail.get(p.key) or self.avail[p.value]]]
            t.entry[oi] = t.exit[oi] = t.join(oi, "view", done)
            return
        arrivals: list[int] = []
        streamed: list[int] = []
        reads = [n for n in op.inputs if not self.values[n].constant]
        rows = self._row_streams(oi)
        for name in reads:
            for tile in self._needed_tiles(oi, op):
                got = self.deliver(name, tile, oi)
                (streamed if name in rows else arrivals).extend(got)
        entry = t.join(oi, "entry", arrivals)
        t.entry[oi] = entry
        tails = [self._stream_rows(oi, name, entry, *rows[name]) for name in reads if name in rows]
        if op.kind == "mvm":
            last = self._crossbar_op(oi, op, entry, write=False)
        elif op.kind == "dynamic_mvm" and op.implementation == "crossbar_write":
            last = self._crossbar_op(oi, op, entry, write=True)
        elif op.kind == "dynamic_mvm":
            last = self._product(oi, op, entry)
        elif op.kind == "vector":
            last = self._vector(oi, op, entry, dict(op.ops))
        elif op.kind == "embedding":
            last = self._embedding(oi, op, entry)
        else:  # copy
            bits, c = op.bits, self.c.at(op.tile)
            last = t.task(self._buf(op.tile), 2 * c.buffer_cycles(bits), oi, "copy", after=[entry],
                          energy={"tile_buffer": c.buffer_read_pj(bits) + c.buffer_write_pj(bits)})
        t.exit[oi] = t.join(oi, "exit", [last])
        span = self._span_cycles(entry, last) if tails or oi in self.feeds_rows else 0
        self.row_span[oi] = max([span] + [self.row_span[p] for p, _ in tails])
        if tails:  # the last output row waits for the last input row (module docstring)
            out_rows = tails[0][1]
            tail = -(-span // out_rows)
            for arrived in streamed:
                t.edge(arrived, t.exit[oi], tail)
        for name in reads:
            self._read_by(name, t.exit[oi])
        for name in op.outputs:
            self.avail[name] = {op.tile: t.exit[oi]}

    def _row_streams(self, oi: int) -> dict[str, tuple]:
        """Inputs operator ``oi`` reads row by row (``pimsim.cost.streams``) whose stored value one operator
        wrote -> (that operator, rows needed first, input rows, rows its own work is spread over)."""
        out = {}
        for name, s in self.streams.get(oi, {}).items():
            producer = self.producer.get(s.stored)
            if producer is not None:
                out[name] = (producer, s.first_rows, s.rows, s.out_rows)
        return out

    def _stream_rows(self, oi: int, name: str, entry: int, producer: int, first: int, h: int, h_out: int):
        """Start ``entry`` once ``first`` of the ``h`` input rows exist; returns (producer, output rows).  The
        producer writes its rows over its row span (``row_span``: its own span, or the span of the operator it
        streams from when that one is slower -- a Relu emits rows as fast as its convolution feeds it)."""
        lag = -(-self.row_span[producer] * first // h)
        self.t.edge(self.t.entry[producer], entry, lag, start_to_start=True)
        return producer, h_out

    def _span_cycles(self, first: int, last: int) -> int:
        """Unloaded cycles from task ``first``'s start to task ``last``'s finish, through the tasks between them
        (one operator's tasks are consecutive ids); edges from outside the range are ignored."""
        t = self.t
        into = self._edges_into
        into.extend([] for _ in range(len(t) - len(into)))
        for e in range(self._edges_seen, len(t.dst)):  # index the edges added since the last call
            into[t.dst[e]].append(e)
        self._edges_seen = len(t.dst)
        start = {first: 0}
        finish = {first: t.dur[first]}
        for x in range(first + 1, last + 1):
            s = 0
            for e in into[x]:
                a = t.src[e]
                if first <= a < x:
                    s = max(s, (start[a] if t.kind[e] == DEP_START_TO_START else finish[a]) + t.lag[e])
            start[x], finish[x] = s, s + t.dur[x]
        return max(finish[last], 1)

    def _buf(self, tile: int) -> int:
        return self.rt.get(("tile_buffer", tile), self.arch.tile_arch(tile).tile.buffer.banks)

    def _in_bits(self, op) -> int:
        return sum(self.bits_of(n) for n in op.inputs if not self.values[n].constant)

    def _out_bits(self, op) -> int:
        return sum(self.values[n].size_bits for n in op.outputs)

    def _vector(self, oi: int, op, entry: int, ops: dict[str, int]) -> int:
        t, h = self.t, op.tile
        c = self.c.at(h)
        rd = t.task(self._buf(h), c.buffer_cycles(self._in_bits(op)), oi, "read operands", after=[entry],
                    energy={"tile_buffer": c.buffer_read_pj(self._in_bits(op))})
        ops = {k: v for k, v in ops.items() if v > 0}
        vec = t.task(self.rt.get(("vector_unit", h)), c.vector_cycles(ops), oi, "vector " + "+".join(sorted(ops)),
                     after=[rd], energy={"vector_unit": c.vector_pj(ops)})
        return self._write_out(oi, op, vec)

    def _product(self, oi: int, op, entry: int) -> int:
        """A product of activations on the vector units of the home tile and ``vector_tiles``
        (``pimsim.cost.products``): each reads, computes and writes its rows; remote rows come home."""
        from pimsim.cost.products import product_shares

        t = self.t
        acts = [n for n in op.inputs if not self.values[n].constant]
        a_bits = self.bits_of(acts[0])
        shares = product_shares(op.count, op.m, op.k, op.n, self._needed_tiles(oi, op), a_bits,
                                self._in_bits(op) - a_bits, self._out_bits(op))
        if len(shares) == 1:
            return self._vector(oi, op, entry, shares[0].ops)
        done = []
        for sh in shares:
            c = self.c.at(sh.tile)
            rd = t.task(self._buf(sh.tile), c.buffer_cycles(sh.read_bits), oi, f"read rows on tile {sh.tile}",
                        after=[entry], energy={"tile_buffer": c.buffer_read_pj(sh.read_bits)})
            vec = t.task(self.rt.get(("vector_unit", sh.tile)), c.vector_cycles(sh.ops), oi,
                         f"vector add+mul, {sh.rows} of {op.m} rows", after=[rd],
                         energy={"vector_unit": c.vector_pj(sh.ops)})
            if sh.tile == op.tile:  # the home tile: ``c`` is its kind's
                done.append(t.task(self._buf(op.tile), c.buffer_cycles(sh.out_bits), oi, "write rows", after=[vec],
                                   energy={"tile_buffer": c.buffer_write_pj(sh.out_bits)}))
            else:  # the rows go straight from the vector unit to the home tile's buffer
                done.append(self.noc_transfer(sh.tile, op.tile, sh.out_bits, vec, oi, "rows home"))
        return t.join(oi, "rows done", done)

    def _write_out(self, oi: int, op, after: int) -> int:
        bits, c = self._out_bits(op), self.c.at(op.tile)
        return self.t.task(self._buf(op.tile), c.buffer_cycles(bits), oi, "write result", after=[after],
                           energy={"tile_buffer": c.buffer_write_pj(bits)})

    def _embedding(self, oi: int, op, entry: int) -> int:
        c, t = self.c.at(op.tile), self.t
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
