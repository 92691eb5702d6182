"""The mapper's estimate against the simulator: one-query latency, stream makespan and energy per inference.

    .venv/bin/python benchmarks/mapper_agreement.py --out build/mapping            # 16 queries (the test's)
    .venv/bin/python benchmarks/mapper_agreement.py --out build/mapping --batch 64

For every model of ``benchmarks/mapping_table.py`` (exported there, or here into ``--out``), naive and
optimized: ``compiler.cost.estimate.estimate`` of the compiled mapping and ``pimsim.api.simulate`` of
``--batch`` queries; prints a markdown table of the relative errors (estimate / simulator - 1), pasted into
docs/mapping.md.  The bound the tests hold is 10 % (tests/compiler/optimize/test_against_simulator.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mapping_table import MODELS, export  # noqa: E402


def row(name: str, onnx: Path, arch, batch: int) -> list[str]:
    from compiler.api import compile_onnx
    from compiler.cost.estimate import estimate
    from compiler.ir.from_mapping import graph_from_mapping
    from pimsim.api import simulate

    cells = []
    for strategy in ("naive", "optimized"):
        mapping = compile_onnx(onnx, arch, strategy=strategy)
        est = estimate(graph_from_mapping(mapping), arch, mapping.pipeline)
        sim = simulate(mapping, batch=batch)
        cells += [f"{est.latency_cycles / sim.latency_cycles - 1:+.1%}",
                  f"{est.makespan_cycles(batch) / sim.makespan_cycles - 1:+.1%}",
                  f"{est.energy_per_inference_pj(batch) / sim.energy_per_inference_pj - 1:+.1%}"]
    return [name] + cells


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--out", default="build/mapping")
    args = p.parse_args(argv)
    from pimsim.spec.arch import load_arch

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    arch = load_arch("default")
    print(f"| model | naive latency | naive {args.batch}-query makespan | naive energy | optimized latency | "
          f"optimized {args.batch}-query makespan | optimized energy |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.models:
        print("| " + " | ".join(row(name, export(name, out), arch, args.batch)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
