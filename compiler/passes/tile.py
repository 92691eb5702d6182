"""Tile weight matrices into crossbar blocks: rows x columns x weight bit-slices x sign.

A ``K x N`` weight at ``weight_bits`` needs ``S = ceil(weight_bits / cell_bits)``
bit-slices per weight (ISAAC: 16-bit weights over 8 two-bit cells) and, with
differential signed encoding, a +/- column pair per slice (``sign_columns``
2; offset encoding 1, PUMA/MNSIM ``Xbar_Polarity``).  Row blocks are the
crossbar's rows; a column block holds as many whole weights (all their
slices and sign columns) as fit in the crossbar's columns, splitting the
slices themselves only when one weight is wider than a crossbar.
"""

from __future__ import annotations

from compiler.ir.graph import OpGraph
from compiler.ir.records import Block, MvmShape
from compiler.passes.kind_views import node_view


def weight_layout(arch, weight_bits: int) -> tuple[int, int, int]:
    """(slices per weight, slices per block, sign columns)."""
    xbar = arch.pe.crossbar
    slices = -(-weight_bits // xbar.cell_bits)
    sign = 2 if xbar.signed_encoding == "differential" else 1
    return slices, min(slices, xbar.cols // sign), sign


def tile_matrix(arch, k: int, n: int, weight_bits: int) -> list[Block]:
    """Unplaced blocks covering the ``k x n`` weight once (row-major over rows, columns, slices)."""
    xbar = arch.pe.crossbar
    slices, per_block, sign = weight_layout(arch, weight_bits)
    cols_per_block = max(1, xbar.cols // (per_block * sign))
    blocks = []
    for r0 in range(0, k, xbar.rows):
        for c0 in range(0, n, cols_per_block):
            for s0 in range(0, slices, per_block):
                blocks.append(Block(row_start=r0, rows=min(xbar.rows, k - r0), col_start=c0,
                                    cols=min(cols_per_block, n - c0), slice_start=s0,
                                    slice_count=min(per_block, slices - s0), sign_columns=sign))
    return blocks


def tile_weights(graph: OpGraph, arch, opts) -> OpGraph:
    """Tile every ``mvm`` for the crossbar of its tile kind (``compiler.passes.optimize.kinds``)."""
    for n in graph.nodes:
        if n.kind == "mvm":
            info, p = n.params, n.precision
            assert p is not None and p.weight_bits is not None and isinstance(info, MvmShape)  # partition,
            # precision ran before (compiler.ir.verify checks an mvm's record and weight bits)
            n.blocks = tile_matrix(node_view(arch, n), info.k, info.n, p.weight_bits)
    return graph
