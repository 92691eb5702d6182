"""Packing several small weight blocks into one crossbar (shelf packing), when crossbars are short.

A block that uses few rows (a layer with small ``k``) or few columns (the
last column block) leaves most of its crossbar empty.  Blocks are sorted by
rows (largest first) and placed first-fit into shelves: a shelf is a band of
rows; blocks sit side by side in it (``xbar_col_offset``), shelves stack
(``xbar_row_offset``).  Blocks sharing a crossbar are read one at a time
(each read drives only its own rows and converts only its own columns), so
packing trades crossbars (area) for serialised crossbar time: the simulator
serialises tasks on one crossbar, which is exactly that cost.  Used only when
one copy of the model does not otherwise fit the area budget.
"""

from __future__ import annotations

from compiler.ir.records import Block


def shelf_pack(items: list[tuple[str, Block]], rows: int, cols: int) -> list[list[tuple[str, Block]]]:
    """Bins (one per crossbar) of (owner, block) with ``xbar_row_offset``/``xbar_col_offset`` set."""
    bins: list[dict] = []  # {"shelves": [[row0, height, used_cols]], "used_rows": int, "items": [...]}
    order = sorted(range(len(items)), key=lambda i: (-items[i][1].rows, -items[i][1].physical_cols, i))
    for i in order:
        owner, b = items[i]
        h, w = b.rows, b.physical_cols
        if not _place_in_bins(bins, owner, b, h, w, rows, cols):
            bins.append({"shelves": [[0, h, w]], "used_rows": h,
                         "items": [(owner, b.copy(xbar_row_offset=0, xbar_col_offset=0))]})
    return [bin_["items"] for bin_ in bins]


def _place_in_bins(bins, owner, b, h, w, rows, cols) -> bool:
    for bin_ in bins:
        for shelf in bin_["shelves"]:
            if h <= shelf[1] and shelf[2] + w <= cols:
                bin_["items"].append((owner, b.copy(xbar_row_offset=shelf[0], xbar_col_offset=shelf[2])))
                shelf[2] += w
                return True
        if bin_["used_rows"] + h <= rows:
            r0 = bin_["used_rows"]
            bin_["shelves"].append([r0, h, w])
            bin_["used_rows"] += h
            bin_["items"].append((owner, b.copy(xbar_row_offset=r0, xbar_col_offset=0)))
            return True
    return False
