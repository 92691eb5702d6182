"""Whole-simulation speed on the demo DLRM (batch 1024): warm in-process, and cold in a new process.

Targets (issue 4): under 2 s warm; under 1 s for a cold start with the numba
cache populated.  "Warm": ``pimsim.api.simulate`` called again in a process
that already ran it (best of ``--repeat``).  "Cold": a fresh
``pimsim run --json`` process after the cache exists; reported both as the
``stats.wall_s`` of that run (``simulate`` from entry to report, including
loading the cached kernel) and as the whole process wall time (Python start
and imports included).  Results and the exact command: docs/performance.md.

    .venv/bin/python benchmarks/engine_dlrm.py --batch 1024
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from engine_common import BIN, demo_mapping


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = demo_mapping()
    cmd = [str(BIN / "pimsim"), "run", str(path), "--batch", str(args.batch), "--json"]
    subprocess.run(cmd, check=True, capture_output=True)  # populate the numba cache
    t0 = time.perf_counter()
    cold = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    process_s = time.perf_counter() - t0
    from pimsim.api import simulate
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(path)
    simulate(mapping, batch=args.batch)
    warm = min(simulate(mapping, batch=args.batch).wall_s for _ in range(args.repeat))
    print(f"demo DLRM batch {args.batch}: {cold['stats']['tasks']} tasks, {cold['stats']['events']} events")
    print(f"warm simulate (best of {args.repeat}): {warm:.3f} s")
    print(f"cold process, cache populated: simulate {cold['stats']['wall_s']:.3f} s, whole process {process_s:.3f} s")


if __name__ == "__main__":
    main()
