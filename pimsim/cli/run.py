"""Simulate a mapping: latency, throughput, energy, power and area, with an optional trace."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pimsim.spec import limits
from pimsim.spec.cli_types import InputFile, Int, OutputFile, Real, preset_names
from pimsim.spec.errors import SpecError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", type=InputFile("mapping"), help="mapping.json written by pimcompile")
    stream = p.add_mutually_exclusive_group()
    stream.add_argument("--batch", type=Int(1, limits.MAX_BATCH.value, why=limits.MAX_BATCH.why), default=1,
                        help="queries streamed through the pipeline; reports the whole-stream and the steady-state "
                             "throughput (completions after the first, docs/simulator.md)")
    stream.add_argument("--duration-ms", metavar="T", type=Real(0, limits.MAX_DURATION_MS.value, lo_open=True,
                                                                why=limits.MAX_DURATION_MS.why),
                        help="simulate a saturated stream for T ms of simulated time and report completions per "
                             "second within it (pimsim-nn's sim_time); the stream is sized to outlast T")
    p.add_argument("--trace", metavar="FILE", type=OutputFile(), help="write a Chrome Trace Event JSON (opens in Perfetto)")
    p.add_argument("--trace-limit", type=Int(1, limits.MAX_TRACE_QUERIES.value, why=limits.MAX_TRACE_QUERIES.why),
                   default=8, metavar="Q", help="queries written to the trace, the first Q of the stream (the trace says so)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object with the stable metric keys and per-operator records")
    p.add_argument("--arch", metavar="NAME|PATH", type=InputFile("arch", presets=preset_names),
                   help="check the mapping was compiled for this architecture")
    limits.add_memory_flag(p)


FULL_COLLECTION_AFTER = 1000
"""Young-generation collections between two full ones during ``pimsim run`` (CPython's default: 10).  What a run
allocates lives until it ends (modules, numba's typing registries, the mapping's models, the lowering), so a full
collection rescans all of it and frees almost nothing: VGG-8 ``--batch 100`` on the cited chip ran 3 full
collections that took ~0.18 s of the 0.24 s spent in ``gc`` and freed 20 objects (``gc.callbacks``,
``gc.get_stats``; with 1000: 0 full collections, 0.065 s in ``gc``, peak RSS unchanged).  Young collections, which
free the short-lived cycles, keep their default thresholds."""


@contextmanager
def _few_full_collections() -> Iterator[None]:
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], max(old[2], FULL_COLLECTION_AFTER))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def main(args: argparse.Namespace) -> int:
    with _few_full_collections():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    from pimsim.spec.arch import load_arch
    from pimsim.spec.io import json_text
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(args.mapping)
    if args.arch:
        arch = load_arch(args.arch)
        if arch.sha256() != mapping.arch_sha256:
            raise SpecError(
                args.mapping,
                f"compiled for architecture {mapping.arch.name} ({mapping.arch_sha256[:12]}), "
                f"not {arch.name} ({arch.sha256()[:12]}); recompile with --arch {args.arch}",
            )
    from pimsim.engine.kernel import no_blas_probe
    from pimsim.report.text import format_report

    try:
        with no_blas_probe():  # this process runs only the event kernel: no scipy.linalg (0.3-0.5 s) for numba
            report = _simulate(args, mapping)
    except MemoryError:
        raise SpecError(_flag(args), f"{_amount(args)}: the simulation's event arrays do not fit in memory; "
                                     "use a smaller one") from None
    print(json_text(report.to_json_dict(operators=True), args.mapping) if args.json else format_report(report))
    if args.trace:
        print(f"wrote {args.trace}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _flag(args) -> str:
    return "--batch" if args.duration_ms is None else "--duration-ms"


def _amount(args) -> str:
    return str(args.batch) if args.duration_ms is None else f"{args.duration_ms:g}"


def _checked_batch(args, mapping, batch: int) -> int:
    """Refuse a stream of ``batch`` queries that would not fit in memory or in the engine's event times."""
    from pimsim.api import estimate_simulation

    estimate = estimate_simulation(mapping, batch, args.trace_limit if args.trace else 0, args.mapping)
    limits.require_memory(estimate.memory_bytes, f"simulating {batch} queries", _flag(args), args.max_memory_gb,
                          f"use a smaller {_flag(args)}")
    estimate.check_horizon(batch, args.mapping)
    return batch


def _simulate(args, mapping):
    from pimsim.api import duration_batch, simulate, simulate_duration
    from pimsim.spec.units import ms_to_ns, ns_to_cycles

    trace = {"trace_path": args.trace, "trace_queries": args.trace_limit}
    if args.duration_ms is None:
        _checked_batch(args, mapping, args.batch)
        return simulate(mapping, batch=args.batch, source=args.mapping, **trace)
    cycles = ns_to_cycles(ms_to_ns(args.duration_ms), mapping.arch.clock_mhz)
    _checked_batch(args, mapping, 1)
    batch = duration_batch(mapping, cycles, args.mapping)
    if batch > limits.MAX_BATCH.value:
        raise SpecError("--duration-ms", f"{args.duration_ms:g}: needs about {batch:,} queries in flight, more than "
                                         f"{int(limits.MAX_BATCH.value):,} ({limits.MAX_BATCH.why})")
    _checked_batch(args, mapping, batch)
    return simulate_duration(mapping, cycles, int(limits.MAX_BATCH.value), args.mapping, batch=batch, **trace)
