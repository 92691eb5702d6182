"""A crossbar block's time and energy for one run of input slices: the one law the simulator and the mapper use.

Per input slice a crossbar drives the block's rows through its DACs in
``S = ceil(rows / rows_per_read)`` sensing steps (partial parallel read,
NeuroSim V1.4 ``parallelRead``; ``S = 1`` when every row is read at once).
In each step the columns settle during the analog read, every column's
sample-and-hold latches the result, and the ADC bank of the crossbar
converts the held columns one after another (columns interleaved over the
bank's ADCs; a bank shared by several crossbars converts theirs one crossbar
after another).  The sample-and-hold decouples the array from the ADCs, so
the read of step k+1 overlaps the conversions of step k (ISAAC, Shafiee et
al. ISCA 2016, section III: the crossbar read and the ADC stage are separate
100 ns pipeline stages; reference 2(a)).  One crossbar therefore accepts a
new step every ``max(read, conversions)``, the interval the roll-up's peak
throughput assumes (``pimsim.components.crossbar.slice_interval_ns``)::

    S              = ceil(rows_driven / rows_per_read)            (sensing steps per slice)
    read_cycles    = dac + read + sample_hold cycles              (one step; DAC and S+H act inside the read)
    conversions    = X x ceil(physical_cols / adcs_per_bank)      (per step, on the busiest ADC of the bank;
                     X = crossbars of the operator on the bank, ``pimsim.components.slicing``)
    convert_cycles = adc.cycles_for_conversions(conversions, bits)   (SAR law or table, pimsim.components.converters)
    interval       = max(read_cycles, convert_cycles)
    occupancy(N)   = N x S x interval                              (the crossbar is busy; then the next run may read)
    cycles(N)      = read_cycles + (N S - 1) x interval + convert_cycles + shift_add   (until the last result)
                   = occupancy(N) + min(read_cycles, convert_cycles) + shift_add

for ``N = vectors x input slices`` slices in a row: the sample of step k+1
waits until step k's conversions released the sample-and-holds, so the
array reads step k at ``k x interval``; the last step's conversions (and the
shift-and-add that retires the last one; earlier ones are retired as they
leave the ADC) drain after the array is free, overlapping the next run's
first read exactly as consecutive steps overlap.  A stream of runs on one
crossbar therefore proceeds at one step per interval, the roll-up's peak.

Shared ADC banks (``pe.adc.shared_by_crossbars`` > 1; PUMA: 2 ADCs per
8-crossbar MVMU): X counts the distinct crossbars of the same operator's
blocks of one query on the bank (:func:`crossbars_on_banks`); they are fed
by one operand broadcast and read in lock-step, so their conversions of one
step are serialised on the bank, and two crossbars on one bank take twice
the conversion time of one.  A bank that converts for more than one *user*
(an operator's copy group: two operators packed behind one bank, or two copy
groups serving alternate queries; :func:`contended_banks`) is a resource of
its own: a user's run holds it for :func:`bank_hold_cycles` (the longest
crossbar's occupancy among its blocks on the bank, blocks on one crossbar
back to back) and its crossbars start reading when it gets the bank, so two
users' runs on one bank are serialised whole: two operators that would each
take ``N S x conv`` alone take ``2 N S x conv`` together, the same total as
interleaving their conversions step by step.  The next user's first
conversion comes a read after it takes the bank, no earlier than the previous
user's drain (``min(read, conv)``) ends, so the sample-and-hold overlap is
kept across users.  A bank with one user keeps the model above unchanged.

Energy per slice does not depend on the overlap: rows driven (DAC, each row
once per slice), each cell used read once (one step reads
``rows_per_read x cols`` cells for the ``read`` energy), one S+H sample, one
conversion (at ``bits``), one shift-and-add and one output-register word per
physical column per step, one input-register read and write per slice.

This is the single place where a crossbar's per-slice timing is decided;
both the mapper and the simulator follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from pimsim.components.slicing import slice_work
from pimsim.cost.actions import Costs, ceil_div


@dataclass(frozen=True)
class SliceTiming:
    """Cycles of one sensing step on one crossbar (the analog read with DAC and S+H, the conversions of the
    busiest ADC of its bank) and the sensing steps of one input slice."""

    read_cycles: int
    convert_cycles: int
    shift_add_cycles: int
    steps: int = 1
    """Sensing steps per input slice (``pimsim.components.slicing.sensing_steps``: partial parallel read)."""

    @property
    def interval_cycles(self) -> int:
        """Cycles between two sensing steps in a row (sample-and-hold overlap)."""
        return max(self.read_cycles, self.convert_cycles)

    def occupancy(self, slices: int) -> int:
        """Cycles the crossbar is held by ``slices`` slices in a row (the next run may read after them)."""
        _check_slices(slices)
        return slices * self.steps * self.interval_cycles

    @property
    def drain_cycles(self) -> int:
        """From the end of the occupancy to the last result: what is left of the last step's conversions
        (``read + conversions - interval = min(read, conversions)`` cycles) and the last shift-and-add."""
        return self.read_cycles + self.convert_cycles - self.interval_cycles + self.shift_add_cycles

    def cycles(self, slices: int) -> int:
        """Cycles from the run's start to its last result: ``read + (N S - 1) x interval + conversions +
        shift-add`` for N slices of S steps."""
        return self.occupancy(slices) + self.drain_cycles

    def phases(self, slices: int) -> list[tuple[int, int, str]]:
        """(offset, duration, name) of the reads and conversions inside the occupancy (for traces): the last
        step's conversions start ``read`` after its read starts and end in the drain."""
        t, r, c = self.interval_cycles, self.read_cycles, self.convert_cycles
        n = slices * self.steps
        kids = [(k * t, r, "read") for k in range(n)]
        kids += [(k * t + r, c, "adc") for k in range(n - 1) if c > 0]
        if t > r and c > 0:
            kids.append(((n - 1) * t + r, t - r, "adc"))
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


