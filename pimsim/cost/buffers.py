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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Hashable


@dataclass(frozen=True)
class Resident:
    tile: int
    key: Hashable
    """What is resident (a value, or a range of one) -- credits are returned per (tile, key)."""
    bits: int
    lifetime_cycles: int


def _need_bits(values: list[Resident], period: int) -> int:
    return sum(v.bits * -(-max(v.lifetime_cycles, 1) // period) for v in values)


def allocate_credits(residents: list[Resident], capacity_bits: int) -> dict[tuple[int, Hashable], int]:
    """(tile, key) -> credits (>= 1) by the live-range rule of the module docstring."""
    by_tile: dict[int, list[Resident]] = defaultdict(list)
    for r in residents:
        by_tile[r.tile].append(r)
    out: dict[tuple[int, Hashable], int] = {}
    for tile, values in by_tile.items():
        longest = max(max(v.lifetime_cycles, 1) for v in values)
        lo, hi = 1, longest  # at P = longest every value has one credit: the most any tile can be asked
        if _need_bits(values, hi) <= capacity_bits:
            while lo < hi:  # need(P) does not increase with P: bisect the shortest P that fits
                mid = (lo + hi) // 2
                if _need_bits(values, mid) <= capacity_bits:
                    hi = mid
                else:
                    lo = mid + 1
        for v in values:
            out[tile, v.key] = -(-max(v.lifetime_cycles, 1) // hi)
    return out
