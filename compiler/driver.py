"""``pimcompile`` behaviour behind ``compiler/cli.py``: compile, write, report, check."""

from __future__ import annotations

import sys
import time


def run_cli(args) -> int:
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError

    from compiler.api import compile_graph, write_compiled
    from compiler.passes.emit import to_mapping

    if args.area_budget_mm2 is not None and args.area_budget_mm2 <= 0:
        raise SpecError("--area-budget-mm2", f"{args.area_budget_mm2}: must be > 0")
    arch = load_arch(args.arch)
    t0 = time.perf_counter()
    graph, opts = compile_graph(args.model, arch, args.strategy, args.precision, args.batch,
                                verify_each=args.debug)
    mapping, weights = to_mapping(graph, arch, opts)
    seconds = time.perf_counter() - t0
    if args.output:
        mapping = write_compiled(mapping, args.output, weights)
        print(f"wrote {args.output} ({len(mapping.operators)} operators, {seconds:.2f} s)")
    for note in ([opts.notes["embedding_spill"]] if "embedding_spill" in opts.notes else []):
        print(f"note: {note}")
    if args.report:
        from compiler.report import format_report

        print(format_report(mapping))
    if args.check:
        from compiler.check import check_against_onnxruntime

        err = check_against_onnxruntime(args.model, graph, mapping, weights)
        print(f"check: largest |mapping - onnxruntime| = {err:.3g} over {len(mapping.outputs)} output(s) "
              f"(batch {graph.batch}, seed 0)")
        if not err <= 1e-5:
            print(f"error: {args.model}: --check failed: error {err:.3g} exceeds 1e-05", file=sys.stderr)
            return 1
    if not (args.output or args.report or args.check):
        print(f"compiled {args.model}: {len(mapping.operators)} operators in {seconds:.2f} s "
              "(nothing written: give -o MAPPING, --report or --check)")
    return 0
