"""``simulate(mapping, batch=...)``: the library entry point of the cycle-level simulator.

Pipeline: check the mapping against its architecture -> price components
(``pimsim.components``) -> lower to a task program for ``batch`` queries
(``pimsim.program``) -> run the Numba event kernel (``pimsim.engine``) ->
report (``pimsim.report``), optionally a Chrome trace.  ``latency_cycles`` is
one query simulated alone; throughput, energy and utilization come from the
stream of ``batch`` queries.  ``simulate_duration(mapping, duration_ms)`` sizes
the stream so that queries are still in flight after ``duration_ms`` of
simulated time and counts the completions within it (pimsim-nn's ``sim_time``).
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import dataclass

import numpy as np

from pimsim.report.figures import ChipFacts
from pimsim.report.model import Report
from pimsim.report.throughput import completion_cycles, completions_within, steady_state
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping, check_mapping_once
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


PILOT_MAX_PERIOD = 128
"""Replica periods longer than this are not followed whole by the pilot of ``duration_batch`` (the estimate
may then run short, and ``simulate_duration`` doubles the stream)."""


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

    check_mapping_once(mapping, source)
    check_mapping_limits(mapping, source)
    try:
        stream, _ = lower_mapping(mapping, Costs.of(mapping.arch), 1, source)
    except OverflowError:
        raise SpecError(source, "a duration or energy of one query overflows 64-bit integers: a latency, count or "
                                "size in the mapping or its architecture is out of range") from None
    one = stream.tasks  # one query: its template (no credit edges)
    per_query = one.n_tasks
    memory = per_query * (batch + 1) * BYTES_PER_TASK + per_query * min(trace_queries, batch) * TRACE_BYTES_PER_TASK
    seq_bits = max(1, int((one.n_tasks + one.n_edges) * batch + 1).bit_length())
    horizon = one.horizon_cycles() * batch
    return SimulationEstimate(memory, horizon, 62 - seq_bits)


def run_stream(mapping: Mapping, costs, batch: int, source: str, single_finish=None, keep_queries: int = 0):
    """Lower and simulate ``batch`` queries; returns (stream, table, result).  ``single_finish``: finish cycles of
    the one-query run, which set the stream's buffer credits (simulated when not given); ``keep_queries``: the
    first queries whose every task's times the result keeps (``pimsim.engine.kernel.StreamResult``)."""
    from pimsim.engine.kernel import simulate_stream
    from pimsim.program.build import lower_mapping

    stream, table = lower_mapping(mapping, costs, batch, source, single_finish)
    result = simulate_stream(stream.tasks, keep_queries)
    unrun = stream.tasks.n_tasks - result.finished
    if unrun:
        raise RuntimeError(f"{source}: {unrun} tasks never ran (dependency cycle in the lowered program)")
    return stream, table, result


def simulate(mapping: Mapping, batch: int = 1, trace_path=None, trace_queries: int = DEFAULT_TRACE_QUERIES,
             source: str | None = None, duration_cycles: int | None = None) -> Report:
    """Simulate ``batch`` queries of ``mapping``; with ``duration_cycles`` also count the completions within it.

    The engine keeps every task's times only for the single-query run and, with a trace, the traced queries;
    of the stream it keeps per query its first start and last finish, and the critical query's tasks.

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
    check_mapping_once(mapping, source)
    arch = mapping.arch
    _refuse_unsimulated(arch, source)
    costs = Costs.of(arch)
    one = run_stream(mapping, costs, 1, source, keep_queries=1)
    single_finish = one[2].kept(0)[1][:one[0].tasks.n_tasks]
    traced = trace_queries if trace_path is not None else 0
    stream, table, result = one if batch == 1 else run_stream(mapping, costs, batch, source, single_finish, traced)
    makespan = int(result.last_finish.max(initial=0))
    completions = completion_cycles(result.last_finish)
    rollup = area_rollup(arch)
    makespan_ns = cycles_to_ns(makespan, arch.clock_mhz)
    active = summary.tile_active_ns(table, result, arch.clock_mhz) if arch.chip.power_gating == "idle" else None
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
        latency_cycles=int(single_finish.max(initial=0)), makespan_cycles=makespan,
        energy_breakdown_pj=energy, leakage_mw=leak_mw, area_mm2=rollup.chip_area_mm2,
        area_breakdown_mm2=rollup.breakdown_area_mm2(), busy_cycles=busy,
        utilization=summary.utilization(busy, arch, makespan), events=result.events,
        wall_s=time.perf_counter() - t0, tasks=stream.tasks.n_tasks,
        tiles_used=len(tiles_used(mapping)), tiles_total=arch.chip.tiles,
        occupied_area_mm2=occupied_area_mm2(mapping, rollup),
        operators=summary.operator_spans(one[0], one[2], mapping),
        busiest=summary.busiest_resources(stream, table, makespan),
        static_breakdown_pj=static.by_role_pj, power_gating=arch.chip.power_gating,
        compute_area_mm2=rollup.compute_area_mm2,
        operator_records=summary.operator_records(stream, result, mapping),
        critical_query=result.critical_query,
        steady=steady_state(completions, len(stream.templates)), duration_cycles=duration_cycles,
        duration_completions=None if duration_cycles is None else completions_within(completions, duration_cycles),
        memory_bytes=array_bytes(stream, result), peak_rss_bytes=peak_rss_bytes(),
    )


def chip_facts(arch) -> ChipFacts:
    """The chip of ``arch`` itself (``pimsim.report.figures.ChipFacts``): clock, area and whole-chip leakage from
    the roll-up (``pimsim.components.rollup``), crossbars, and the I/O link's energy per bit moved."""
    from pimsim.components.network import build_io_link
    from pimsim.components.rollup import area_rollup

    rollup = area_rollup(arch)
    # the link is chip-level (one per chip, whatever its tile kinds): priced alone, not through a kind's set
    return ChipFacts(clock_mhz=float(arch.clock_mhz), area_mm2=float(rollup.chip_area_mm2),
                     leakage_mw=float(rollup.chip_leakage_mw), crossbars_per_chip=int(arch.crossbars_per_chip),
                     io_link_pj_per_bit=float(build_io_link(arch).energy_pj("transfer_bit")))


