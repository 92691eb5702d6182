"""``simulate(mapping, batch=...)``: the library entry point of the cycle-level simulator.

Pipeline: check the mapping against its architecture -> price components
(``pimsim.components``) -> lower to a task program for ``batch`` queries
(``pimsim.program``) -> run the Numba event kernel (``pimsim.engine``) ->
report (``pimsim.report``), optionally a Chrome trace.  ``latency_cycles`` is
one query simulated alone; throughput, energy and utilization come from the
stream of ``batch`` queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pimsim.report.model import Report
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping, check_mapping
from pimsim.spec.units import cycles_to_ns

DEFAULT_TRACE_QUERIES = 8
"""Queries written to a trace by default (the first ones); the trace metadata says how many."""

BYTES_PER_TASK = 320
"""Peak memory per simulated task (stream layout + engine arrays).  Measured with ``ru_maxrss`` on the demo
DLRM mapping (734 tasks and 1,124 edges per query): 261 B/task at batch 2,000, 226 B/task at 8,000; rounded
up so the estimate stays an upper bound."""
TRACE_BYTES_PER_TASK = 10_000
"""Peak memory per task written to a trace (events as Python dicts, then JSON): 9,788 B/task measured on the
same mapping with 2,000 traced queries (2.1 GB of JSON)."""


@dataclass(frozen=True)
class SimulationEstimate:
    """What ``simulate(mapping, batch)`` will need, from the lowering of one query (see :func:`estimate_simulation`)."""

    memory_bytes: int
    """Upper estimate of the peak memory."""
    horizon_cycles: int
    """Upper bound of the last event's time: every task and lag of the stream one after another."""
    key_time_bits: int
    """Bits of time the engine's 63-bit event keys hold for a program this size (``62 - seq_bits``)."""

    def check_horizon(self, batch: int, source: str) -> None:
        """Refuse a run whose event times could overflow the engine's event keys (the engine's own bound,
        ``pimsim.engine.kernel.heap_key_bits``), before running it."""
        if self.horizon_cycles >= 1 << self.key_time_bits:
            raise SpecError(source, f"{batch} queries could last up to {self.horizon_cycles:.3g} cycles, more than "
                                    f"the simulator's event times hold (2^{self.key_time_bits}); a latency or count in "
                                    "the mapping or its architecture is out of range, or use a smaller --batch")


def estimate_simulation(mapping: Mapping, batch: int, trace_queries: int = 0,
                        source: str = "mapping") -> SimulationEstimate:
    """Estimate ``simulate(mapping, batch)`` from the tasks of one query, before allocating anything large.

    Lowers a single query (cheap) and scales: the stream of ``batch`` queries holds at most ``batch`` times its
    tasks, edges, durations and lags.  Checks the mapping's upper bounds (``pimsim.spec.mapping_limits``) first.
    """
    from pimsim.cost.actions import Costs
    from pimsim.program.build import lower_mapping
    from pimsim.spec.mapping_limits import check_mapping_limits

    check_mapping(mapping, source)
    check_mapping_limits(mapping, source)
    try:
        stream, _ = lower_mapping(mapping, Costs.of(mapping.arch), 1, source)
    except OverflowError:
        raise SpecError(source, "a duration or energy of one query overflows 64-bit integers: a latency, count or "
                                "size in the mapping or its architecture is out of range") from None
    program = stream.program
    per_query = program.n_tasks
    memory = per_query * (batch + 1) * BYTES_PER_TASK + per_query * min(trace_queries, batch) * TRACE_BYTES_PER_TASK
    seq_bits = max(1, int((program.n_tasks + program.n_edges) * batch + 1).bit_length())
    horizon = (int(program.task_dur.sum()) + int(program.succ_lag.sum())) * batch
    return SimulationEstimate(memory, horizon, 62 - seq_bits)


