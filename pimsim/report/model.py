"""The simulation report: one frozen record, converted to the stable ``--json`` contract.

Inside it, time is integer cycles and energy pJ (as the engine produced
them); ns, s and mW are derived here through ``pimsim.spec.units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pimsim.report.figures import Figures
from pimsim.report.throughput import SteadyState
from pimsim.spec.units import cycles_to_ns, per_s_from_ns, power_mw_from_energy

JSON_KEYS = ("latency_ns", "latency_cycles", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw",
             "area_mm2", "occupied_area_mm2", "tiles_used", "tiles_total", "energy_breakdown_pj", "area_breakdown_mm2",
             "stats", "utilization", "energy_dynamic_per_inference_pj", "energy_static_per_inference_pj",
             "static_energy_breakdown_pj", "power_dynamic_mw", "power_static_mw", "power_gating", "compute_area_mm2",
             "throughput_steady_inferences_per_s", "throughput_duration_inferences_per_s")
"""The ``pimsim run --json`` contract (foundation issue plus ``utilization``, the occupancy figures that
``pimsim compare`` needs: ``occupied_area_mm2``, ``tiles_used``, ``tiles_total``, and the dynamic/static split of
issue 17: ``energy_breakdown_pj`` keeps one ``leakage`` entry, the static total, so it still sums to
``energy_per_inference_pj``; ``static_energy_breakdown_pj`` splits that static total by component role; and the
peer-style rates of issue 18, ``pimsim.report.throughput``: steady state after the fill, and completions within
``--duration-ms``, each ``null`` when undefined: a batch of 1, or no duration given)."""


@dataclass(frozen=True)
class Report:
    """Results of simulating ``batch`` queries of one mapping.

    Attributes
    ----------
    latency_cycles : int
        One query alone, first input bit in to last output bit out.
    makespan_cycles : int
        The whole stream of ``batch`` queries.
    energy_breakdown_pj : dict
        Component role -> dynamic pJ over the whole run, plus ``leakage``: the static energy.
    busy_cycles : dict
        Resource class -> busy server-cycles over the run.
    utilization : dict
        Resource class -> busy server-cycles / (servers on chip x makespan).
    leakage_mw : float
        Static power averaged over the run: leakage of the powered components (``chip.power_gating``).
    static_breakdown_pj : dict
        Component role -> static pJ over the whole run (sums to ``energy_breakdown_pj['leakage']``).
    tiles_used, tiles_total : int
        Tiles holding an operator, weights or a shared product (``pimsim.spec.occupancy``), and the chip's tiles.
    occupied_area_mm2 : float
        Chip-level parts plus the used tiles (``pimsim.report.compare.occupied_area_mm2``).
    operators : list of (name, start_cycles, finish_cycles)
        Per-operator span of the single-query run.
    operator_records : list of pimsim.report.summary.OperatorRecord
        Per operator: kind, tiles, copies, span on the critical query, busy cycles and energy per inference.
    critical_query : int
        The query of the stream with the longest latency (the one ``operator_records`` spans are taken from).
    busiest : list of pimsim.report.figures.ResourceLoad
        The most utilized individual resources of the stream (bottleneck first): name, busy_cycles,
        utilization, resource class and place.
    steady : pimsim.report.throughput.SteadyState or None
        The completions the steady-state rate counts (None for one query).
    duration_cycles, duration_completions : int or None
        With ``--duration-ms``: the simulated window in cycles and the queries completed within it.
    memory_bytes : int
        Bytes of the arrays the run allocated (lowered stream, engine program, kernel state and results):
        deterministic, it grows with tasks x queries; the process's measured peak is in ``peak_rss_bytes``.
    peak_rss_bytes : int
        The process's peak resident memory when the report was made (``ru_maxrss``); machine-dependent,
        so shown in the text report only, not in ``--json``.
    """

    mapping_name: str
    arch_name: str
    clock_mhz: float
    batch: int
    latency_cycles: int
    makespan_cycles: int
    energy_breakdown_pj: dict
    leakage_mw: float
    area_mm2: float
    area_breakdown_mm2: dict
    busy_cycles: dict
    utilization: dict
    events: int
    wall_s: float
    tasks: int
    tiles_used: int | None = None
    tiles_total: int | None = None
    occupied_area_mm2: float | None = None
    operators: list = field(default_factory=list)
    busiest: list = field(default_factory=list)
    static_breakdown_pj: dict = field(default_factory=dict)
    power_gating: str = "none"
    compute_area_mm2: float | None = None
    """Chip area without the I/O link (``pimsim.components.rollup``)."""
    operator_records: list = field(default_factory=list)  # pimsim.report.summary.OperatorRecord
    critical_query: int = 0
    steady: SteadyState | None = None
    duration_cycles: int | None = None
    duration_completions: int | None = None
    memory_bytes: int = 0
    peak_rss_bytes: int = 0

    @property
    def latency_ns(self) -> float:
        return cycles_to_ns(self.latency_cycles, self.clock_mhz)

    @property
    def makespan_ns(self) -> float:
        return cycles_to_ns(self.makespan_cycles, self.clock_mhz)

    @property
    def energy_total_pj(self) -> float:
        return sum(self.energy_breakdown_pj.values())

    @property
    def energy_per_inference_pj(self) -> float:
        return self.energy_total_pj / self.batch

    @property
    def energy_breakdown_per_inference_pj(self) -> dict:
        """The breakdown divided by the batch, so it sums to ``energy_per_inference_pj``."""
        return {role: pj / self.batch for role, pj in sorted(self.energy_breakdown_pj.items())}

    @property
    def throughput_inferences_per_s(self) -> float:
        """Queries completed per second over the whole stream (pipeline fill included)."""
        return self.batch * per_s_from_ns(self.makespan_ns)

    @property
    def throughput_steady_inferences_per_s(self) -> float | None:
        """Completions per second after the pipeline filled (``pimsim.report.throughput``); None for one query."""
        if self.steady is None:
            return None
        return per_s_from_ns(cycles_to_ns(self.steady.interval_cycles, self.clock_mhz))

    @property
    def throughput_duration_inferences_per_s(self) -> float | None:
        """Completions within ``--duration-ms`` per second of it; None without a duration."""
        if self.duration_cycles is None or self.duration_completions is None:
            return None
        return self.duration_completions * per_s_from_ns(cycles_to_ns(self.duration_cycles, self.clock_mhz))

    @property
    def power_mw(self) -> float:
        """Average power over the stream at the simulated rate: all energy (dynamic + static) / makespan."""
        return power_mw_from_energy(self.energy_total_pj, self.makespan_ns)

    @property
    def energy_static_pj(self) -> float:
        return self.energy_breakdown_pj.get("leakage", 0.0)

    @property
    def energy_dynamic_pj(self) -> float:
        return self.energy_total_pj - self.energy_static_pj

    @property
    def power_static_mw(self) -> float:
        return power_mw_from_energy(self.energy_static_pj, self.makespan_ns)

    @property
    def power_dynamic_mw(self) -> float:
        return power_mw_from_energy(self.energy_dynamic_pj, self.makespan_ns)

    @property
    def energy_io_link_per_inference_pj(self) -> float:
        """Dynamic energy of the chip I/O link (graph inputs in, outputs out) per inference."""
        return self.energy_breakdown_pj.get("io_link", 0.0) / self.batch

    @property
    def energy_on_chip_dynamic_per_inference_pj(self) -> float:
        """Dynamic energy per inference without the chip I/O link: what the chip's own components spent."""
        return sum(pj / self.batch for role, pj in self.energy_breakdown_pj.items() if role not in ("io_link", "leakage"))

    def figures(self) -> Figures:
        """The headline figures per inference as one typed record (the ``--json`` keys of the same names)."""
        return Figures(latency_ns=self.latency_ns, throughput_inferences_per_s=self.throughput_inferences_per_s,
                       energy_per_inference_pj=self.energy_per_inference_pj,
                       energy_dynamic_per_inference_pj=self.energy_dynamic_pj / self.batch,
                       energy_static_per_inference_pj=self.energy_static_pj / self.batch,
                       power_mw=self.power_mw, area_mm2=self.area_mm2)

    def to_json_dict(self, operators: bool = False) -> dict:
        """The stable contract; with ``operators`` (``pimsim run --json``) also the model's name and the
        per-operator records."""
        fig = self.figures()
        out: dict[str, Any] = {
            "latency_ns": fig.latency_ns,
            "latency_cycles": self.latency_cycles,
            "throughput_inferences_per_s": fig.throughput_inferences_per_s,
            "energy_per_inference_pj": fig.energy_per_inference_pj,
            "power_mw": fig.power_mw,
            "area_mm2": fig.area_mm2,
            "occupied_area_mm2": self.occupied_area_mm2,
            "tiles_used": self.tiles_used,
            "tiles_total": self.tiles_total,
            # Per inference, like energy_per_inference_pj, so the breakdown sums to it.
            "energy_breakdown_pj": self.energy_breakdown_per_inference_pj,
            "area_breakdown_mm2": dict(sorted(self.area_breakdown_mm2.items())),
            "stats": {"events": self.events, "wall_s": self.wall_s, "tasks": self.tasks, "batch": self.batch,
                      "makespan_cycles": self.makespan_cycles, "critical_query": self.critical_query,
                      "memory_bytes": self.memory_bytes,
                      "steady_fill_completions": None if self.steady is None else self.steady.fill_completions,
                      "steady_completions": None if self.steady is None else self.steady.counted,
                      "steady_span_cycles": None if self.steady is None else self.steady.span_cycles,
                      "duration_cycles": self.duration_cycles, "duration_completions": self.duration_completions},
            "utilization": dict(sorted(self.utilization.items())),
            "energy_dynamic_per_inference_pj": fig.energy_dynamic_per_inference_pj,
            "energy_static_per_inference_pj": fig.energy_static_per_inference_pj,
            "static_energy_breakdown_pj": {k: v / self.batch for k, v in sorted(self.static_breakdown_pj.items())},
            "power_dynamic_mw": self.power_dynamic_mw,
            "power_static_mw": self.power_static_mw,
            "power_gating": self.power_gating,
            "compute_area_mm2": self.area_mm2 if self.compute_area_mm2 is None else self.compute_area_mm2,
            "throughput_steady_inferences_per_s": self.throughput_steady_inferences_per_s,
            "throughput_duration_inferences_per_s": self.throughput_duration_inferences_per_s,
        }
        if operators:
            out["model"] = self.mapping_name
            out["operators"] = [r.to_json_dict() for r in self.operator_records]
        return out