def array_bytes(stream, result) -> int:
    """Bytes of the run's arrays: the stream's tasks (templates and credit edges), the kernel's buffers at the end
    of the run (per-query slots for the queries in flight, queues, heaps; ``StreamResult.buffer_bytes``) and
    what it returns (per query its first start and last finish, the kept queries' and the critical query's
    task times, per resource its first start and last finish)."""
    held = [getattr(stream.tasks, f) for f in stream.tasks.__dataclass_fields__]
    held = [a for a in held if isinstance(a, np.ndarray)]
    held += [stream.query_offset, result.first_start, result.last_finish, result.kept_start, result.kept_finish,
             result.critical_start, result.critical_finish, result.resource_first_start, result.resource_last_finish]
    return int(sum(a.nbytes for a in held)) + result.buffer_bytes


def peak_rss_bytes() -> int:
    """The process's peak resident memory so far (Linux ``ru_maxrss`` is in KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def duration_batch(mapping: Mapping, duration_cycles: int, source: str = "mapping") -> int:
    """Queries a stream needs to still have one in flight after ``duration_cycles``.

    From a pilot stream of ``2P + 2`` queries (``P`` the replica period, at most ``PILOT_MAX_PERIOD``; at least
    8 queries): its steady interval ``II`` and the single-query latency ``L`` (a lower bound of the first
    completion, so the estimate errs toward a longer stream); the window then holds about ``(T - L) / II + 1``
    completions.  The estimate gets 10 % and one replica period of margin; :func:`simulate_duration` doubles it
    if the stream still ran dry (a steady state slower to settle than the pilot showed).
    """
    period = min(_replica_period(mapping), PILOT_MAX_PERIOD)
    pilot_n = max(8, 2 * period + 2)
    pilot = simulate(mapping, batch=pilot_n, trace_path=None, source=source)
    if pilot.steady is None:
        raise SpecError(source, "the stream's queries all complete at once: no completion rate to simulate")
    first = pilot.latency_cycles
    estimate = max(0.0, duration_cycles - first) / pilot.steady.interval_cycles + 1
    return int(math.ceil(estimate * 1.1)) + period + 1


def simulate_duration(mapping: Mapping, duration_cycles: int, max_batch: int, source: str = "mapping",
                      batch: int | None = None, **kwargs) -> Report:
    """Simulate a saturated stream for ``duration_cycles`` of simulated time (queries offered back to back).

    The stream's length comes from :func:`duration_batch` (or ``batch``); if every query completed within the
    window the stream ran dry and the count would measure the stream, not the hardware: it is doubled and
    simulated again, up to ``max_batch`` queries (then a SpecError naming the limit).
    """
    n = batch or duration_batch(mapping, duration_cycles, source)
    while True:
        if n > max_batch:
            raise SpecError("--duration-ms", f"needs more than {max_batch} queries in flight; use a shorter duration")
        report = simulate(mapping, batch=n, source=source, duration_cycles=duration_cycles, **kwargs)
        assert report.duration_completions is not None  # counted whenever duration_cycles is given
        if report.duration_completions < n:
            return report
        n *= 2


def _replica_period(mapping: Mapping) -> int:
    """The stream's period (``lower_mapping``: lcm of the operators' copy groups), unbounded by a batch."""
    from pimsim.program.build import copy_groups
    from pimsim.program.stream import replica_period

    return replica_period(copy_groups(mapping), 1 << 62)


def _refuse_unsimulated(arch, source: str) -> None:
    """Architecture features the roll-up prices but the event program does not execute yet: an error, not a
    silently ignored field (issue 17; the execution model takes them in a later phase)."""
    from pimsim.components.catalog import features_not_simulated
    from pimsim.spec.errors import SpecError

    pending = features_not_simulated(arch)
    if pending:
        raise SpecError(source, f"{pending[0]}: not executed by the simulator yet (priced by `pimsim area`)")
