"""Throughput of a query stream the way peers report it: steady state after the fill, and completions in a window.

The stream (``pimsim.program.stream``) offers every query at cycle 0 in query order (a saturated input, as
pimsim-nn feeds images back to back); query ``i`` completes at ``c_i``, the finish of its last task (its
output leaving the chip).  With completions sorted, ``c_0 <= c_1 <= ... <= c_{N-1}``:

- **whole-stream throughput** (``throughput_inferences_per_s``): ``N / c_{N-1}``, pipeline fill included;
- **steady-state throughput** (``throughput_steady_inferences_per_s``): the rate between completions once the
  pipeline is full.  The fill is the first completion: when query 0 leaves, every stage of the pipeline has
  worked on it, and the queries behind it occupy the stages it left.  Counted: the ``k`` completions after it,
  ``k`` the largest multiple of the replica period ``P`` (the lcm of the operators' copy groups, which
  serve alternate queries: the stream repeats with period ``P``) not above ``N - 1``, or ``N - 1`` when ``N - 1 < P``::

      steady rate = k / (c_k - c_0)        (per cycle; x clock for per second)

  Counting whole periods makes a periodic steady state exact: in a pipeline that retires one query every
  ``II`` cycles, ``c_k - c_0 = k x II``.  Undefined (``None``) for ``N = 1`` or when all completions coincide;
- **throughput over a duration** (``--duration-ms T``, pimsim-nn's ``sim_time``): the completions with
  ``c_i <= T`` divided by ``T``.  The stream is long enough that queries are still in flight at ``T``
  (``pimsim.api.simulate_duration`` checks it), so the window never runs dry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def completion_cycles(last_finish: np.ndarray) -> np.ndarray:
    """Sorted completion times from each query's last task finish (int64[N])."""
    return np.sort(last_finish)


@dataclass(frozen=True)
class SteadyState:
    """The completions counted by the steady-state rate (module docstring)."""

    fill_completions: int
    """Completions before the counted window starts (1: the first query leaving the pipeline)."""
    counted: int
    """``k``: completions counted after the fill."""
    span_cycles: int
    """``c_k - c_0``."""

    @property
    def interval_cycles(self) -> float:
        """Mean cycles between counted completions."""
        return self.span_cycles / self.counted


def steady_state(completions: np.ndarray, period: int) -> SteadyState | None:
    """The steady-state window of sorted ``completions`` with replica period ``period`` (None if undefined)."""
    n = int(completions.size)
    if n < 2:
        return None
    k = n - 1 if n - 1 < period else (n - 1) - (n - 1) % period
    span = int(completions[k] - completions[0])
    if span <= 0:
        return None
    return SteadyState(1, k, span)


def completions_within(completions: np.ndarray, horizon_cycles: int) -> int:
    """Completions at or before ``horizon_cycles``."""
    return int(np.searchsorted(completions, horizon_cycles, side="right"))
