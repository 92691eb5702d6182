"""A crossbar block's time and energy for one run of input slices: the one law the simulator and the mapper use.

Per input slice a crossbar drives the block's rows through its DACs, the
columns settle during the analog read, every column's sample-and-hold latches
the result, and the crossbar's ADCs convert the held columns one after
another (columns interleaved over the ADCs).  The sample-and-hold decouples
the array from the ADCs, so the read of slice k+1 overlaps the conversions of
slice k (ISAAC, Shafiee et al. ISCA 2016, section III: the crossbar read and
the ADC stage are separate 100 ns pipeline stages; reference 2(a)).  One
crossbar therefore accepts a new slice every ``max(read, conversions)``, the
slice interval the roll-up's peak throughput assumes
(``pimsim.components.crossbar.slice_interval_ns``)::

    read_cycles    = dac + read + sample_hold cycles          (DAC and S+H act inside the read: 0 cycles)
    conversions    = ceil(physical_cols / adcs)               (columns interleaved over the ADCs)
    convert_cycles = adc.cycles_for_conversions(conversions, bits)   (SAR law, pimsim.components.converters)
    interval       = max(read_cycles, convert_cycles)
    occupancy(N)   = N x interval                                  (the crossbar is busy; then the next run may read)
    cycles(N)      = read_cycles + (N - 1) x interval + convert_cycles + shift_add   (until the last result)
                   = occupancy(N) + min(read_cycles, convert_cycles) + shift_add

for ``N = vectors x input slices`` slices in a row: the sample of slice k+1
waits until slice k's conversions released the sample-and-holds, so the
array reads slice k at ``k x interval``; the last slice's conversions (and the
shift-and-add that retires the last one; earlier ones are retired as they
leave the ADC) drain after the array is free, overlapping the next run's
first read exactly as consecutive slices overlap.  A stream of runs on one
crossbar therefore proceeds at one slice per interval, the roll-up's peak.  Energy per slice does not depend on the overlap: rows driven
(DAC), the array read scaled by the cells used, one S+H sample, one conversion
(at ``bits``), one shift-and-add and one output-register word per physical
column, one input-register read and write per crossbar read.

This is the single place where a crossbar's per-slice timing is decided:
shared ADCs between crossbars (fewer ``adcs``), partial parallel read (several
reads per slice for ``rows_driven`` above the rows read at once) and tile kinds
with other ADCs plug in here, and both the mapper and the simulator follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.cost.actions import Costs, ceil_div


@dataclass(frozen=True)
class SliceTiming:
    """Cycles of one input slice on one crossbar: the analog read (with DAC and S+H) and the conversions."""

    read_cycles: int
    convert_cycles: int
    shift_add_cycles: int

    @property
    def interval_cycles(self) -> int:
        """Cycles between two slices in a row (sample-and-hold overlap)."""
        return max(self.read_cycles, self.convert_cycles)

    def occupancy(self, slices: int) -> int:
        """Cycles the crossbar is held by ``slices`` slices in a row (the next run may read after them)."""
        _check_slices(slices)
        return slices * self.interval_cycles

    @property
    def drain_cycles(self) -> int:
        """From the end of the occupancy to the last result: what is left of the last slice's conversions
        (``read + conversions - interval = min(read, conversions)`` cycles) and the last shift-and-add."""
        return self.read_cycles + self.convert_cycles - self.interval_cycles + self.shift_add_cycles

    def cycles(self, slices: int) -> int:
        """Cycles from the run's start to its last result: ``read + (N - 1) x interval + conversions + shift-add``."""
        return self.occupancy(slices) + self.drain_cycles

    def phases(self, slices: int) -> list[tuple[int, int, str]]:
        """(offset, duration, name) of the reads and conversions inside the occupancy (for traces): the last
        slice's conversions start ``read`` after its read starts and end in the drain."""
        t, r, c = self.interval_cycles, self.read_cycles, self.convert_cycles
        kids = [(k * t, r, "read") for k in range(slices)]
        kids += [(k * t + r, c, "adc") for k in range(slices - 1) if c > 0]
        if t > r and c > 0:
            kids.append(((slices - 1) * t + r, t - r, "adc"))
        return sorted(kids)

    def drain_phases(self) -> list[tuple[int, int, str]]:
        """(offset, duration, name) inside the drain: the rest of the last conversions, the shift-and-add."""
        rest = self.drain_cycles - self.shift_add_cycles
        kids = [(0, rest, "adc")] if rest > 0 else []
        if self.shift_add_cycles:
            kids.append((rest, self.shift_add_cycles, "shift-add"))
        return kids


