"""Numba assembly of a stream's edge arrays (CSR) from per-template edges: one pass over the stream's edges.

A stream of queries runs one template per query (``pimsim.program.stream.layout_stream``); its program's CSR
(``pimsim.engine.program.TaskProgram``) lists, per source task, its finish-to-start edges from
``succ_ptr[i]`` and its start-to-start edges from ``succ_mid[i]``.  Given those offsets (which account for any
extra edges the caller places itself), :func:`place_template_edges` writes every query's template edges into
them: template edge ``e`` of query ``q`` (offset ``lo = q_off[q]``) from local task ``s`` goes to
``(succ_mid if start-to-start else succ_ptr)[lo + s] + rank[e]``, with target ``lo + dst[e]``.  The same
placement in NumPy is ``tests/pimsim/program/test_stream_layout.py``'s reference (``build_program``).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def place_template_edges(q_pattern, q_off, e_off, src, dst, lag, kind, ss, rank, succ_ptr, succ_mid, succ_task,
                         succ_lag, succ_kind):
    """Template ``k``'s edges are ``src[e_off[k]:e_off[k + 1]]`` (and the same slices of the other arrays)."""
    for q in range(q_pattern.shape[0]):
        k = q_pattern[q]
        lo = q_off[q]
        for e in range(e_off[k], e_off[k + 1]):
            s = lo + src[e]
            pos = (succ_mid[s] if ss[e] else succ_ptr[s]) + rank[e]
            succ_task[pos] = lo + dst[e]
            succ_lag[pos] = lag[e]
            succ_kind[pos] = kind[e]
