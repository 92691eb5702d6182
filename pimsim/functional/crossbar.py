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
    groups : list of (row_start, row_stop, cells[R, C*S_w*n] float32, mask[C*S_w, n] or None)
        Row blocks read in parallel; ``mask`` marks the (slice, column) cells a
        block stores when blocks of different row ranges cover different columns.
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
    n_cols = levels.shape[0] * levels.shape[1]
    groups = []
    for r0, rows, mask in row_blocks:
        block = cells[:, :, r0:r0 + rows, :].transpose(2, 0, 1, 3).reshape(rows, -1)
        full_mask = None if mask is None else np.broadcast_to(mask, (levels.shape[0],) + mask.shape).reshape(n_cols, -1)
        groups.append((r0, r0 + rows, np.ascontiguousarray(block), full_mask))
    return ProgrammedMatrix(numerics, q, scale, col_weight, groups, exact=not nonideal.any)


def uniform_row_blocks(k: int, rows: int) -> list[tuple[int, int, None]]:
    """Row ranges of ``rows`` (crossbar height) covering ``k`` inputs."""
    return [(r0, min(rows, k - r0), None) for r0 in range(0, k, rows)]


def input_slices(q: np.ndarray, signed: np.ndarray, bits: int, dac_bits: int):
    """Bit-serial input digits ``[S_in, N, k]`` (float32), their widths, and weights ``[S_in, N]``."""
    low_bits = bits - 1
    u = q.astype(np.int32 if bits < 31 else np.int64)
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
    """ADC output (in units of one cell level x DAC level) of column partial sums.

    Parameters
    ----------
    psum : ndarray [S_in, ...]
        Non-negative column sums (integers unless cells vary).
    full_scale : ndarray [S_in]
        Largest possible sum per input slice for the block (``"full"`` range).
    """
    bits = numerics.adc_bits
    if bits is None:
        return psum
    top = np.float32((1 << bits) - 1)
    if numerics.adc_range == "clip":
        return np.clip(np.rint(psum), 0, top, out=psum)
    step = np.maximum(full_scale / float(top), 1.0).astype(np.float32).reshape((-1,) + (1,) * (psum.ndim - 1))
    return np.clip(np.rint(psum / step), 0, top) * step


def adc_is_lossless(prog: ProgrammedMatrix, dac_bits: int) -> bool:
    """True when every possible partial sum converts exactly (no variation, ADC wide enough)."""
    nm = prog.numerics
    if not prog.exact:
        return False
    if nm.adc_bits is None:
        return True
    max_rows = max(r1 - r0 for r0, r1, _, _ in prog.groups)
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
    """Integer-domain result of the bit-serial, bit-sliced product with ADC conversion."""
    nm = prog.numerics
    digits, widths, in_weight = input_slices(q, signed, nm.input_bits, nm.dac_bits)
    s_in, n_vec = digits.shape[:2]
    n_cols = prog.col_weight.shape[0]
    chunk = max(1, _CHUNK_ELEMENTS // (s_in * n_cols * prog.n))
    y = np.zeros((n_vec, prog.n))
    cell_max = (1 << nm.cell_bits) - 1
    for r0, r1, cells, mask in prog.groups:
        full_scale = (r1 - r0) * (np.exp2(widths) - 1) * cell_max
        group_digits = np.ascontiguousarray(digits[:, :, r0:r1])
        for c0 in range(0, n_vec, chunk):
            d = group_digits[:, c0:c0 + chunk]
            psum = (d.reshape(-1, r1 - r0) @ cells).reshape(s_in, d.shape[1], n_cols, prog.n)
            out = adc_convert(psum, nm, full_scale)
            if mask is not None:
                out = out * mask
            per_slice = np.einsum("sncj,c->snj", out, prog.col_weight.astype(np.float32), optimize=True)
            y[c0:c0 + chunk] += np.einsum("snj,sn->nj", per_slice.astype(np.float64), in_weight[:, c0:c0 + chunk])
    return y


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
