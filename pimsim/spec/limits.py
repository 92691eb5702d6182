"""Upper bounds on command-line and sweep quantities, each with its reason, and the memory check.

Every number a user types has a meaningful range.  The lower bounds are in the argument
types (a batch of 0 queries means nothing); the upper bounds are here, named, with the
reason a larger value is a mistake rather than a bigger experiment.  docs/robustness.md
lists them (generated from :data:`LIMITS`).

Work whose size is only known from the input (a mapping's tasks times the batch, a
model's crossbars) is estimated before anything is allocated, and refused when the
estimate exceeds the memory available (``MemAvailable``) or ``--max-memory-gb``:
:func:`require_memory`.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from pimsim.spec.errors import SpecError


@dataclass(frozen=True)
class Limit:
    name: str
    value: float
    why: str


def _limit(name: str, value: float, why: str) -> Limit:
    limit = Limit(name, value, why)
    LIMITS.append(limit)
    return limit


LIMITS: list[Limit] = []

MAX_BATCH = _limit(
    "queries per simulation (`--batch`)", 1_000_000,
    "a stream this long measures steady-state throughput to well under 0.1 %; longer ones only cost memory")
MAX_DURATION_MS = _limit(
    "simulated time of a query stream in ms (`--duration-ms`)", 60_000,
    "a minute of simulated time; peers report seconds or less (pimsim-nn's VGG-8 example simulates 200 ms), "
    "and the stream's queries are bounded by the batch limit anyway")
MAX_TRACE_QUERIES = _limit(
    "queries written to a trace (`--trace-limit`)", 256,
    "each query of the demo DLRM adds about 1 MB of trace JSON and 7 MB of peak memory while it is written "
    "(measured: 2,000 queries gave 2.1 GB and 13.7 GB); 256 queries show the pipeline's steady state")
MAX_AREA_MM2 = _limit(
    "area budget (`--area-budget-mm2`)", 70_000,
    "a whole 300 mm wafer is about 70,000 mm2")
MAX_WORKERS = _limit(
    "worker processes (`--workers`)", 1024,
    "processes on one machine; beyond the cores they only add memory")
MAX_SWEEP_POINTS = _limit(
    "points in one sweep", 100_000,
    "at the ~1-3 s a point takes to compile and simulate, 100,000 points are days of CPU; split it into "
    "several sweep files or coarsen an axis")
MAX_SEED = _limit(
    "random seeds (`--seed`)", 2**32 - 1,
    "the seed range every generator the tools use accepts (NumPy, torch, Python's random)")
MAX_VARIATION_SIGMA = _limit(
    "relative conductance variation (`--variation-sigma`)", 1.0,
    "g = level x (1 + sigma x N(0, 1)) clipped at 0 (pimsim/functional/crossbar.py): above sigma = 1 over 16 % "
    "of the cells clip to zero conductance, a device no longer storing its level")
MAX_MEMORY_GB = _limit(
    "memory allowed (`--max-memory-gb`)", 1 << 20,
    "a petabyte; larger values are typing mistakes")


def available_memory_bytes() -> int:
    """``MemAvailable`` from /proc/meminfo (what can be allocated without swapping), else physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return 1 << 34


def add_memory_flag(parser: argparse.ArgumentParser) -> None:
    from pimsim.spec.cli_types import Real

    parser.add_argument("--max-memory-gb", type=Real(0, MAX_MEMORY_GB.value, lo_open=True, why=MAX_MEMORY_GB.why),
                        metavar="GB", help="refuse work estimated to need more memory than this "
                                           "(default: the memory available now, MemAvailable)")


def format_bytes(n: float) -> str:
    for unit, size in (("EB", 1e18), ("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def require_memory(need_bytes: float, what: str, subject: str, max_memory_gb: float | None, advice: str) -> None:
    """Refuse before allocating when ``need_bytes`` exceeds the allowance.

    ``subject`` is the file or flag the message names, ``what`` the work (``simulating 8 x 10^6
    queries``), ``advice`` how to make it smaller (``use a smaller --batch``).
    """
    allowed = max_memory_gb * 1e9 if max_memory_gb else available_memory_bytes()
    source = "allowed by --max-memory-gb" if max_memory_gb else "available now"
    if need_bytes > allowed:
        raise SpecError(subject, f"{what} needs about {format_bytes(need_bytes)} of memory, more than the "
                                 f"{format_bytes(allowed)} {source}; {advice} (or raise --max-memory-gb)")
