"""A product of two activations (``dynamic_mvm`` on the vector unit) shared by the vector units of several tiles.

``count`` products ``[m, k] x [k, n]`` per query; with ``vector_tiles`` the
``m`` rows are split over the home tile and those tiles
(``pimsim.cost.crossbar.vector_split``: the slowest gets ``ceil(m / units)``),
as vector-parallel crossbar copies split their input vectors.  Each unit
reads its rows of the first operand and the whole second operand from its
buffer, multiplies and adds its rows (``count x rows x k x n`` multiplies,
``count x rows x (k - 1) x n`` adds), writes its rows of the result, and sends
them to the home tile over the NoC.  One unit is the plain operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.cost.actions import ceil_div
from pimsim.cost.crossbar import vector_split


@dataclass(frozen=True)
class Share:
    tile: int
    rows: int
    read_bits: int
    ops: dict
    out_bits: int


def product_shares(count: int, m: int, k: int, n: int, tiles: list[int], a_bits: int, b_bits: int,
                   out_bits: int) -> list[Share]:
    """Each vector unit's share; ``a_bits`` is the first operand's size, ``b_bits`` the other operands'."""
    out = []
    for tile, rows in zip(tiles, vector_split(m, len(tiles))):
        ops = {"mul": count * rows * k * n, "add": count * rows * (k - 1) * n}
        out.append(Share(tile, rows, ceil_div(a_bits * rows, m) + b_bits, ops, ceil_div(out_bits * rows, m)))
    return out
