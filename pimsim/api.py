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

from pimsim.report.model import Report
from pimsim.spec.mapping import Mapping, check_mapping

DEFAULT_TRACE_QUERIES = 8
"""Queries written to a trace by default (the first ones); the trace metadata says how many."""


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

    t0 = time.perf_counter()
    source = source or f"mapping {mapping.model.name}"
    if batch < 1:
        raise ValueError(f"batch={batch}: must be at least 1")
    check_mapping(mapping, source)
    arch = mapping.arch
    costs = Costs.of(arch)
    comps = costs.comps
    one = run_stream(mapping, costs, 1, source)
    stream, table, result = one if batch == 1 else run_stream(mapping, costs, batch, source,
                                                              one[2]["finish_cycles"])
    single = (one[0], one[2])
    makespan = int(result["finish_cycles"].max(initial=0))
    rollup = area_rollup(arch)
    leak_mw = summary.chip_leakage_mw(comps, rollup)
    energy = summary.dynamic_energy_pj(stream)
    energy["leakage"] = summary.leakage_energy_pj(leak_mw, makespan, arch.clock_mhz)
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
        operators=summary.operator_spans(single[0], single[1], mapping),
        busiest=summary.busiest_resources(stream, table, makespan),
    )
