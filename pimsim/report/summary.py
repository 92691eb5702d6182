"""Turn an engine run into report quantities: energy by component, busy time and utilization, area.

Energy conservation by construction: the breakdown sums every task's energy
(per component) over all queries (dynamic), plus the static energy
``leakage`` of :func:`static_energy`; the trace writer uses the same per-task
energies.

Static energy (``chip.power_gating``; leakage per instance from the
component models, counts and kinds from ``pimsim.components.rollup``):

    E_static = sum_roles leakage_mw x instances x powered time (ns)        (mW x ns = pJ)

- chip-level roles (I/O link, global buffer, chip extras, unshared router
  rest) and every tile's router share: powered for the whole makespan;
- a tile's other roles (its PEs included), tile t: effective powered time
      none:          T
      unused_tiles:  T if t is used (``pimsim.spec.occupancy.tiles_used``), else r x T
      idle:          on_t + r x (T - on_t) for a used tile, r x T otherwise
  with T the makespan, r = ``GATED_LEAKAGE_FRACTION`` (0.1: a gated domain
  still leaks a tenth) and on_t the span from the first task on tile t to
  its last.  ``unused_tiles`` removes exactly (1 - r) x the unused tiles'
  gateable leakage x T.  The costs of gating are the sleep-switch area in the
  roll-up, the residual leakage here and, for ``idle``, the switching energy of
  each used tile's off period (role ``power_gating``):
      E_switch,t = (1 - r) x P_gateable,t x min(T_BE, T - on_t)
  with T_BE = ``BREAK_EVEN_CYCLES`` clock cycles, the break-even time (Hu et
  al., ISLPED 2004): switching a domain off and on costs what it saves in T_BE
  of sleep.  An off period shorter than T_BE is not worth gating and the tile
  stays on (the min: it then leaks the full T).  The wake-up latency is not in
  the timing: a tile is never gated between its tasks (on_t spans all of
  them), and its one switch-on is assumed issued ahead of its first task from
  the data-independent schedule; that fails for a tile busy from the run's
  start and for queries arriving at unknown times (docs/hardware-model.md §7).

It depends only on the makespan, the mapping's used tiles and, for
``idle``, each tile's first and last task: not on the event program's
internals.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from pimsim.program.resources import instances_on_chip
from pimsim.report.figures import ResourceLoad
from pimsim.program.stream import template_arrays
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
"""Sub-phases of crossbar tasks (``pimsim.program.template.SlicePhases``) that report as their own resource class."""


def busy_by_class(stream, table) -> dict[str, int]:
    """Resource class -> busy server-cycles.

    ``adc`` and ``shift_add`` come from the sub-phases of crossbar tasks and of
    their ADC drain tasks (counted once, as phases): all ADCs of a crossbar
    convert together, so one crossbar-cycle of conversion is
    ``adc.per_crossbar`` ADC-cycles and utilization divides by
    ``crossbars_per_chip`` (the factor cancels); the shift-and-add phase
    occupies one PE shift-and-add unit.
    """
    per_res = busy_per_resource(stream, len(table.keys))
    out: dict[str, int] = {cls: 0 for cls in CHILD_CLASSES.values()}
    for key, busy in zip(table.keys, per_res.tolist()):
        cls = key[0]
        if cls not in CHILD_CLASSES.values():  # the ADC drain tasks: counted by their phases below
            out[cls] = out.get(cls, 0) + int(busy)
    for tpl, count in zip(stream.templates, queries_per_template(stream)):
        arrays = template_arrays(tpl)
        out["adc"] += int(count) * arrays.adc_cycles
        out["shift_add"] += int(count) * arrays.shift_add_cycles
    return out


def busy_per_resource(stream, n_resources: int) -> np.ndarray:
    """Busy server-cycles per resource (float64[n_resources], whole numbers): each template's task durations per
    resource times the queries that run it (exact below 2**53 cycles)."""
    out = np.zeros(n_resources)
    for tpl, count in zip(stream.templates, queries_per_template(stream)):
        a = template_arrays(tpl)
        has = a.res >= 0
        out += int(count) * np.bincount(a.res[has], weights=a.dur[has], minlength=n_resources)
    return out


def busiest_resources(stream, table, makespan_cycles: int, top: int = 10) -> list[ResourceLoad]:
    """The ``top`` busiest resources (name, busy server-cycles, utilization of its servers, class, place):
    the first is the stream's bottleneck candidate."""
    per_res = busy_per_resource(stream, len(table.keys))
    cap = np.asarray(table.capacity, np.float64)
    util = per_res / (cap * max(makespan_cycles, 1))
    order = np.lexsort((np.arange(util.size), -util))[:top]
    return [ResourceLoad(table.name(int(r)), int(per_res[r]), float(util[r]), table.keys[int(r)][0],
                         tuple(table.keys[int(r)][1:])) for r in order]


