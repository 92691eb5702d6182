"""For each dynamic (activation x activation) product: vector unit or crossbars written at run time.

Vector: ``count x m x k x n`` multiplies and ``count x m x (k-1) x n`` adds on
the home tile's lanes.  Crossbar write (ReGraphX/TransPIM style): the second
operand (``count`` matrices of ``k x n``, at the input width) is programmed
into crossbars, ``write_latency_ns_per_row`` per row, then the first operand's
``m`` vectors are read through them like a static ``mvm``; the blocks of one
product run in parallel.  The cheaper latency wins (estimates of
``pimsim.cost``, shared with the simulator); writing also wears cells and costs write energy,
which is why ties keep the vector unit.  With several tile kinds (``chip.tile_kinds``) the written
crossbars are those of the kind the product's widths fit (``kinds.dynamic_kind``), the vector unit the
first kind's (the home tile is not placed yet); a product no kind converts stays on the vector unit.
"""

from __future__ import annotations

from pimsim.cost.actions import Costs
from pimsim.cost.crossbar import block_slice_timing, input_slices

from compiler.ir.records import Block
from compiler.passes.optimize.adc import matched_adc_bits
from compiler.passes.tile import tile_matrix


def crossbar_write_blocks(arch, n) -> list[Block]:
    info, bits = n.params, n.precision.input_bits
    # one k x n matrix per independent product; the reduction counts every copy's columns
    return [b for _ in range(info.count) for b in tile_matrix(arch, info.k, info.n, bits)]  # fresh blocks per product


def write_path_cycles(arch, n, blocks) -> int:
    c, p, m = Costs.of(arch), n.precision, n.params.m
    adc = matched_adc_bits(arch, max(b.rows for b in blocks))
    slices = m * input_slices(arch, p.input_bits)
    per = [b.rows * c.write_row_cycles + block_slice_timing(
        c, arch, b.rows, b.cols * b.slice_count * b.sign_columns, adc).cycles(slices) for b in blocks]
    adds = sum(b.cols for b in blocks) * m - n.params.n * m * n.params.count
    return max(per) + c.vector_cycles({"add": adds})


def vector_path_cycles(arch, n) -> int:
    i = n.params
    return Costs.of(arch).vector_cycles({"mul": i.count * i.m * i.k * i.n, "add": i.count * i.m * (i.k - 1) * i.n})


def choose_dynamic(graph, arch) -> dict[str, str]:
    """Pick each dynamic_mvm's implementation (sets its ``implementation`` and blocks)."""
    from compiler.passes.kind_views import kind_view
    from compiler.passes.optimize.kinds import dynamic_kind

    chosen = {}
    for n in graph.nodes:
        if n.kind != "dynamic_mvm":
            continue
        kind = dynamic_kind(arch, n)
        n.tile_kind = kind
        vec = vector_path_cycles(kind_view(arch, arch.tile_kinds[0].name), n)
        if kind is None:
            n.implementation, n.blocks = "vector", []
            chosen[n.name] = f"vector ({vec} cycles; no tile kind converts its crossbar products)"
            continue
        view = kind_view(arch, kind)
        blocks = crossbar_write_blocks(view, n)
        xw = write_path_cycles(view, n, blocks)
        impl = "crossbar_write" if xw < vec else "vector"
        n.implementation = impl
        n.blocks = blocks if impl == "crossbar_write" else []
        chosen[n.name] = f"{impl} (vector {vec} cycles, crossbar write {xw} cycles)"
    return chosen
