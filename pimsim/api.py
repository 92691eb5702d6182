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
from pimsim.spec.units import cycles_to_ns

DEFAULT_TRACE_QUERIES = 8
"""Queries written to a trace by default (the first ones); the trace metadata says how many."""


def run_stream(mapping: Mapping, costs, batch: int, source: str):
    """Lower and simulate ``batch`` queries; returns (stream, table, result)."""
    from pimsim.engine.kernel import simulate_program
    from pimsim.program.build import lower_mapping

    stream, table = lower_mapping(mapping, costs, batch, source)
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
    from pimsim.components import build_components
    from pimsim.components.rollup import area_rollup
    from pimsim.program.costs import Costs
    from pimsim.report import summary

    t0 = time.perf_counter()
    source = source or f"mapping {mapping.model.name}"
    if batch < 1:
        raise ValueError(f"batch={batch}: must be at least 1")
    check_mapping(mapping, source)
    arch = mapping.arch
    _refuse_unsimulated(arch, source)
    comps = build_components(arch)
    costs = Costs(comps)
    stream, table, result = run_stream(mapping, costs, batch, source)
    single = (stream, result) if batch == 1 else run_stream(mapping, costs, 1, source)[::2]
    makespan = int(result["finish_cycles"].max(initial=0))
    rollup = area_rollup(arch)
    makespan_ns = cycles_to_ns(makespan, arch.clock_mhz)
    active = summary.tile_active_ns(stream, table, result, arch.clock_mhz) if arch.chip.power_gating == "idle" else None
    static = summary.static_energy(arch, rollup, makespan_ns, summary.tiles_used(mapping), active)
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
