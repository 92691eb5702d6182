"""Typed figures of a simulation for library callers (the search's hardware oracle, ``recsys_models.oracles``).

- :class:`Figures`: the headline numbers per inference of ``pimsim run --json`` (latency, throughput, energy with
  its dynamic/static split, power, area), as one record instead of dictionary keys; ``Report.figures`` makes it
  and ``Report.to_json_dict`` writes these keys from it, so the two cannot disagree.
- :class:`ResourceLoad`: one of the busiest resources of a run (``Report.busiest``) with its resource class and
  place as fields (``pimsim.program.resources.ResourceTable`` keys), so a caller never parses the printed name.
- :class:`ChipFacts`: what a composition of separately simulated parts needs from the chip itself.
- :func:`stream_figures`: the report's figures of a stream given by its parts (latency, makespan, dynamic energy
  per inference, whole-chip leakage), for a caller that composes a run from parts simulated alone.  The same
  equations as ``Report``'s properties: static energy = leakage x makespan (``energy_pj_from_power``), power =
  (dynamic + static) / makespan, throughput = batch / makespan; with every tile leaking for the whole makespan
  (``power_gating: none``), which is what ``Report`` computes for an ungated chip
  (``tests/pimsim/report/test_figures.py`` checks the two agree on a simulated run).

Units: cycles and pJ in, ns, s, mW, mm2 out, through ``pimsim.spec.units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pimsim.spec.units import cycles_to_ns, energy_pj_from_power, inferences_per_s_per_w, per_s_from_ns, \
    power_mw_from_energy


@dataclass(frozen=True)
class Figures:
    """Per-inference figures of one run (the ``pimsim run --json`` keys of the same names)."""

    latency_ns: float
    throughput_inferences_per_s: float
    energy_per_inference_pj: float
    energy_dynamic_per_inference_pj: float
    energy_static_per_inference_pj: float
    power_mw: float
    area_mm2: float

    @property
    def inferences_per_s_per_w(self) -> float:
        """Power efficiency: ``pimsim.spec.units.inferences_per_s_per_w`` (the definition ``pimsim compare``
        uses)."""
        return inferences_per_s_per_w(self.throughput_inferences_per_s, self.power_mw)


class ResourceLoad(NamedTuple):
    """One resource's load over a run: ``busy_cycles`` server-cycles, ``utilization`` of its servers over the
    makespan; ``resource_class`` one of ``pimsim.program.resources.RESOURCE_CLASSES`` and ``where`` the rest of
    its key (tile, PE, crossbar, or ``("in",)``/``("out",)`` for the two directions of the chip I/O link)."""

    name: str
    busy_cycles: int
    utilization: float
    resource_class: str
    where: tuple

    def cycles_per_query(self, makespan_cycles: int, batch: int) -> float:
        """Busy cycles per server per query: the period this resource alone allows a stream."""
        return self.utilization * makespan_cycles / batch


@dataclass(frozen=True)
class ChipFacts:
    """The chip itself: clock, area and leakage with every component powered (``pimsim.components.rollup``),
    crossbars, and the chip I/O link's energy per bit moved (``pimsim.components`` ``io_link``)."""

    clock_mhz: float
    area_mm2: float
    leakage_mw: float
    crossbars_per_chip: int
    io_link_pj_per_bit: float


def stream_figures(latency_cycles: float, makespan_cycles: float, dynamic_pj_per_inference: float,
                   leakage_mw: float, clock_mhz: float, area_mm2: float, batch: int) -> Figures:
    """Figures of ``batch`` queries that finish ``makespan_cycles`` after the first starts, one query alone taking
    ``latency_cycles``, spending ``dynamic_pj_per_inference`` each, on a chip leaking ``leakage_mw`` throughout
    (equations in the module docstring)."""
    makespan_ns = cycles_to_ns(makespan_cycles, clock_mhz)
    static_pj = energy_pj_from_power(leakage_mw, makespan_ns) / batch
    energy = dynamic_pj_per_inference + static_pj
    return Figures(latency_ns=cycles_to_ns(latency_cycles, clock_mhz),
                   throughput_inferences_per_s=batch * per_s_from_ns(makespan_ns),
                   energy_per_inference_pj=energy, energy_dynamic_per_inference_pj=dynamic_pj_per_inference,
                   energy_static_per_inference_pj=static_pj,
                   power_mw=power_mw_from_energy(energy * batch, makespan_ns), area_mm2=area_mm2)