def _check_slices(slices: int) -> None:
    if slices < 1:
        raise ValueError(f"a crossbar run needs at least one input slice, got {slices}")


def slice_timing(costs: Costs, rows_driven: int, physical_cols: int, adcs: int, bits: int | None) -> SliceTiming:
    """Timing of one slice of a block driving ``rows_driven`` rows and converting ``physical_cols`` columns
    over ``adcs`` ADCs at ``bits`` (None: the ADC's own resolution)."""
    key = ("slice", rows_driven, physical_cols, adcs, bits)
    memo = costs.memo
    if key not in memo:
        if rows_driven < 1 or physical_cols < 1 or adcs < 1:
            raise ValueError(f"slice of {rows_driven} rows x {physical_cols} columns over {adcs} ADCs")
        read = costs.dac_cycles + costs.read_cycles + costs.sample_hold_cycles
        conv = costs.adc_cycles(ceil_div(physical_cols, adcs), bits)
        memo[key] = SliceTiming(read, conv, costs.shift_add_cycles)
    return memo[key]


def block_slice_timing(costs: Costs, arch, rows: int, physical_cols: int, adc_bits: int | None) -> SliceTiming:
    """``slice_timing`` of a block on one of ``arch``'s crossbars (its ``pe.adc.per_crossbar`` ADCs)."""
    return slice_timing(costs, rows, physical_cols, arch.pe.adc.per_crossbar, adc_bits)


def input_slices(arch, input_bits: int) -> int:
    """Bit slices of an ``input_bits`` input through ``pe.dac.bits`` DACs."""
    return ceil_div(input_bits, arch.pe.dac.bits)


def block_energy_pj(costs: Costs, arch, rows: int, physical_cols: int, slices: int,
                    adc_bits: int | None) -> dict[str, float]:
    """Energy by component of ``slices`` slices through one block (``rows`` x ``physical_cols`` cells)."""
    key = ("block_energy", rows, physical_cols, slices, adc_bits)
    if key not in costs.memo:
        costs.memo[key] = _block_energy(costs, arch, rows, physical_cols, slices, adc_bits)
    return costs.memo[key]


def _block_energy(costs: Costs, arch, rows: int, physical_cols: int, slices: int,
                  adc_bits: int | None) -> dict[str, float]:
    x = arch.pe.crossbar
    used = rows * physical_cols / (x.rows * x.cols)
    conversions = slices * physical_cols
    return {
        "dac": slices * rows * costs.dac_pj,
        "crossbar": slices * used * costs.read_pj,
        "sample_hold": conversions * costs.sample_hold_pj,
        "adc": conversions * costs.adc_pj(adc_bits),
        "pe_input_register": costs.input_register_pj(slices),
        "shift_add": conversions * costs.shift_add_pj,
        "pe_output_register": costs.output_register_pj(conversions),
    }


def vector_split(m: int, copies: int) -> list[int]:
    """Input vectors per copy when one query's ``m`` vectors are spread over ``copies`` copies: as even as
    possible (the first ``m mod copies`` copies take one more), so the slowest copy has ``ceil(m / copies)``."""
    if not 1 <= copies <= m:
        raise ValueError(f"{m} input vectors cannot be spread over {copies} copies (each copy needs one)")
    base, extra = divmod(m, copies)
    return [base + (1 if j < extra else 0) for j in range(copies)]