def utilization(busy: dict[str, int], arch, makespan_cycles: int) -> dict[str, float]:
    servers = instances_on_chip(arch)
    servers["adc"] = arch.crossbars_per_chip  # see busy_by_class: in crossbar-cycles of conversion
    if makespan_cycles <= 0:
        return {cls: 0.0 for cls in servers}
    return {cls: busy.get(cls, 0) / (n * makespan_cycles) for cls, n in servers.items()}


def leakage_energy_pj(leakage_mw: float, makespan_cycles: int, clock_mhz: float) -> float:
    return energy_pj_from_power(leakage_mw, cycles_to_ns(makespan_cycles, clock_mhz))


def tile_active_ns(table, result, clock_mhz: float) -> dict[int, float]:
    """Tile -> ns from its first task's start to its last task's finish (tasks on resources of that tile), from
    each resource's first start and last finish (``pimsim.engine.kernel.StreamResult``)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for rid, (s, f) in enumerate(zip(result.resource_first_start.tolist(), result.resource_last_finish.tolist())):
        tile = table.tile_of(rid)
        if tile is None or s < 0:
            continue
        first[tile] = min(first.get(tile, s), s)
        last[tile] = max(last.get(tile, f), f)
    return {t: cycles_to_ns(last[t] - first[t], clock_mhz) for t in first}


BREAK_EVEN_CYCLES = 14
"""Power-gating break-even time T_BE, clock cycles: the constant BET of prior GPU power-gating studies (Warped
Gates, Abdel-Majeed et al., MICRO 2013), as stated by Zamani et al., "ICAP: Designing Inrush Current Aware Power
Gating Switch for GPGPU" (UC Riverside), which finds realistic per-unit BETs differ from it; the break-even
definition is Hu et al., "Microarchitectural techniques for power gating of execution units", ISLPED 2004.  An
execution-unit figure applied to a whole tile: an assumption (a tile with large SRAM buffers may break even later)."""


@dataclass(frozen=True)
class StaticEnergy:
    """Static (leakage) energy of one run, by component role, and what was powered."""

    by_role_pj: dict
    makespan_ns: float
    power_gating: str
    tiles_used: int
    tiles_gated: int

    @property
    def total_pj(self) -> float:
        return float(sum(self.by_role_pj.values()))

    @property
    def average_power_mw(self) -> float:
        """Static power averaged over the run, mW (0 for an empty run)."""
        return self.total_pj / self.makespan_ns if self.makespan_ns > 0 else 0.0


def _effective_tile_ns(arch, makespan_ns: float, used: AbstractSet[int], active: dict[int, float] | None) -> list[float]:
    from pimsim.components.rollup import GATED_LEAKAGE_FRACTION as r

    mode = arch.chip.power_gating
    if mode == "none":
        return [makespan_ns] * arch.chip.tiles
    if mode == "idle" and active is None:
        raise ValueError("power_gating=idle needs each tile's active span (tile_active_ns)")
    out = []
    for t in range(arch.chip.tiles):
        if t not in used:
            out.append(r * makespan_ns)
            continue
        on = makespan_ns if mode == "unused_tiles" or active is None else min(active.get(t, 0.0), makespan_ns)
        out.append(on + r * (makespan_ns - on))
    return out


def static_energy(arch, rollup, makespan_ns: float, used: AbstractSet[int],
                  active_ns: dict[int, float] | None = None) -> StaticEnergy:
    """Static energy of a run of ``makespan_ns`` on ``arch`` (module docstring equations)."""
    bad = sorted(t for t in used if not 0 <= t < arch.chip.tiles)
    if bad:
        raise ValueError(f"tiles {bad[:5]} used by the mapping are not on the chip (0..{arch.chip.tiles - 1})")
    eff = _effective_tile_ns(arch, makespan_ns, used, active_ns)
    kind_ns = {k.name: sum(eff[k.first_tile:k.first_tile + k.tiles]) for k in rollup.kinds}
    pes = {k.name: k.pes for k in rollup.kinds}
    out: dict[str, float] = {}
    for row in rollup.rows:
        if row.level == "chip" or row.role == "router":
            pj = row.chip_count * row.leakage_mw_each * makespan_ns
        else:
            per_tile = row.count * (pes[row.kind] if row.level == "pe" else 1)
            pj = per_tile * row.leakage_mw_each * kind_ns[row.kind]
        out[row.role] = out.get(row.role, 0.0) + pj
    if arch.chip.power_gating == "idle":
        out["power_gating"] = out.get("power_gating", 0.0) + switching_pj(arch, rollup, makespan_ns, used, active_ns)
    gated = 0 if arch.chip.power_gating == "none" else arch.chip.tiles - len(used)
    return StaticEnergy({k: v for k, v in sorted(out.items()) if v > 0}, makespan_ns, arch.chip.power_gating,
                        len(used), gated)


def switching_pj(arch, rollup, makespan_ns: float, used: AbstractSet[int], active_ns: dict[int, float] | None) -> float:
    """``idle`` gating: sum over used tiles of (1 - r) x gateable leakage x min(T_BE, off time) (module docstring)."""
    if active_ns is None:
        raise ValueError("power_gating=idle needs each tile's active span (tile_active_ns)")
    from pimsim.components.rollup import GATED_LEAKAGE_FRACTION as r

    be_ns = cycles_to_ns(BREAK_EVEN_CYCLES, arch.clock_mhz)
    total = 0.0
    for k in rollup.kinds:
        for t in sorted(u for u in used if k.first_tile <= u < k.first_tile + k.tiles):
            off = makespan_ns - min(active_ns.get(t, 0.0), makespan_ns)
            total += (1.0 - r) * k.gateable_leakage_mw * min(be_ns, off)
    return total


def operator_spans(stream, result, mapping) -> list[tuple[str, int, int]]:
    """(name, start, finish) cycles of every operator of query 0 (kept by the run)."""
    tpl = stream.templates[0]
    start, finish = result.kept(0)
    return [(op.name, int(start[tpl.entry[oi]]), int(finish[tpl.exit[oi]])) for oi, op in enumerate(mapping.operators)]


@dataclass(frozen=True)
class OperatorRecord:
    """One operator of the run (``pimsim run --json``'s ``operators``).

    ``start_cycles``/``end_cycles``: its span on the critical query (the query of the stream with the longest
    latency, first task start to last task finish); ``busy_cycles`` and ``energy_pj`` (dynamic, by component
    role): per inference, i.e. summed over every query of the run and divided by the batch, as
    ``energy_breakdown_pj`` is (graph input/output transfers belong to no operator; leakage to none either).
    ``tiles``: its home tile and every tile holding one of its crossbar blocks; ``copies``: its replicas.
    """

    name: str
    op_type: str
    kind: str
    tiles: tuple[int, ...]
    copies: int
    start_cycles: int
    end_cycles: int
    busy_cycles: float
    energy_pj: dict[str, float]

    def to_json_dict(self) -> dict:
        return {"name": self.name, "op_type": self.op_type, "kind": self.kind, "tiles": list(self.tiles),
                "copies": self.copies, "start_cycles": self.start_cycles, "end_cycles": self.end_cycles,
                "busy_cycles": self.busy_cycles, "energy_pj": dict(sorted(self.energy_pj.items()))}


def operator_records(stream, result, mapping) -> list[OperatorRecord]:
    """Per-operator spans on the critical query, busy cycles and dynamic energy per inference."""
    batch = stream.query_offset.size - 1
    q = result.critical_query  # the query with the longest latency, first task start to last task finish
    tpl = stream.templates[q % len(stream.templates)]
    start, finish = result.critical_start, result.critical_finish
    n_ops = len(mapping.operators)
    busy = np.zeros(n_ops)
    energy: list[dict[str, float]] = [{} for _ in range(n_ops)]
    for t, count in zip(stream.templates, queries_per_template(stream)):
        count = int(count)  # a Python int: NumPy scalar arithmetic in this loop cost 0.4 s on VGG-8's 8,305 tasks
        op_ids = np.asarray(t.op, np.int64)
        on_hw = (op_ids >= 0) & (np.asarray(t.res) >= 0)
        busy += count * np.bincount(op_ids[on_hw], weights=np.asarray(t.dur, np.float64)[on_hw], minlength=n_ops)
        for op, pj in zip(t.op, t.energy):
            if op < 0:
                continue
            acc = energy[op]
            for role, e in pj.items():
                acc[role] = acc.get(role, 0.0) + count * e
    records = []
    for oi, op in enumerate(mapping.operators):
        blocks = getattr(op, "blocks", [])
        records.append(OperatorRecord(
            name=op.name, op_type=op.op_type, kind=op.kind, tiles=tuple(sorted({op.tile, *(b.tile for b in blocks)})),
            copies=getattr(op, "replicas", 1), start_cycles=int(start[tpl.entry[oi]]),
            end_cycles=int(finish[tpl.exit[oi]]), busy_cycles=float(busy[oi] / batch),
            energy_pj={role: e / batch for role, e in energy[oi].items()}))
    return records
