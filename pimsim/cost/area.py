"""Area of a part of the chip, and the chip's leakage, from the roll-up ``pimsim area`` prints
(``pimsim.components.rollup``).

An area budget (``pimcompile --area-budget-mm2``) buys whole tiles:

    tile_area_mm2  = the roll-up's tile total (its PEs, buffer, bus, router share, vector unit, ...)
    fixed_area_mm2 = chip total - tiles x tile_area_mm2       (chip-level units: the I/O link)
    chip_area_mm2(n) = fixed_area_mm2 + n x tile_area_mm2

so the mapper's budget and the simulator's reported area are the same numbers.
``chip_leakage_mw`` sums every instance's ``leakage_mw`` (the simulator charges
it over the run's time).
"""

from __future__ import annotations

from functools import lru_cache

from pimsim.components import build_components
from pimsim.components.rollup import area_rollup


@lru_cache(maxsize=32)
def _areas(arch) -> tuple[float, float]:
    r = area_rollup(arch)
    tile = r.level_area_mm2["tile"]
    return tile, r.chip_area_mm2 - arch.chip.tiles * tile


def tile_area_mm2(arch) -> float:
    """Area of one tile, mm2."""
    return _areas(arch)[0]


def fixed_area_mm2(arch) -> float:
    """Chip area that does not depend on how many tiles are used (chip-level units), mm2."""
    return _areas(arch)[1]


def chip_area_mm2(arch, tiles: int | None = None) -> float:
    """Area of the chip, or of the part of it made of ``tiles`` tiles, mm2."""
    return fixed_area_mm2(arch) + (arch.chip.tiles if tiles is None else tiles) * tile_area_mm2(arch)


def tiles_within(arch, budget_mm2: float) -> int:
    """Whole tiles affordable under ``budget_mm2`` (at most the chip's)."""
    spare = budget_mm2 - fixed_area_mm2(arch)
    return max(0, min(arch.chip.tiles, int(spare // tile_area_mm2(arch))))


def rollup_leakage_mw(comps, rollup) -> float:
    """Static power of the whole chip: instances x ``leakage_mw`` over every roll-up row, mW."""
    models = dict(comps.items())
    return sum(row.chip_count * models[row.role].leakage_mw for row in rollup.rows)


@lru_cache(maxsize=32)
def chip_leakage_mw(arch) -> float:
    """``rollup_leakage_mw`` of ``arch``'s components and roll-up."""
    return rollup_leakage_mw(build_components(arch), area_rollup(arch))
