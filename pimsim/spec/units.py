"""Canonical units and the only place where quantities change unit.

Every quantity in the project carries its unit in its name (``latency_cycles``,
``read_latency_ns``, ``energy_pj``, ``area_um2``, ``power_mw``, ``clock_mhz``,
``capacity_bytes``).  Inside the simulator kernel, time is integer cycles of
the architecture's digital clock and energy is float pJ; conversion to ns, mm2
or mW happens here and nowhere else (habit G2 of
``reference/code_style_examples.md``).

Assumptions: a latency given in ns is converted to whole cycles by rounding
*up* (a unit that needs 0.4 cycles still occupies one cycle slot), so a
configured latency is never shortened by the conversion.
"""

from __future__ import annotations

import math

PJ_PER_MW_NS = 1.0
"""1 mW sustained for 1 ns is 1 pJ (1e-3 J/s * 1e-9 s = 1e-12 J)."""

UM2_PER_MM2 = 1.0e6
NS_PER_US = 1.0e3
NS_PER_S = 1.0e9
NS_PER_MS = 1.0e6
BITS_PER_BYTE = 8


def cycle_ns(clock_mhz: float) -> float:
    """Length of one clock cycle in ns (1000 / MHz)."""
    return 1.0e3 / clock_mhz


def ns_to_cycles(duration_ns: float, clock_mhz: float) -> int:
    """Whole cycles that cover ``duration_ns`` (rounded up; see module docstring)."""
    cycles = duration_ns * clock_mhz / 1.0e3
    # Guard against 119.99999999 becoming 120 -> 120, not 121, through float noise.
    return int(math.ceil(round(cycles, 9)))


def ms_to_ns(duration_ms: float) -> float:
    return duration_ms * NS_PER_MS


def ns_to_ms(duration_ns: float) -> float:
    return duration_ns / NS_PER_MS


def cycles_to_ns(cycles: float, clock_mhz: float) -> float:
    return cycles * 1.0e3 / clock_mhz


def cycles_to_us(cycles: float, clock_mhz: float) -> float:
    """Microseconds, the time unit of Chrome Trace Event JSON."""
    return cycles / clock_mhz


def um2_to_mm2(area_um2: float) -> float:
    return area_um2 / UM2_PER_MM2


def mm2_to_um2(area_mm2: float) -> float:
    return area_mm2 * UM2_PER_MM2


def energy_pj_from_power(power_mw: float, duration_ns: float) -> float:
    """Energy in pJ of ``power_mw`` sustained for ``duration_ns``."""
    return power_mw * duration_ns * PJ_PER_MW_NS


def power_mw_from_energy(energy_pj: float, duration_ns: float) -> float:
    """Average power in mW of ``energy_pj`` spent over ``duration_ns``."""
    if duration_ns <= 0:
        raise ValueError("duration_ns must be positive to compute a power")
    return energy_pj / (duration_ns * PJ_PER_MW_NS)


def mw_to_w(power_mw: float) -> float:
    return power_mw / 1.0e3


def inferences_per_s_per_w(throughput_inferences_per_s: float, power_mw: float) -> float:
    """Power efficiency: inferences per second per watt of average power (= inferences per joule).

    The one definition every report uses (``pimsim compare``, the search's hardware cost)."""
    return throughput_inferences_per_s / mw_to_w(power_mw)


def bytes_to_bits(n_bytes: int) -> int:
    return n_bytes * BITS_PER_BYTE


def gbps_to_bits_per_cycle(bandwidth_gbps: float, clock_mhz: float) -> float:
    """Link bandwidth in Gbit/s as bits per clock cycle."""
    return bandwidth_gbps * 1.0e3 / clock_mhz


def per_s_from_ns(duration_ns: float) -> float:
    """Rate (1/s) of an event that repeats every ``duration_ns``."""
    return NS_PER_S / duration_ns


def ns_per_bit(bandwidth_gbps: float) -> float:
    """Time to move one bit over a ``bandwidth_gbps`` link, ns (1 Gbit/s is 1 bit per ns)."""
    return 1.0 / bandwidth_gbps


UNIT_WORDS = (
    ("_inferences_per_s_per_w", "inferences per second per watt"),
    ("_inferences_per_s", "inferences per second"),
    ("_per_s", "per second"),
    ("_pj", "picojoules"), ("_nj", "nanojoules"), ("_uj", "microjoules"),
    ("_ns", "nanoseconds"), ("_us", "microseconds"), ("_ms", "milliseconds"), ("_wall_s", "seconds, wall clock"),
    ("_s", "seconds"), ("_cycles", "clock cycles"),
    ("_mw", "milliwatts"), ("_w", "watts"),
    ("_mm2", "square millimetres"), ("_um2", "square micrometres"),
    ("_mhz", "megahertz"), ("_msps", "million samples per second"), ("_gbps", "gigabits per second"),
    ("_bytes", "bytes"), ("_bits", "bits"), ("_nm", "nanometres"),
)
"""Name suffix -> unit in words, longest first, for axis labels."""


def axis_label(column: str) -> str:
    """A column or field name as a plot label with its unit in words.

    ``energy_per_inference_pj`` -> ``energy per inference (picojoules)``; ``pe.adc.bits`` -> ``pe.adc.bits (bits)``;
    ``energy_breakdown_pj.adc`` -> ``energy breakdown: adc (picojoules)``; a name without a unit is returned as is.
    """
    parts = column.split(".")
    for i in range(len(parts) - 1, -1, -1):
        for suffix, words in UNIT_WORDS:
            part = parts[i]
            if part == suffix[1:]:
                return f"{column} ({words})" if i else f"{words}"
            if part.endswith(suffix):
                stem = part[: -len(suffix)]
                readable = stem.replace("_", " ") if "." not in column or i == 0 else stem
                name = ".".join([*parts[:i], readable])
                rest = parts[i + 1:]
                return f"{name}{': ' + '.'.join(rest) if rest else ''} ({words})"
    return column
