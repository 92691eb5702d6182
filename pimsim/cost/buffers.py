"""Buffer credits from value lifetimes: how many queries' worth of each resident value a tile buffer holds.

A value is resident in a tile buffer from the moment it is written there (its
producer's result at the home tile, or its arrival over the NoC) until every
operator reading it, directly or through views, has finished (and, for a
graph output, until it has left the chip).  Credit flow control keeps at most
``k`` queries' copies of a value resident: its producer may start query ``q``
only after query ``q - k`` released it.  The buffer never overflows when, per
tile,

    sum over resident values v of  bits_v x k_v  <=  capacity_bits.

Rule (the same for the simulator's lowering and the mapper's stream estimate):
from the one-query schedule take each value's lifetime ``L_v`` (cycles, at
least 1); find the shortest query interval ``P`` for which
``sum bits_v x ceil(L_v / P) <= capacity`` and give each value
``k_v = ceil(L_v / P)``: enough copies that a new query every ``P`` cycles
never waits for space, values that live long (a skip connection read late)
getting more credits than values consumed at once.  A tile whose values do
not all fit once (``sum bits_v > capacity``) gets one credit each; a single
value larger than the buffer is rejected before simulation.

Capacity (one decision for the compiler and the simulator: :func:`require_fit`):
a resident value fits a tile when its resident bits do not exceed the tile
buffer's capacity.  A value is resident whole, except a value every reader of which reads
it row by row under row pipelining (``pipeline: element``,
``pimsim.cost.streams``): its producer writes rows as it makes them and the
readers consume them, so the tile holds only what the readers still need --
a convolution's or pooling's *line buffer* (``pimsim.cost.streams.line_buffer_words``), the
rows its windows still slide over (ISAAC's inter-layer pipeline buffer, "(k-1)
rows plus k pixels", Shafiee et al., ISCA 2016, Sec. 3 and Fig. 3; NeuroSim's
and PUMA's line buffers for sliding windows), or the rows an element-wise
reader (Relu, a residual Add) waits for.  ``pimcompile`` calls
:func:`mapping_fit_error` before it writes a mapping and ``pimsim`` calls it
before it lowers one, so every mapping the compiler writes fits the
simulator's buffers, and the error (one line) names the value and the bits it
needs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Hashable

from pimsim.cost.streams import mapping_streams
from pimsim.cost.views import parts_of, resolve_views


class BufferFitError(ValueError):
    """A resident value larger than a tile buffer; the message is one line naming it and the bits it needs."""


def require_fit(what: str, bits: int, tile: int, capacity_bits: int) -> None:
    """The one capacity decision: ``what`` (a value, or a line buffer) of ``bits`` resident on ``tile``."""
    if bits > capacity_bits:
        raise BufferFitError(f"{what} needs {bits} bits ({-(-bits // 8)} B) of buffer on tile {tile}, which "
                             f"holds {capacity_bits} bits ({capacity_bits // 8} B, tile.buffer.capacity_bytes)")


def resident_sizes(mapping) -> dict[str, int]:
    """Bits every non-constant value of ``mapping`` holds in a tile buffer (:func:`resident_bits`)."""
    sizes = {v.name: v.size_bits for v in mapping.values}
    words = {v.name: v.bits for v in mapping.values}
    consts = {v.name for v in mapping.values if v.constant}
    return resident_bits(mapping.operators, sizes, words, consts, mapping.outputs, mapping_streams(mapping))


def resident_bits(ops, size_bits: dict[str, int], word_bits: dict[str, int], consts, outputs,
                  streams: dict) -> dict[str, int]:
    """Bits every non-constant value holds in a tile buffer: whole, or -- when every reader reads it row by row
    (``streams``: ``pimsim.cost.streams.row_streams``, empty unless ``pipeline: element``: convolution windows,
    pooling, element-wise operators, spatial reductions) and it is no graph output -- the most any of its
    readers keeps resident (a line buffer, or the rows an element-wise reader waits for).  ``ops`` are the
    mapping's operators or the estimator's views of them."""
    parts = resolve_views(ops, size_bits, consts)

    def stored(name: str) -> set[str]:
        return {p.value for p in parts_of(parts, name, size_bits)}

    line: dict[str, int] = {}
    whole = {v for n in outputs for v in stored(n)}
    for oi, op in enumerate(ops):
        if op.kind == "view":
            continue
        for n in op.inputs:
            if not n or n in consts:
                continue
            s = streams.get(oi, {}).get(n)
            if s is None:
                whole |= stored(n)
            else:
                line[s.stored] = max(line.get(s.stored, 0), s.resident_words * word_bits[s.stored])
    out = {n: b for n, b in size_bits.items() if n not in consts}
    for v, bits in line.items():
        if v not in whole:
            out[v] = min(out[v], bits)
    return out


def mapping_fit_error(mapping) -> str | None:
    """The first resident value of ``mapping`` that does not fit its tile's buffer, as one line, or None.

    Every stored value (graph input at the I/O tile 0, operator output at its home tile, and the same bits at
    every tile it is sent to) is checked at its :func:`resident_sizes`; a part of it sent elsewhere is never
    larger."""
    sizes = resident_sizes(mapping)
    stored = [(name, 0, "graph input") for name in mapping.inputs]
    stored += [(name, op.tile, f"operator {op.name}") for op in mapping.operators if op.kind != "view"
               for name in op.outputs if name]
    reader: dict[str, str] = {}
    for op in mapping.operators:
        for n in op.inputs:
            reader.setdefault(n, op.name)
    for name, tile, owner in stored:
        bits = sizes[name]
        read = f", read by {reader[name]}" if name in reader else ""
        what = f"value {name} ({owner}{read}{', line buffer' if bits < mapping.value(name).size_bits else ''})"
        try:
            require_fit(what, bits, tile, mapping.arch.tile_arch(tile).tile.buffer.capacity_bytes * 8)
        except BufferFitError as exc:
            return str(exc)
    return None


@dataclass(frozen=True)
class Resident:
    tile: int
    key: Hashable
    """What is resident (a value, or a range of one) -- credits are returned per (tile, key)."""
    bits: int
    lifetime_cycles: int


def _need_bits(values: list[Resident], period: int) -> int:
    return sum(v.bits * -(-max(v.lifetime_cycles, 1) // period) for v in values)


def allocate_credits(residents: list[Resident], capacity_bits) -> dict[tuple[int, Hashable], int]:
    """(tile, key) -> credits (>= 1) by the live-range rule of the module docstring; ``capacity_bits``: one
    buffer capacity for every tile, or a function of the tile index (tile kinds with their own buffers)."""
    cap_of = capacity_bits if callable(capacity_bits) else (lambda _tile: capacity_bits)
    by_tile: dict[int, list[Resident]] = defaultdict(list)
    for r in residents:
        by_tile[r.tile].append(r)
    out: dict[tuple[int, Hashable], int] = {}
    for tile, values in by_tile.items():
        cap = cap_of(tile)
        longest = max(max(v.lifetime_cycles, 1) for v in values)
        lo, hi = 1, longest  # at P = longest every value has one credit: the most any tile can be asked
        if _need_bits(values, hi) <= cap:
            while lo < hi:  # need(P) does not increase with P: bisect the shortest P that fits
                mid = (lo + hi) // 2
                if _need_bits(values, mid) <= cap:
                    hi = mid
                else:
                    lo = mid + 1
        for v in values:
            out[tile, v.key] = -(-max(v.lifetime_cycles, 1) // hi)
    return out
