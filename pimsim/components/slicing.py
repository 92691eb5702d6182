"""Work of one input slice on a crossbar: sensing steps, conversions, and ADC-bank serialisation.

Pure, hand-calculable counting functions (no timing law inside): the
roll-up uses them for its peak rate (``max(read, conversions)`` per sensing
step, sample-and-hold overlap).  The execution model's per-slice timing
(``pimsim.cost.crossbar.slice_timing``) covers the case of one sensing step
and one crossbar per ADC bank, where ``conversions_per_adc`` is
``ceil(cols_active / adcs)``; ``pimsim run`` refuses the others by name
(``pimsim.components.catalog.features_not_simulated``) until it takes them.

Definitions, for one input slice (``dac_bits`` input bits applied to the
rows) on one crossbar with ``rows_active`` rows and ``cols_active`` physical
columns in use:

    sensing_steps           = ceil(rows_active / rows_per_read)
        partial parallel read (NeuroSim V1.4 ``parallelRead``): only
        ``rows_per_read`` rows are driven at once, each group sensed and
        converted on its own, the partial sums added digitally.
    conversions_per_crossbar = sensing_steps x cols_active
        every column of every step is converted once.
    bank_serialisation      = crossbars_active_on_bank  (1 <= it <= shared_by_crossbars)
        one ADC bank (``pe.adc.per_crossbar`` ADCs) serving
        ``pe.adc.shared_by_crossbars`` crossbars converts the columns of its
        crossbars one crossbar after another (PUMA: 2 ADCs per 8-crossbar
        MVMU, puma-simulator ``config.py``).
    conversions_per_adc      = bank_serialisation x sensing_steps x ceil(cols_active / adcs_per_bank)
        serial conversions of the busiest ADC of the bank (columns
        interleaved over the bank's ADCs).

Conversion time of a slice on one bank = conversions_per_adc x
``AdcModel.conversion_ns_at(bits)``; two crossbars on one bank therefore take
twice the conversion time of one (validation: ``tests/pimsim/components``).

Assumption: the ADC resolution law (``compiler/passes/optimize/adc.py``:
bits to convert a column sum exactly) applies to the rows read at once,
``min(rows_active, rows_per_read)``: :func:`rows_summed_per_conversion`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _positive(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name}={value}: must be a positive integer")
    return int(value)


def sensing_steps(rows_active: int, rows_per_read: int) -> int:
    """Sensing steps of one slice: ``ceil(rows_active / rows_per_read)``."""
    return -(-_positive("rows_active", rows_active) // _positive("rows_per_read", rows_per_read))


def rows_summed_per_conversion(rows_active: int, rows_per_read: int) -> int:
    """Rows whose currents one conversion sums (what the ADC resolution must cover)."""
    return min(_positive("rows_active", rows_active), _positive("rows_per_read", rows_per_read))


def conversions_per_crossbar(rows_active: int, cols_active: int, rows_per_read: int) -> int:
    """Conversions of one slice on one crossbar: ``sensing_steps x cols_active``."""
    return sensing_steps(rows_active, rows_per_read) * _positive("cols_active", cols_active)


def bank_serialisation(crossbars_active_on_bank: int, shared_by_crossbars: int) -> int:
    """Crossbars whose conversions one ADC bank performs one after another in a slice."""
    active = _positive("crossbars_active_on_bank", crossbars_active_on_bank)
    shared = _positive("shared_by_crossbars", shared_by_crossbars)
    if active > shared:
        raise ValueError(f"crossbars_active_on_bank={active}: a bank serves only {shared} crossbars")
    return active


def conversions_per_adc(rows_active: int, cols_active: int, rows_per_read: int, adcs_per_bank: int,
                        crossbars_active_on_bank: int = 1, shared_by_crossbars: int = 1) -> int:
    """Serial conversions of the busiest ADC of a bank in one slice (module docstring)."""
    per_step = math.ceil(_positive("cols_active", cols_active) / _positive("adcs_per_bank", adcs_per_bank))
    serial = bank_serialisation(crossbars_active_on_bank, shared_by_crossbars)
    return serial * sensing_steps(rows_active, rows_per_read) * per_step


@dataclass(frozen=True)
class SliceWork:
    """Counts of one input slice on one crossbar (and on its ADC bank)."""

    sensing_steps: int
    conversions_per_crossbar: int
    bank_serialisation: int
    conversions_per_adc: int
    rows_summed_per_conversion: int


def slice_work(pe, rows_active: int | None = None, cols_active: int | None = None,
               crossbars_active_on_bank: int = 1) -> SliceWork:
    """The counts for a PE section (``ArchSpec.pe`` or a tile kind's ``pe``); rows/cols default to the
    whole crossbar, one active crossbar per bank."""
    x, adc = pe.crossbar, pe.adc
    rows = x.rows if rows_active is None else rows_active
    cols = x.cols if cols_active is None else cols_active
    per_read = x.rows_read_at_once
    return SliceWork(
        sensing_steps=sensing_steps(rows, per_read),
        conversions_per_crossbar=conversions_per_crossbar(rows, cols, per_read),
        bank_serialisation=bank_serialisation(crossbars_active_on_bank, adc.shared_by_crossbars),
        conversions_per_adc=conversions_per_adc(rows, cols, per_read, adc.per_crossbar,
                                                crossbars_active_on_bank, adc.shared_by_crossbars),
        rows_summed_per_conversion=rows_summed_per_conversion(rows, per_read),
    )


def peak_slice_work(pe) -> SliceWork:
    """Full activity: every row and column of every crossbar in use, every crossbar of a bank active."""
    return slice_work(pe, crossbars_active_on_bank=pe.adc.shared_by_crossbars)