def slice_timing(costs: Costs, pe, rows_driven: int, physical_cols: int, bits: int | None,
                 crossbars_on_bank: int = 1) -> SliceTiming:
    """Timing of one slice of a block driving ``rows_driven`` rows and converting ``physical_cols`` columns
    at ``bits`` (None: the ADC's own resolution) on a crossbar of PE section ``pe``, its ADC bank serving
    ``crossbars_on_bank`` crossbars of the same operator (``pimsim.components.slicing.slice_work``)."""
    key = ("slice", rows_driven, physical_cols, bits, crossbars_on_bank)
    memo = costs.memo
    if key not in memo:
        if rows_driven < 1 or physical_cols < 1:
            raise ValueError(f"slice of {rows_driven} rows x {physical_cols} columns")
        w = slice_work(pe, rows_driven, physical_cols, crossbars_on_bank)
        read = costs.dac_cycles + costs.read_cycles + costs.sample_hold_cycles
        conv = costs.adc_cycles(w.conversions_per_adc // w.sensing_steps, bits)
        memo[key] = SliceTiming(read, conv, costs.shift_add_cycles, w.sensing_steps)
    return memo[key]


def block_slice_timing(costs: Costs, arch, rows: int, physical_cols: int, adc_bits: int | None,
                       crossbars_on_bank: int = 1) -> SliceTiming:
    """``slice_timing`` of a block on one of ``arch``'s crossbars (its ``pe.adc.per_crossbar`` ADCs per bank,
    ``pe.crossbar.rows_per_read`` rows per sensing step)."""
    return slice_timing(costs, arch.pe, rows, physical_cols, adc_bits, crossbars_on_bank)


def adc_bank(arch, crossbar: int) -> int:
    """Index, within its PE, of the ADC bank that converts crossbar ``crossbar``'s columns (a bank serves
    ``pe.adc.shared_by_crossbars`` consecutive crossbars)."""
    return crossbar // arch.pe.adc.shared_by_crossbars


def crossbars_on_banks(arch, placements) -> dict[tuple[int, int, int], int]:
    """(tile, pe, bank) -> distinct crossbars among ``placements`` ((tile, pe, crossbar) of one operator's
    blocks) that the bank converts for: the bank serialisation of those blocks' slices (banks of each tile's
    kind)."""
    seen: dict[tuple[int, int, int], set[int]] = {}
    for tile, pe, xbar in placements:
        seen.setdefault((tile, pe, adc_bank(arch.tile_arch(tile), xbar)), set()).add(xbar)
    return {k: len(v) for k, v in seen.items()}


def contended_banks(arch, placements) -> set[tuple[int, int, int]]:
    """(tile, pe, bank) of the ADC banks converting for more than one user among ``placements`` ((user, tile,
    pe, crossbar) of every block of the mapping; user: an operator's copy group, e.g. (operator, replica //
    copies_per_query)).  Only kinds with ``pe.adc.shared_by_crossbars`` > 1 have such banks: with one crossbar
    per bank, blocks sharing a crossbar are already serialised by the crossbar itself (then ``placements``, which
    may be a generator, is not read)."""
    if all(kind.pe.adc.shared_by_crossbars == 1 for kind in arch.tile_kinds):
        return set()
    users: dict[tuple[int, int, int], set] = {}
    for user, tile, pe, xbar in placements:
        a = arch.tile_arch(tile)
        if a.pe.adc.shared_by_crossbars > 1:
            users.setdefault((tile, pe, adc_bank(a, xbar)), set()).add(user)
    return {k for k, v in users.items() if len(v) > 1}


def bank_hold_cycles(runs) -> int:
    """Cycles one user's run holds a contended ADC bank: ``runs`` are (crossbar, occupancy cycles) of its blocks
    on the bank; blocks on different crossbars read in lock-step, blocks on one crossbar one after another, so
    the hold is the largest per-crossbar sum."""
    per: dict[int, int] = {}
    for xbar, cycles in runs:
        per[xbar] = per.get(xbar, 0) + cycles
    return max(per.values(), default=0)


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
    steps = slice_work(arch.pe, rows, physical_cols).sensing_steps
    used = rows * physical_cols / (x.rows_read_at_once * x.cols)  # read_pj: one step of rows_per_read rows
    conversions = slices * steps * physical_cols
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
