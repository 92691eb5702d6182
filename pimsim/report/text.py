"""Human-readable rendering of a :class:`pimsim.report.model.Report`."""

from __future__ import annotations

from pimsim.spec.units import cycles_to_ns, ns_to_ms


def _table(title: str, rows: dict, unit: str, fmt: str = "{:.4g}") -> list[str]:
    total = sum(rows.values()) or 1.0
    lines = [f"{title}:"]
    for k, v in sorted(rows.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {k:<20} {fmt.format(v):>12} {unit}  {100 * v / total:5.1f} %")
    return lines


def _operator_lines(r) -> list[str]:
    """One line per operator that takes time; zero-duration ones (views, free reshapes) are counted, not listed."""
    timed = [(name, s, f) for name, s, f in r.operators if f > s]
    lines = [f"  {name:<32} {s:>10} .. {f:<10} cycles ({cycles_to_ns(f - s, r.clock_mhz):.6g} ns)"
             for name, s, f in timed]
    free = len(r.operators) - len(timed)
    if free:
        lines.append(f"  (+{free} operators that take no time: views and other free re-labellings)")
    return lines


def format_report(report) -> str:
    r = report
    lines = [
        f"mapping {r.mapping_name} on {r.arch_name} ({r.clock_mhz:g} MHz), batch {r.batch}",
        f"latency (one query)    {r.latency_cycles} cycles = {r.latency_ns:.6g} ns",
        f"stream makespan        {r.makespan_cycles} cycles = {r.makespan_ns:.6g} ns",
        f"throughput             {r.throughput_inferences_per_s:.6g} inferences/s (whole stream, fill included)",
        *([f"  steady state         {r.throughput_steady_inferences_per_s:.6g} inferences/s ({r.steady.counted} "
           f"completions after the first, {r.steady.interval_cycles:.6g} cycles apart)"] if r.steady else []),
        *([f"{'  within ' + format(ns_to_ms(cycles_to_ns(r.duration_cycles, r.clock_mhz)), 'g') + ' ms':<23}"
           f"{r.throughput_duration_inferences_per_s:.6g} inferences/s ({r.duration_completions} completed)"]
          if r.duration_cycles is not None else []),
        f"energy per inference   {r.energy_per_inference_pj:.6g} pJ",
        f"  dynamic              {r.energy_dynamic_pj / r.batch:.6g} pJ",
        f"  static (leakage)     {r.energy_static_pj / r.batch:.6g} pJ (power gating: {r.power_gating})",
        f"average power          {r.power_mw:.6g} mW (dynamic {r.power_dynamic_mw:.4g} mW, "
        f"static {r.power_static_mw:.4g} mW)",
        f"chip area              {r.area_mm2:.6g} mm2"
        + (f" ({r.compute_area_mm2:.6g} mm2 without the I/O link)" if r.compute_area_mm2 is not None else ""),
        *([f"occupied area          {r.occupied_area_mm2:.6g} mm2 ({r.tiles_used} of {r.tiles_total} tiles used, "
           "plus the chip-level parts)"] if r.occupied_area_mm2 is not None else []),
        "",
    ]
    dynamic = {k: v for k, v in r.energy_breakdown_pj.items() if k != "leakage"}
    lines += _table("dynamic energy breakdown (whole run)", dynamic, "pJ")
    if r.static_breakdown_pj:
        lines += ["", *_table("static energy breakdown (whole run)", r.static_breakdown_pj, "pJ")]
    lines += ["", "utilization (busy / (servers on chip x makespan)):"]
    lines += [f"  {k:<20} {100 * v:8.3f} %" for k, v in sorted(r.utilization.items())]
    if r.busiest:
        lines += ["", "busiest resources (busy / (servers x makespan)):"]
        lines += [f"  {b.name:<32} {b.busy_cycles:>12} cycles {100 * b.utilization:8.3f} %"
                  for b in r.busiest]
    if r.operators:
        lines += ["", "operators (one query alone):"]
        lines += _operator_lines(r)
    lines += ["", f"simulated {r.events} events ({r.tasks} tasks) in {r.wall_s:.3f} s; "
                  f"arrays {r.memory_bytes / 2**20:.1f} MiB, process peak {r.peak_rss_bytes / 2**20:.0f} MiB"]
    return "\n".join(lines)
