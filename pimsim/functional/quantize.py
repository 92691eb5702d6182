"""Fixed-point quantisation of weights and activations, as the mapped hardware stores them.

Model (assumptions, documented in docs/accuracy.md):

- Weights are quantised symmetrically to ``weight_bits`` two's-complement bits,
  integer range ``[-(2^(b-1) - 1), 2^(b-1) - 1]``, with one scale per output
  column (default) or one per matrix: the usual post-training scheme for
  crossbar weights (per-column scales are folded into the digital
  shift-and-add output stage).
- Activations are quantised *dynamically per vector* (one scale per input
  vector of a crossbar product, or per last-axis vector of a digital op's
  input or output) from
  the vector's largest magnitude: a vector with no negative element uses the
  unsigned range ``[0, 2^b - 1]``, otherwise the symmetric signed range
  ``[-(2^(b-1) - 1), 2^(b-1) - 1]``.  The mapping carries no calibrated
  ranges, and a per-vector range keeps each query's result independent of the
  rest of the batch.  Rounding is round-half-to-even (``numpy.rint``).
"""

from __future__ import annotations

import numpy as np

FLOAT_BITS = 24
"""Activation precisions at or above this many bits are treated as float (no quantisation)."""


def signed_qmax(bits: int) -> int:
    """Largest magnitude of the symmetric signed range of ``bits`` bits (at least 1)."""
    return max((1 << (bits - 1)) - 1, 1)


def quantize_weights(w: np.ndarray, bits: int, per_column: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric integer weights and their scales.

    Parameters
    ----------
    w : ndarray [k, n]
        Float weights (rows = inputs, columns = outputs).
    bits : int
        Two's-complement weight bits (>= 2).
    per_column : bool
        One scale per output column (True) or one for the whole matrix.

    Returns
    -------
    q : ndarray [k, n] int64
        Integers with ``|q| <= 2^(bits-1) - 1``.
    scale : ndarray [n] float64
        ``w ~= q * scale`` column-wise.
    """
    if bits < 2:
        raise ValueError(f"weight_bits={bits}: signed weights need at least 2 bits")
    w = np.asarray(w, dtype=np.float64)
    amax = np.abs(w).max(axis=0) if per_column else np.full(w.shape[1], np.abs(w).max() if w.size else 0.0)
    qmax = signed_qmax(bits)
    scale = np.where(amax > 0, amax / qmax, 1.0)
    q = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int64)
    return q, scale


def quantize_vectors(x: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-vector dynamic quantisation of ``x[..., k]`` (one scale per vector along the last axis).

    Returns
    -------
    q : ndarray [..., k] int64
    scale : ndarray [...] float64
        ``x ~= q * scale[..., None]``.
    signed : ndarray [...] bool
        Whether the vector uses the signed range (it has a negative element).
    """
    x = np.asarray(x, dtype=np.float64)
    signed = np.asarray((x < 0).any(axis=-1))  # an array also for one vector (any() gives a numpy bool)
    amax = np.abs(x).max(axis=-1)
    qmax = np.where(signed, signed_qmax(bits), (1 << bits) - 1)
    scale = np.where(amax > 0, amax / qmax, 1.0)
    q = np.clip(np.rint(x / scale[..., None]), -qmax[..., None], qmax[..., None]).astype(np.int64)
    return q, scale, signed


def fake_quantize(x: np.ndarray, bits: int, vector_axes: int) -> np.ndarray:
    """Quantise-dequantise ``x`` to ``bits`` with one dynamic range per leading index.

    Parameters
    ----------
    x : ndarray
        A float activation tensor with a leading batch axis.
    bits : int
        Precision; ``>= FLOAT_BITS`` returns ``x`` unchanged.
    vector_axes : int
        How many leading axes index separate ranges (1 = one range per query).
    """
    if bits >= FLOAT_BITS or not np.issubdtype(np.asarray(x).dtype, np.floating) or np.ndim(x) == 0:
        return x
    lead = x.shape[:vector_axes]
    flat = x.reshape(lead + (-1,))
    q, scale, _ = quantize_vectors(flat, bits)
    return (q * scale[..., None]).reshape(x.shape).astype(x.dtype)
