"""Numerics of one matrix-vector product executed on bit-sliced ReRAM crossbars.

What is modeled (ISAAC, Shafiee et al., ISCA 2016, Sec. 3-4; CrossSim's bit-sliced
core as the accuracy reference; see docs/accuracy.md):

1. Weights ``W[k, n]`` are quantised to ``weight_bits`` (:mod:`.quantize`) and
   encoded unsigned: *differential* stores ``max(q, 0)`` and ``max(-q, 0)`` in
   a +/- column pair subtracted digitally; *offset* stores ``q + 2^(b-1)`` in
   one column and subtracts ``2^(b-1) * sum(x)`` digitally (ISAAC's biased
   encoding; the input sum is computed digitally, exactly).
2. Each stored integer is split into ``ceil(weight_bits / cell_bits)`` slices
   of ``cell_bits``, one cell (conductance level) each.
3. Inputs are quantised per vector to ``input_bits`` and streamed bit-serially:
   the low ``input_bits - 1`` bits in DAC steps of ``dac_bits``, then the top bit
   in its own read, weighted ``-2^(b-1)`` for a signed (two's-complement)
   vector and ``+2^(b-1)`` for an unsigned one, so no bipolar DAC is needed.
   With ``dac_bits = 1`` that is ISAAC's scheme exactly; with wider DACs it is
   one read more than ``ceil(input_bits / dac_bits)``.
4. All rows of a crossbar block are read in parallel: every physical column's
   current is the partial sum over that block's rows for one (input slice,
   weight slice), converted by an ``adc_bits`` ADC.  ``adc_range="clip"``:
   the LSB is one unit (cell level x DAC level) and sums above ``2^b - 1``
   saturate; ``"full"``: the range spans the largest possible sum of the block
   and the LSB grows accordingly (never clips, rounds instead).
5. Digital shift-and-add over slices, columns' signs and row blocks; one
   multiply by the input and weight scales dequantises.

Device non-idealities (optional, seeded): stuck-at faults (a cell stuck at
level 0 or at the top level with equal probability) and programming variation
``g = level * (1 + sigma * N(0, 1))`` (state-proportional Gaussian, clipped at
0); each cell of a programmed matrix draws once.

Everything is vectorised: one BLAS product per row block over all slices and
columns at once; no per-bit Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pimsim.functional.quantize import quantize_vectors, quantize_weights

_CHUNK_ELEMENTS = 1 << 22
"""Partial sums held at once (float32): bounds memory to ~16 MB per row block."""


@dataclass(frozen=True)
class CrossbarNumerics:
    """Precision and circuit choices of one mapped matrix-vector product.

    ``weight_bits``/``input_bits``: fixed-point widths; ``cell_bits``: bits per
    cell; ``dac_bits``: input bits per read; ``adc_bits``: ADC resolution
    (None = ideal, unlimited); ``encoding``: signed-weight scheme.
    """

    weight_bits: int
    input_bits: int
    cell_bits: int
    dac_bits: int
    adc_bits: int | None
    encoding: Literal["differential", "offset"] = "differential"
    adc_range: Literal["clip", "full"] = "clip"
    per_column_scale: bool = True


@dataclass(frozen=True)
class NonIdeality:
    """Device non-idealities: relative conductance sigma, stuck-at fault rate, RNG seed."""

    variation_sigma: float = 0.0
    stuck_at_rate: float = 0.0
    seed: int = 0

    @property
    def any(self) -> bool:
        return self.variation_sigma > 0 or self.stuck_at_rate > 0


@dataclass(frozen=True)
class RowGroup:
    """Rows ``[r0, r1)`` read in parallel: ``cells[R, n * C * S_w]`` (output-major, masked to the
    cells the blocks of this row range store) and ``digital[R, n]``, the same cells combined
    with their sign and slice weights (the result when no ADC clips)."""

    r0: int
    r1: int
    cells: np.ndarray
    digital: np.ndarray


@dataclass
class ProgrammedMatrix:
    """A weight matrix as stored in crossbar cells, ready for products.

    Attributes
    ----------
    numerics : CrossbarNumerics
    q : ndarray [k, n] int64
        Quantised weights (for the exact path).
    scale : ndarray [n]
        Weight dequantisation scale per column.
    col_weight : ndarray [C * S_w]
        Digital weight of each (sign column, slice): ``+/- 2^(s * cell_bits)``.
    groups : list of RowGroup
        Row blocks read in parallel.
    exact : bool
        Cells hold their nominal integer levels (no variation or fault).
    """

    numerics: CrossbarNumerics
    q: np.ndarray
    scale: np.ndarray
    col_weight: np.ndarray
    groups: list = field(default_factory=list)
    exact: bool = True

    @property
    def n(self) -> int:
        return self.q.shape[1]


def weight_slices(numerics: CrossbarNumerics) -> int:
    return -(-numerics.weight_bits // numerics.cell_bits)


def encode_cells(q: np.ndarray, numerics: CrossbarNumerics) -> tuple[np.ndarray, np.ndarray]:
    """Cell levels ``[C, S_w, k, n]`` of integer weights and the digital weight of each (C, S_w)."""
    cb, slices = numerics.cell_bits, weight_slices(numerics)
    if numerics.encoding == "differential":
        stored, signs = np.stack([np.maximum(q, 0), np.maximum(-q, 0)]), np.array([1.0, -1.0])
    else:
        stored, signs = (q + (1 << (numerics.weight_bits - 1)))[None], np.array([1.0])
    shifts = np.arange(slices) * cb
    levels = (stored[:, None] >> shifts[None, :, None, None]) & ((1 << cb) - 1)
    col_weight = (signs[:, None] * np.exp2(shifts)[None, :]).reshape(-1)
    return levels, col_weight


def apply_nonideality(levels: np.ndarray, cell_bits: int, nonideal: NonIdeality) -> np.ndarray:
    """Stuck-at faults then state-proportional Gaussian variation on cell levels (float32)."""
    g = levels.astype(np.float32)
    rng = np.random.default_rng(nonideal.seed)
    if nonideal.stuck_at_rate > 0:
        faulty = rng.random(g.shape) < nonideal.stuck_at_rate
        stuck_high = rng.random(g.shape) < 0.5
        g = np.where(faulty, np.where(stuck_high, float((1 << cell_bits) - 1), 0.0), g).astype(np.float32)
    if nonideal.variation_sigma > 0:
        noise = rng.standard_normal(g.shape).astype(np.float32)
        g = np.maximum(g * (1.0 + np.float32(nonideal.variation_sigma) * noise), 0.0)
    return g


def program(
    w: np.ndarray,
    numerics: CrossbarNumerics,
    row_blocks: list[tuple[int, int, np.ndarray | None]],
    nonideal: NonIdeality = NonIdeality(),
) -> ProgrammedMatrix:
    """Quantise, slice and (optionally) perturb ``w[k, n]`` into crossbar cells.

    Parameters
    ----------
    row_blocks : list of (row_start, rows, mask)
        The row ranges read together (one per crossbar block row); ``mask``
        ``[S_w, n]`` bool or None (the block range stores every slice and column).
    """
    q, scale = quantize_weights(w, numerics.weight_bits, numerics.per_column_scale)
    levels, col_weight = encode_cells(q, numerics)
    cells = apply_nonideality(levels, numerics.cell_bits, nonideal) if nonideal.any else levels.astype(np.float32)
    # column order (output, sign column, slice): one output's physical columns are adjacent
    cells = cells.reshape(-1, *cells.shape[2:]).transpose(1, 2, 0)  # [k, n, C*S_w]
    n_cols = col_weight.shape[0]
    groups = []
    for r0, rows, mask in row_blocks:
        block = cells[r0:r0 + rows]
        col_mask = None
        if mask is not None:
            col_mask = np.broadcast_to(mask.T[:, None, :], (mask.shape[1], n_cols // mask.shape[0], mask.shape[0]))
            col_mask = col_mask.reshape(mask.shape[1], n_cols).astype(np.float32)
            block = block * col_mask
        digital = block @ col_weight.astype(np.float32)  # [R, n]: what the block adds when nothing clips
        if numerics.weight_bits + numerics.dac_bits + int(rows).bit_length() > 24:  # beyond float32's exact range
            digital = block.astype(np.float64) @ col_weight
        groups.append(RowGroup(r0, r0 + rows, np.ascontiguousarray(block.reshape(rows, -1)), digital))
    return ProgrammedMatrix(numerics, q, scale, col_weight, groups, exact=not nonideal.any)


def uniform_row_blocks(k: int, rows: int) -> list[tuple[int, int, None]]:
    """Row ranges of ``rows`` (crossbar height) covering ``k`` inputs."""
    return [(r0, min(rows, k - r0), None) for r0 in range(0, k, rows)]


def input_slices(q: np.ndarray, signed: np.ndarray, bits: int, dac_bits: int):
    """Bit-serial input digits ``[S_in, N, k]`` (float32), their widths, and weights ``[S_in, N]``."""
    low_bits = bits - 1
    u: np.ndarray = q.astype(np.int32 if bits < 31 else np.int64)
    u = np.where(signed[:, None], u & ((1 << bits) - 1), u)
    low, top = u & ((1 << low_bits) - 1), u >> low_bits
    shifts = np.arange(0, low_bits, dac_bits)
    widths = np.minimum(dac_bits, low_bits - shifts)
    digits = np.empty((len(shifts) + 1,) + q.shape, dtype=np.float32)
    for i, (s, w) in enumerate(zip(shifts, widths)):  # one vectorised pass per input slice
        digits[i] = (low >> s) & ((1 << w) - 1)
    digits[-1] = top
    top_weight = np.where(signed, -1.0, 1.0) * float(1 << low_bits)
    weights = np.vstack([np.broadcast_to(np.exp2(shifts)[:, None], (len(shifts), q.shape[0])), top_weight[None]])
    return digits, np.append(widths, 1), weights


def adc_convert(psum: np.ndarray, numerics: CrossbarNumerics, full_scale: np.ndarray) -> np.ndarray:
    """ADC output (in units of one cell level x DAC level) of column partial sums, in place.

    Parameters
    ----------
    psum : ndarray [rows, columns] float32
        Non-negative column sums (integers unless cells vary).
    full_scale : ndarray [rows]
        Largest possible sum of each row's read (``"full"`` range).
    """
    bits = numerics.adc_bits
    if bits is None:
        return psum
    top = np.float32((1 << bits) - 1)
    if numerics.adc_range == "clip":
        np.rint(psum, out=psum)
        return np.minimum(psum, top, out=psum)  # sums are >= 0: only the top saturates
    step = np.maximum(full_scale / float(top), 1.0).astype(np.float32)[:, None]
    return np.minimum(np.rint(psum / step), top) * step


def adc_is_lossless(prog: ProgrammedMatrix, dac_bits: int) -> bool:
    """True when every possible partial sum converts exactly (no variation, ADC wide enough)."""
    nm = prog.numerics
    if not prog.exact:
        return False
    if nm.adc_bits is None:
        return True
    max_rows = max(g.r1 - g.r0 for g in prog.groups)
    largest = max_rows * ((1 << dac_bits) - 1) * ((1 << nm.cell_bits) - 1)
    return largest <= (1 << nm.adc_bits) - 1


def mvm(prog: ProgrammedMatrix, x: np.ndarray, force_sliced: bool = False) -> np.ndarray:
    """``x[..., k] @ W`` as the crossbars compute it; returns float64 ``[..., n]``.

    When the ADC cannot lose information (and cells are exact) the bit-sliced
    sum equals the integer product, which is then computed directly;
    ``force_sliced`` runs the slice-by-slice path anyway (tests use it).
    """
    nm = prog.numerics
    lead = x.shape[:-1]
    flat = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
    q, sx, signed = quantize_vectors(flat, nm.input_bits)
    if adc_is_lossless(prog, nm.dac_bits) and not force_sliced:
        y_int = q.astype(np.float64) @ _stored_integer_weights(prog)
    else:
        y_int = _sliced_product(prog, q, signed)
    if nm.encoding == "offset":
        y_int -= float(1 << (nm.weight_bits - 1)) * q.sum(axis=1, dtype=np.float64)[:, None]
    y = y_int * sx[:, None] * prog.scale[None, :]
    return y.reshape(lead + (prog.n,))


def _stored_integer_weights(prog: ProgrammedMatrix) -> np.ndarray:
    nm = prog.numerics
    offset = (1 << (nm.weight_bits - 1)) if nm.encoding == "offset" else 0
    return (prog.q + offset).astype(np.float64)


def _sliced_product(prog: ProgrammedMatrix, q: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """Integer-domain result of the bit-serial, bit-sliced product with ADC conversion.

    Per row group, every (vector, input slice) pair first gets the digital result
    (``digits @ group.digital``); only the pairs whose partial sums could reach
    the ADC's limit (``sum(digits) * max level > 2^b - 1``), or every pair when
    cells vary or the ADC rounds, are recomputed column by column through the
    ADC.  Both give the same numbers; the first is a shortcut for exact cells.
    """
    nm = prog.numerics
    digits, widths, in_weight = input_slices(q, signed, nm.input_bits, nm.dac_bits)
    digits, in_weight = np.ascontiguousarray(digits.transpose(1, 0, 2)), in_weight.T  # [N, S_in, k], [N, S_in]
    n_vec, s_in = digits.shape[:2]
    cell_max = (1 << nm.cell_bits) - 1
    y = np.zeros((n_vec, prog.n))
    for g in prog.groups:
        d = np.ascontiguousarray(digits[:, :, g.r0:g.r1]).reshape(n_vec * s_in, -1)
        part = d @ g.digital  # [N * S_in, n]
        full_scale = np.tile((g.r1 - g.r0) * (np.exp2(widths) - 1) * cell_max, n_vec)
        if nm.adc_bits is not None:
            active = d.sum(axis=1)  # a read with no input bit set gives 0 everywhere: nothing to convert
            may_clip = active > 0
            if prog.exact and nm.adc_range == "clip":
                may_clip = active * cell_max > (1 << nm.adc_bits) - 1
            rows = np.flatnonzero(may_clip)
            if rows.size:
                part[rows] = _through_adc(prog, g, d[rows], full_scale[rows])
        y += np.einsum("bsn,bs->bn", part.reshape(n_vec, s_in, -1).astype(np.float64), in_weight)
    return y


def _through_adc(prog: ProgrammedMatrix, g: RowGroup, d: np.ndarray, full_scale: np.ndarray) -> np.ndarray:
    """Column partial sums of ``d[rows, R]`` on the group's cells, ADC-converted, shift-and-added."""
    n_cols = prog.col_weight.shape[0]
    col_weight = prog.col_weight.astype(np.float32)
    out = np.empty((len(d), prog.n), dtype=np.float32)
    chunk = max(1, _CHUNK_ELEMENTS // (n_cols * prog.n))
    for c0 in range(0, len(d), chunk):
        psum = d[c0:c0 + chunk] @ g.cells
        conv = adc_convert(psum, prog.numerics, full_scale[c0:c0 + chunk])
        out[c0:c0 + chunk] = (conv.reshape(-1, n_cols) @ col_weight).reshape(len(conv), prog.n)
    return out


def row_blocks_from_mapping(blocks, k: int, n: int, slices: int) -> list[tuple[int, int, np.ndarray | None]]:
    """Row ranges read together, from a mapping's crossbar blocks (replica 0).

    Blocks with the same row range are one group; when a row range stores only
    some (slice, column) cells (irregular tiling) its group carries a mask.
    Replicas hold the same weights and are not simulated separately.
    """
    masks: dict[tuple[int, int], np.ndarray] = {}
    for b in blocks:
        if b.replica != 0:
            continue
        mask = masks.setdefault((b.row_start, b.rows), np.zeros((slices, n), dtype=bool))
        mask[b.slice_start:b.slice_start + b.slice_count, b.col_start:b.col_start + b.cols] = True
    return [(r0, rows, None if mask.all() else mask) for (r0, rows), mask in sorted(masks.items())]
