"""Chrome Trace Event JSON writer (opens in Perfetto and chrome://tracing).

Layout: ``pid`` = tile (plus one ``chip`` process for the I/O link, DRAM and
counters), ``tid`` = one server lane of one hardware resource, named through
``"ph": "M"`` metadata (``process_name``, ``thread_name``).  Every task is an
``X`` slice with ``ts``/``dur`` in microseconds (cycles / clock_mhz) and
``args`` holding the raw ``start_cycles``, ``dur_cycles``, ``query`` and the
task's ``energy_pj``; crossbar tasks contain nested ``read`` / ``adc`` child
slices (no energy of their own; the first ``CHILDREN_SHOWN`` of a task, then
one ``k more phases`` child covering the rest).  Resources with several servers (buffer
banks, shift-and-add units) get one lane per server so slices never overlap
on a track (Perfetto requires nesting).  Counters ``power_mw`` and
``energy_pj`` (cumulative, dynamic + leakage) sample the traced window.

Only the first ``queries`` queries are written (large batches make traces of
hundreds of MB); ``otherData`` says how many, and records the leakage energy
over the traced window so slice energies + leakage = traced energy.
"""

from __future__ import annotations

import json

import numpy as np

from pimsim.spec.io import atomic_write_text
from pimsim.spec.units import cycles_to_ns, cycles_to_us, energy_pj_from_power, power_mw_from_energy

COUNTER_SAMPLES = 200
CHILDREN_SHOWN = 64
"""Sub-phases (``read``/``adc``) written one by one per task; the rest of a longer run is one ``k more phases``
child spanning them.  A convolution block reads every output pixel's input slices: ResNet-18's first layer has
12,544 pixels x 8 slices per block, and writing each phase made a 2-query trace grow past 13 GB (issue 18)."""


def _lanes(rids: np.ndarray, start: np.ndarray, finish: np.ndarray) -> np.ndarray:
    """Server lane of each task: greedy by start time (optimal for intervals, never more than capacity)."""
    lane = np.zeros(rids.size, np.int64)
    ends: dict[int, list[int]] = {}
    for i in np.lexsort((finish, start)):
        slots = ends.setdefault(int(rids[i]), [])
        for k, end in enumerate(slots):
            if end <= start[i]:
                slots[k] = int(finish[i])
                lane[i] = k
                break
        else:
            slots.append(int(finish[i]))
            lane[i] = len(slots) - 1
    return lane


