"""Area of a part of the chip, and the chip's leakage, from the roll-up ``pimsim area`` prints
(``pimsim.components.rollup``).

An area budget (``pimcompile --area-budget-mm2``) buys whole tiles, the first
``n`` tiles of the chip (tile kinds are numbered in ``chip.tile_kinds`` order,
each tile at its kind's area, ``Rollup.tile_area_mm2(t)``):

    fixed_area_mm2    = chip total - sum_t tile_area_mm2(t)   (chip-level rows: I/O link, global buffer,
                                                              chip extras, the unshared rest of a last router)
    chip_area_mm2(n)  = fixed_area_mm2 + sum_{t < n} tile_area_mm2(t)

so the mapper's budget and the simulator's reported area are the same numbers
(every component the roll-up prices -- extra components, shared ADC banks,
power-gating switches -- included).  ``chip_leakage_mw`` is the roll-up's
whole-chip leakage with every component powered.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import accumulate

from pimsim.components.rollup import area_rollup


@lru_cache(maxsize=32)
def _rollup(arch):
    return area_rollup(arch)


@lru_cache(maxsize=32)
def _areas(arch) -> tuple[float, tuple[float, ...]]:
    """(fixed area, cumulative area of the first 1, 2, ... tiles), mm2."""
    r = _rollup(arch)
    tiles = [r.tile_area_mm2(t) for t in range(arch.chip.tiles)]
    return r.chip_area_mm2 - sum(tiles), tuple(accumulate(tiles))


def tile_area_mm2(arch, tile: int = 0) -> float:
    """Area of tile index ``tile`` (its kind's, with its PEs and router share), mm2."""
    return _rollup(arch).tile_area_mm2(tile)


def fixed_area_mm2(arch) -> float:
    """Chip area that does not depend on how many tiles are used (chip-level units), mm2."""
    return _areas(arch)[0]


def chip_area_mm2(arch, tiles: int | None = None) -> float:
    """Area of the chip, or of the part of it made of its first ``tiles`` tiles, mm2."""
    fixed, running = _areas(arch)
    n = arch.chip.tiles if tiles is None else tiles
    if not 0 <= n <= arch.chip.tiles:
        raise ValueError(f"tiles={n}: the chip has 0..{arch.chip.tiles} tiles")
    return fixed + (running[n - 1] if n else 0.0)


def tiles_within(arch, budget_mm2: float) -> int:
    """Whole tiles (the chip's first ones) affordable under ``budget_mm2`` (at most the chip's)."""
    fixed, running = _areas(arch)
    return sum(1 for a in running if fixed + a <= budget_mm2)


def chip_leakage_mw(arch) -> float:
    """Static power of the whole chip, every component powered (the roll-up's ``chip_leakage_mw``), mW."""
    return _rollup(arch).chip_leakage_mw
