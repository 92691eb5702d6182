"""The mapper's area estimate: mm2 per tile and per chip, from the arch spec and ISAAC Table 6.

Used to turn ``--area-budget-mm2`` into a number of tiles the mapping may
occupy.  The compiler may not import ``pimsim.components``, so this is its
own roll-up of the same published figures (ISAAC, ISCA 2016, Table 6, 32 nm):

- per crossbar: array 25 um^2 at 128x128 (scaled by rows x cols), ADCs at the
  hwcomponents-library SAR areas (361/477/627/845/1200/1828/3002 um^2 for
  4..10 bits), 1-bit DAC 0.166 um^2 per row (x2 per extra bit), S+H 40/1024 um^2
  per column;
- per PE: shift-and-add 60 um^2 each, input register 2100 um^2 per 2 KB,
  output register 770 um^2 per 256 B;
- per tile: eDRAM 83000 um^2 per 64 KB, SRAM 8 x bytes x 0.171 um^2 / 0.7
  (6T cell, 70 % array efficiency), bus 90000 um^2 per 384 wires, router
  150000 um^2 x (flit/32) x (ports/8) shared by ``tiles_per_router``, vector
  lanes 300 um^2 each, output register 3200 um^2 per 3 KB;
- per chip: the I/O link's ``area_mm2`` from the spec.

Assumptions: other nodes scale area by (node / 32 nm)^2 (the simulator uses
Stillmaker-Baas factors, so estimates off 32 nm are coarser); on-chip
embedding memory is not counted (tables are placed separately).  The
agreement with ``pimsim area`` is checked by tests/compiler/optimize.
"""

from __future__ import annotations

from pimsim.spec.units import um2_to_mm2

_ADC_AREA_UM2 = {4: 361.0, 5: 477.0, 6: 627.0, 7: 845.0, 8: 1200.0, 9: 1828.0, 10: 3002.0}


def adc_area_um2(bits: int) -> float:
    lo, hi = min(_ADC_AREA_UM2), max(_ADC_AREA_UM2)
    if bits < lo:
        return _ADC_AREA_UM2[lo] * (_ADC_AREA_UM2[lo] / _ADC_AREA_UM2[lo + 1]) ** (lo - bits)
    if bits > hi:
        return _ADC_AREA_UM2[hi] * (_ADC_AREA_UM2[hi] / _ADC_AREA_UM2[hi - 1]) ** (bits - hi)
    return _ADC_AREA_UM2[bits]


def _pe_um2(arch) -> float:
    pe, x = arch.pe, arch.pe.crossbar
    per_xbar = (25.0 * x.rows * x.cols / (128 * 128) + pe.adc.per_crossbar * adc_area_um2(pe.adc.bits)
                + x.rows * 0.166 * 2 ** (pe.dac.bits - 1) + x.cols * 40.0 / 1024)
    return (pe.crossbars * per_xbar + pe.shift_add_units * 60.0 + 2100.0 * pe.input_register_bytes / 2048
            + 770.0 * pe.output_register_bytes / 256)


def tile_area_mm2(arch) -> float:
    t = arch.tile
    buf = (83000.0 * t.buffer.capacity_bytes / 65536 if t.buffer.kind == "edram"
           else 8 * t.buffer.capacity_bytes * 0.171 / 0.7)
    router = 150000.0 * (t.router.flit_bits / 32) * (t.router.ports / 8) / t.router.tiles_per_router
    um2 = (t.pes * _pe_um2(arch) + buf + 90000.0 * t.bus_width_bits / 384 + router + 300.0 * t.vector_unit.lanes
           + 3200.0 * t.output_register_bytes / 3072 + 60.0)
    return um2_to_mm2(um2) * (arch.technology.node_nm / 32) ** 2


def fixed_area_mm2(arch) -> float:
    """Chip-level area that does not depend on how many tiles are used (the I/O link)."""
    return arch.chip.io_link.area_mm2


def chip_area_mm2(arch, tiles: int | None = None) -> float:
    """Estimated area of the chip, or of the part of it made of ``tiles`` tiles."""
    return fixed_area_mm2(arch) + (arch.chip.tiles if tiles is None else tiles) * tile_area_mm2(arch)


def tiles_within(arch, budget_mm2: float) -> int:
    """Whole tiles affordable under ``budget_mm2`` (at most the chip's)."""
    spare = budget_mm2 - fixed_area_mm2(arch)
    return max(0, min(arch.chip.tiles, int(spare // tile_area_mm2(arch))))