def trace_events(mapping, stream, table, result, queries: int, leakage_mw: float) -> dict:
    clock = mapping.arch.clock_mhz
    ids, res, start, finish = stream.kept_tasks(result, queries)  # every task of the traced queries
    on = np.nonzero(res >= 0)[0]
    ids, rids, s_on, f_on = ids[on], res[on], start[on], finish[on]
    energy = stream.task_energy_pj(ids)
    lanes = _lanes(rids, s_on, f_on)
    chip_pid = mapping.arch.chip.tiles
    events, slices, named = [], [], set()
    for j, i in enumerate(ids):
        rid = int(rids[j])
        tile = table.tile_of(rid)
        pid = chip_pid if tile is None else tile
        tid = rid * 64 + int(lanes[j])
        if (pid, tid) not in named:
            named.add((pid, tid))
            suffix = f" #{lanes[j]}" if table.capacity[rid] > 1 else ""
            events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                           "args": {"name": table.name(rid) + suffix}})
            events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid, "args": {"sort_index": tid}})
        slices.extend(_task_slices(stream, mapping, int(i), float(energy[j]), pid, tid, int(s_on[j]), int(f_on[j]),
                                   clock))
    # Per track in time order, a parent before the children that share its start (Perfetto nesting).
    slices.sort(key=lambda e: (e["pid"], e["tid"], e["args"]["start_cycles"], -e["args"]["dur_cycles"]))
    events.extend(slices)
    for pid in sorted({p for p, _ in named}):
        name = "chip (I/O, DRAM, counters)" if pid == chip_pid else f"tile {pid}"
        events.append({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": name}})
    end = int(finish.max(initial=0))
    events.extend(_counters(energy, s_on, f_on, end, leakage_mw, clock, chip_pid))
    leak = energy_pj_from_power(leakage_mw, cycles_to_ns(end, clock))
    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {
            "tool": "pimsim run", "model": mapping.model.name, "arch": mapping.arch.name,
            "arch_sha256": mapping.arch_sha256, "clock_mhz": clock, "time_unit": "us = cycles / clock_mhz",
            "batch": int(stream.query_offset.size - 1), "traced_queries": int(min(queries, stream.query_offset.size - 1)),
            "note": f"only the first {queries} queries of the stream are traced",
            "traced_window_cycles": end, "leakage_energy_pj": leak,
            "dynamic_energy_traced_pj": float(energy.sum()),
        },
    }


def _task_slices(stream, mapping, i, energy_pj, pid, tid, s, f, clock) -> list[dict]:
    query, pattern, loc = stream.locate(i)
    tpl = stream.templates[pattern]
    op = tpl.op[loc]
    name = f"{mapping.operators[op].name}: {tpl.phase[loc]}" if op >= 0 else tpl.phase[loc]
    cat = tpl.phase[loc].split()[0]
    out = [{"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid, "ts": cycles_to_us(s, clock),
            "dur": cycles_to_us(f - s, clock),
            "args": {"query": query, "start_cycles": s, "dur_cycles": f - s,
                     "energy_pj": energy_pj,
                     "energy_by_component_pj": {k: float(v) for k, v in sorted(tpl.energy[loc].items())}}}]
    for off, dur, child in _shown_children(tpl.children(loc)):
        out.append({"ph": "X", "name": child, "cat": child.split()[-1], "pid": pid, "tid": tid,
                    "ts": cycles_to_us(s + off, clock), "dur": cycles_to_us(dur, clock),
                    "args": {"start_cycles": s + off, "dur_cycles": dur}})
    return out


def _shown_children(kids: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The first :data:`CHILDREN_SHOWN` sub-phases, then one child from the next one's start to the last one's
    end standing for the rest (named with their count)."""
    if len(kids) <= CHILDREN_SHOWN + 1:
        return kids
    rest = kids[CHILDREN_SHOWN:]
    start, end = rest[0][0], max(off + dur for off, dur, _ in rest)
    return kids[:CHILDREN_SHOWN] + [(start, end - start, f"{len(rest)} more phases")]


def _counters(energy_pj, s, f, end, leakage_mw, clock, pid) -> list[dict]:
    """Cumulative energy E(t) (slices spread evenly over their duration) and mean power per sample step."""
    if end <= 0:
        return []
    times = np.linspace(0, end, min(COUNTER_SAMPLES, end) + 1).round().astype(np.int64)
    times = np.unique(times)
    e = energy_pj
    d = np.maximum(f - s, 1)
    cum = np.array([float((e * np.clip((t - s) / d, 0.0, 1.0)).sum()) for t in times])
    cum += np.array([energy_pj_from_power(leakage_mw, cycles_to_ns(t, clock)) for t in times])
    out = []
    for k, t in enumerate(times):
        ts = cycles_to_us(int(t), clock)
        out.append({"ph": "C", "name": "energy_pj", "pid": pid, "ts": ts, "args": {"energy_pj": cum[k]}})
        if k + 1 < len(times):
            span_ns = cycles_to_ns(int(times[k + 1] - t), clock)
            out.append({"ph": "C", "name": "power_mw", "pid": pid, "ts": ts,
                        "args": {"power_mw": power_mw_from_energy(cum[k + 1] - cum[k], span_ns)}})
    return out


def write_trace(path, mapping, stream, table, result, queries: int, leakage_mw: float) -> None:
    atomic_write_text(path, json.dumps(trace_events(mapping, stream, table, result, queries, leakage_mw),
                                       separators=(",", ":")))
