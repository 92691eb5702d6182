"""Turn an engine run into report quantities: energy by component, busy time and utilization, area.

Energy conservation by construction: the breakdown sums every task's energy
(per component) over all queries, plus ``leakage = chip leakage_mw x
makespan``; the trace writer uses the same per-task energies.
"""

from __future__ import annotations

import numpy as np

from pimsim.cost.area import rollup_leakage_mw
from pimsim.program.resources import instances_on_chip
from pimsim.spec.units import cycles_to_ns, energy_pj_from_power


def queries_per_template(stream) -> np.ndarray:
    batch = stream.query_offset.size - 1
    return np.bincount(np.arange(batch) % len(stream.templates), minlength=len(stream.templates))


def dynamic_energy_pj(stream) -> dict[str, float]:
    """Component role -> pJ summed over every task of every query."""
    out: dict[str, float] = {}
    for tpl, count in zip(stream.templates, queries_per_template(stream)):
        for energies in tpl.energy:
            for role, pj in energies.items():
                out[role] = out.get(role, 0.0) + pj * int(count)
    return out


CHILD_CLASSES = {"adc": "adc", "shift-add": "shift_add"}
"""Sub-phases of crossbar tasks that report as their own resource class."""


def busy_by_class(stream, table) -> dict[str, int]:
    """Resource class -> busy server-cycles.

    ``adc`` and ``shift_add`` come from the sub-phases of crossbar tasks and of
    their ADC drain tasks (counted once, as phases): all ADCs of a crossbar
    convert together, so one crossbar-cycle of conversion is
    ``adc.per_crossbar`` ADC-cycles and utilization divides by
    ``crossbars_per_chip`` (the factor cancels); the shift-and-add phase
    occupies one PE shift-and-add unit.
    """
    prog = stream.program
    has = prog.task_res >= 0
    per_res = np.bincount(prog.task_res[has], weights=prog.task_dur[has], minlength=len(table.keys))
    out: dict[str, int] = {cls: 0 for cls in CHILD_CLASSES.values()}
    for rid, busy in enumerate(per_res):
        cls = table.keys[rid][0]
        if cls not in CHILD_CLASSES.values():  # the ADC drain tasks: counted by their phases below
            out[cls] = out.get(cls, 0) + int(busy)
    for tpl, count in zip(stream.templates, queries_per_template(stream)):
        for kids in tpl.children.values():
            for _, dur, name in kids:
                if name in CHILD_CLASSES:
                    out[CHILD_CLASSES[name]] += int(count) * dur
    return out


def busiest_resources(stream, table, makespan_cycles: int, top: int = 10) -> list[tuple[str, int, float]]:
    """(resource name, busy server-cycles, utilization of its servers) of the ``top`` busiest resources:
    the first is the stream's bottleneck candidate."""
    prog = stream.program
    has = prog.task_res >= 0
    per_res = np.bincount(prog.task_res[has], weights=prog.task_dur[has], minlength=len(table.keys))
    cap = np.asarray(table.capacity, np.float64)
    util = per_res / (cap * max(makespan_cycles, 1))
    order = np.lexsort((np.arange(util.size), -util))[:top]
    return [(table.name(int(r)), int(per_res[r]), float(util[r])) for r in order]


def utilization(busy: dict[str, int], arch, makespan_cycles: int) -> dict[str, float]:
    servers = instances_on_chip(arch)
    servers["adc"] = arch.crossbars_per_chip  # see busy_by_class: in crossbar-cycles of conversion
    if makespan_cycles <= 0:
        return {cls: 0.0 for cls in servers}
    return {cls: busy.get(cls, 0) / (n * makespan_cycles) for cls, n in servers.items()}


chip_leakage_mw = rollup_leakage_mw
"""The chip's static power from its components and roll-up (``pimsim.cost.area``, shared with the mapper)."""


def leakage_energy_pj(leakage_mw: float, makespan_cycles: int, clock_mhz: float) -> float:
    return energy_pj_from_power(leakage_mw, cycles_to_ns(makespan_cycles, clock_mhz))


def operator_spans(stream, result, mapping) -> list[tuple[str, int, int]]:
    """(name, start, finish) cycles of every operator of query 0."""
    tpl = stream.templates[0]
    off = int(stream.query_offset[0])
    start, finish = result["start_cycles"], result["finish_cycles"]
    return [(op.name, int(start[off + tpl.entry[oi]]), int(finish[off + tpl.exit[oi]]))
            for oi, op in enumerate(mapping.operators)]
