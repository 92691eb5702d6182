"""Compose a candidate's hardware cost from the costs of its units (``units.py``), each priced alone.

Rules (all per query; the unit fields are those of ``hardware_cost.price_unit``):

- **latency**: the candidate's dataflow walked in block order.  The stem's outputs are ready at
  ``entry + span`` of the stem (its inputs arrive over the chip I/O link); every other unit ends at
  ``max over its inputs i of (ready_i + tail_i)``, ``tail_i`` the longest chain of its operators from input
  i to its end measured on the unit alone (``hardware_cost.input_tails``), so an input that is ready late
  but feeds a short chain (the dense inputs of a dot-product unit) is not charged the unit's whole span;
  the head adds its ``exit`` (the result leaves the chip).  Not modelled: NoC hops between units (a unit
  priced alone receives its inputs on tile 0, next to its first crossbar operator, instead of from its
  producer's tile: the composition is fast by that transfer per unit boundary on the critical chain) and
  contention between units of one query.
- **period** (time between pipelined queries), the largest of: any unit's ``period`` (its busiest
  crossbar, vector unit, buffer or DRAM channel: every unit has its own crossbars in the naive mapping),
  the stem's I/O-link input time, and for every value read by a later unit the *buffer-credit cycle*
  ``p_producer + (start_consumer - ready_value) + p_consumer`` -- the simulator lets an operator start
  query q + slots only when every consumer has finished query q; one slot is assumed (the slot count
  depends on the whole mapping's tile footprints, which a unit priced alone does not know), so this
  term is pessimistic where the real mapping has more.  Not modelled: tiles, buses and NoC links shared
  by several units.
- **dynamic energy**: the sum of the units' energies without the I/O link, plus the I/O link for the
  candidate's real inputs (the stem's) and output (the head's).  The NoC transfers between units are
  priced from the I/O tile rather than from the producer, as noted above.
- **crossbars**: the sum over units, at most the chip's; a candidate whose units need more than the chip has
  for one copy of their weights (``crossbars_one_copy``: with naive units, all their crossbars) is infeasible
  (the whole-model compiler would reject it too).  Units mapped with the optimized strategy each take copies on
  the whole chip's spare crossbars, which they share inside a candidate: that part is not modelled (measured
  in docs/search.md: such a composition is optimistic where the whole model fills the chip).

``hardware_cost.composed_metrics`` turns (latency, period, energy) into the report's metrics for a stream of
``batch`` queries: makespan = latency + (batch - 1) x period, leakage over the makespan.  How close this is
to compiling and simulating the whole candidate is measured in docs/search.md (and bounded by
tests/recsys_models/oracles/test_composed_oracle.py).
"""

from __future__ import annotations


class Infeasible(ValueError):
    """The composed candidate does not fit the chip."""


def compose(units: list[dict], costs: list[dict], crossbars_per_chip: float) -> dict[str, float]:
    """(latency_cycles, period_cycles, dynamic_pj, crossbars) of a candidate; ``costs[i]`` prices ``units[i]``."""
    ready: dict[tuple, float] = {}
    last_op: dict[tuple, float] = {}  # the producing unit's busiest-resource time: a proxy for its last operator
    latency = period = energy = crossbars = needed = 0.0
    for unit, cost in zip(units, costs, strict=True):
        kind = unit["key"]["unit"]
        reads = [tuple(r) for r in unit["reads"]]
        start = cost["entry_cycles"] if kind == "stem" else max(ready[r] for r in reads)
        end = start + cost["span_cycles"] if kind == "stem" else _end(reads, cost["input_tail_cycles"], ready)
        for r in reads:  # buffer credit: the producer's next query waits until this read is done
            period = max(period, last_op[r] + start - ready[r] + cost["period_cycles"])
        for w in unit["writes"]:
            ready[tuple(w)], last_op[tuple(w)] = end, cost["period_cycles"]
        energy += cost["energy_pj"]
        if kind == "stem":
            energy += cost["io_in_pj"]
            period = max(period, cost["io_in_period_cycles"])
        if kind == "head":
            energy += cost["io_out_pj"]
            latency = end + cost["exit_cycles"]
        period = max(period, cost["period_cycles"])
        crossbars += cost["crossbars"]
        needed += cost["crossbars_one_copy"]
    if needed > crossbars_per_chip:
        raise Infeasible(f"needs {needed:.0f} crossbars, the chip has {crossbars_per_chip:.0f}")
    # units mapped with the optimized strategy each fill the spare crossbars with copies: the candidate holds no more
    # than the chip (with naive units the sum is exact, and at most the chip's by the check above)
    return {"latency_cycles": latency, "period_cycles": period, "dynamic_pj": energy,
            "crossbars": min(crossbars, crossbars_per_chip)}


def _end(reads: list[tuple], tails: list[float], ready: dict[tuple, float]) -> float:
    """When a unit's last operator ends: the latest over its inputs of (ready + the input's tail).

    ``reads`` lists the unit's inputs in its export's input order, except that a binary operator reading one value
    twice (``same``) is exported with that value once: duplicates are then dropped to match ``tails``."""
    if len(tails) != len(reads):
        reads = list(dict.fromkeys(reads))
    if len(tails) != len(reads):
        raise ValueError(f"a unit reading {reads} was priced with {len(tails)} inputs")
    return max(ready[r] + tail for r, tail in zip(reads, tails, strict=True))