def run_stream(mapping: Mapping, costs, batch: int, source: str, single_finish=None):
    """Lower and simulate ``batch`` queries; returns (stream, table, result).  ``single_finish``: finish cycles of
    the one-query run, which set the stream's buffer credits (simulated when not given)."""
    from pimsim.engine.kernel import simulate_program
    from pimsim.program.build import lower_mapping

    stream, table = lower_mapping(mapping, costs, batch, source, single_finish)
    result = simulate_program(stream.program)
    unrun = int((result["finish_cycles"] < 0).sum())
    if unrun:
        raise RuntimeError(f"{source}: {unrun} tasks never ran (dependency cycle in the lowered program)")
    return stream, table, result


def simulate(mapping: Mapping, batch: int = 1, trace_path=None, trace_queries: int = DEFAULT_TRACE_QUERIES,
             source: str | None = None) -> Report:
    """Simulate ``batch`` queries of ``mapping``.

    Raises
    ------
    SpecError
        If the mapping does not fit its architecture (naming operator and tile).
    """
    from pimsim.components.rollup import area_rollup
    from pimsim.cost.actions import Costs
    from pimsim.report import summary
    from pimsim.report.compare import occupied_area_mm2
    from pimsim.spec.occupancy import tiles_used

    t0 = time.perf_counter()
    source = source or f"mapping {mapping.model.name}"
    if batch < 1:
        raise ValueError(f"batch={batch}: must be at least 1")
    check_mapping(mapping, source)
    arch = mapping.arch
    _refuse_unsimulated(arch, source)
    costs = Costs.of(arch)
    one = run_stream(mapping, costs, 1, source)
    stream, table, result = one if batch == 1 else run_stream(mapping, costs, batch, source,
                                                              one[2]["finish_cycles"])
    single = (one[0], one[2])
    makespan = int(result["finish_cycles"].max(initial=0))
    rollup = area_rollup(arch)
    makespan_ns = cycles_to_ns(makespan, arch.clock_mhz)
    active = summary.tile_active_ns(stream, table, result, arch.clock_mhz) if arch.chip.power_gating == "idle" else None
    static = summary.static_energy(arch, rollup, makespan_ns, tiles_used(mapping), active)
    leak_mw = static.average_power_mw
    energy = summary.dynamic_energy_pj(stream)
    energy["leakage"] = static.total_pj
    busy = summary.busy_by_class(stream, table)
    if trace_path is not None:
        from pimsim.report.trace import write_trace

        write_trace(trace_path, mapping, stream, table, result, trace_queries, leak_mw)
    return Report(
        mapping_name=mapping.model.name, arch_name=arch.name, clock_mhz=arch.clock_mhz, batch=batch,
        latency_cycles=int(single[1]["finish_cycles"].max(initial=0)), makespan_cycles=makespan,
        energy_breakdown_pj=energy, leakage_mw=leak_mw, area_mm2=rollup.chip_area_mm2,
        area_breakdown_mm2=rollup.breakdown_area_mm2(), busy_cycles=busy,
        utilization=summary.utilization(busy, arch, makespan), events=result["events"],
        wall_s=time.perf_counter() - t0, tasks=stream.program.n_tasks,
        tiles_used=len(tiles_used(mapping)), tiles_total=arch.chip.tiles,
        occupied_area_mm2=occupied_area_mm2(mapping, rollup),
        operators=summary.operator_spans(single[0], single[1], mapping),
        busiest=summary.busiest_resources(stream, table, makespan),
        static_breakdown_pj=static.by_role_pj, power_gating=arch.chip.power_gating,
        compute_area_mm2=rollup.compute_area_mm2,
        operator_records=summary.operator_records(stream, result, mapping),
        critical_query=summary.critical_query(stream, result),
    )


def _refuse_unsimulated(arch, source: str) -> None:
    """Architecture features the roll-up prices but the event program does not execute yet: an error, not a
    silently ignored field (issue 17; the execution model takes them in a later phase)."""
    from pimsim.components.catalog import features_not_simulated
    from pimsim.spec.errors import SpecError

    pending = features_not_simulated(arch)
    if pending:
        raise SpecError(source, f"{pending[0]}: not executed by the simulator yet (priced by `pimsim area`)")
