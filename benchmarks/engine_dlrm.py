"""Whole-simulation speed on the demo DLRM (batch 1024): warm in-process, and cold in a new process.

Targets (issue 4): under 2 s warm; under 1 s for a cold start with the numba
cache populated.  "Warm": ``pimsim.api.simulate`` called again in a process
that already ran it (best of ``--repeat``).  "Cold": fresh
``pimsim run --json`` processes after the cache exists (``--cold-repeat`` of
them, min and median: the machine is shared); reported both as the
``stats.wall_s`` of that run (``simulate`` from entry to report, including
loading the cached kernel) and as the whole process wall time (Python start
and imports included).  ``--breakdown`` adds where one cold process spends
its time (fresh child process, wall clock per step).  Results and the exact
command: docs/performance.md.

    .venv/bin/python benchmarks/engine_dlrm.py --batch 1024 --breakdown
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from engine_common import BIN, demo_mapping

BREAKDOWN_CHILD = r"""
import sys, time
t0 = last = time.perf_counter()
def lap(step):
    global last
    now = time.perf_counter()
    print(f"  {step:44s} {now - last:6.3f} s   (cumulative {now - t0:.3f} s)")
    last = now
import numpy
lap("import numpy")
from pimsim.spec.mapping import load_mapping
lap("import pimsim.spec (pydantic models)")
mapping = load_mapping(sys.argv[1])
lap("load_mapping")
import numba
lap("import numba")
from pimsim.engine.kernel import simulate_program
from pimsim.engine.program import build_program
lap("import pimsim.engine.kernel")
simulate_program(build_program([0], [1], [0], [1], [], []))
lap("first kernel call: numba init + cache load")
from pimsim.components import build_components
from pimsim.program.build import lower_mapping
from pimsim.cost.actions import Costs
stream, _ = lower_mapping(mapping, Costs(build_components(mapping.arch)), int(sys.argv[2]))
lap(f"lower the mapping, batch {sys.argv[2]}")
simulate_program(stream.program)
lap("kernel")
"""


def cold_runs(cmd: list[str], repeat: int) -> tuple[list[float], list[float], dict]:
    """``stats.wall_s`` and whole-process wall seconds of ``repeat`` fresh processes."""
    sim, proc, out = [], [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        proc.append(time.perf_counter() - t0)
        sim.append(out["stats"]["wall_s"])
    return sim, proc, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold-repeat", type=int, default=5)
    ap.add_argument("--breakdown", action="store_true", help="time the steps of one cold process")
    args = ap.parse_args()
    path = demo_mapping()
    cmd = [str(BIN / "pimsim"), "run", str(path), "--batch", str(args.batch), "--json"]
    subprocess.run(cmd, check=True, capture_output=True)  # populate the numba cache
    sim, proc, cold = cold_runs(cmd, args.cold_repeat)
    from pimsim.api import simulate
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(path)
    simulate(mapping, batch=args.batch)
    warm = min(simulate(mapping, batch=args.batch).wall_s for _ in range(args.repeat))
    print(f"demo DLRM batch {args.batch}: {cold['stats']['tasks']} tasks, {cold['stats']['events']} events")
    print(f"warm simulate (best of {args.repeat}): {warm:.3f} s")
    print(f"cold process, cache populated ({args.cold_repeat} runs, min / median): "
          f"simulate {min(sim):.3f} / {statistics.median(sim):.3f} s, "
          f"whole process {min(proc):.3f} / {statistics.median(proc):.3f} s")
    if args.breakdown:
        print("one cold process, step by step:")
        subprocess.run([sys.executable, "-c", BREAKDOWN_CHILD, str(path), str(args.batch)], check=True)


if __name__ == "__main__":
    main()
