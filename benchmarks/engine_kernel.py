"""Engine kernel speed: events per second of the Numba kernel, and against its pure-Python twin.

Targets (issue 4): >= 5 million events/s on one core; >= 30x the twin on the
same program, measured side by side in this one run.  Programs: the demo DLRM
lowered for ``--batch`` queries (kernel alone) and for ``--twin-batch``
queries (kernel and twin on the identical program; the twin is slow).
Times are CPU seconds of this process (``time.process_time``; the machine is
shared); kernel times are the best of ``--repeat`` warm runs (compilation
excluded), twin times the best of ``--twin-repeat`` runs.  Results and the exact command: docs/performance.md.

    .venv/bin/python benchmarks/engine_kernel.py --batch 1024 --twin-batch 64
"""

from __future__ import annotations

import argparse
import time

from engine_common import lowered


def best_of(fn, repeat: int) -> tuple[float, dict]:
    """Best CPU time (``time.process_time``: this process only, so other load on the machine does not count)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--twin-batch", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--twin-repeat", type=int, default=3)
    args = ap.parse_args()
    from pimsim.engine.kernel import simulate_program
    from pimsim.engine.reference import simulate_program_reference

    _, big = lowered(args.batch)
    simulate_program(big.program)  # compile or load the cache
    dt, out = best_of(lambda: simulate_program(big.program), args.repeat)
    print(f"kernel, DLRM batch {args.batch}: {big.program.n_tasks} tasks, {out['events']} events in {dt:.3f} s "
          f"= {out['events'] / dt / 1e6:.2f} M events/s")
    _, small = lowered(args.twin_batch)
    dk, ok = best_of(lambda: simulate_program(small.program), args.repeat)
    dp, ot = best_of(lambda: simulate_program_reference(small.program), args.twin_repeat)
    assert (ok["finish_cycles"] == ot["finish_cycles"]).all() and ok["events"] == ot["events"]
    print(f"same program, DLRM batch {args.twin_batch} ({ok['events']} events): kernel {dk:.4f} s "
          f"({ok['events'] / dk / 1e6:.2f} M ev/s), twin {dp:.3f} s ({ot['events'] / dp / 1e6:.3f} M ev/s), "
          f"kernel/twin speed-up {dp / dk:.0f}x")


if __name__ == "__main__":
    main()
