"""``pimcompile`` behaviour behind ``compiler/cli.py``: compile, write, report, check.

Imports sit inside the functions that use them, deliberately, as in the other command-line modules: a run loads
only what its flags need (``compiler.check``, with onnx and onnxruntime, only for ``--check``).
"""

from __future__ import annotations

import sys
import time


def _check(args, graph, mapping, weights, feeds=None) -> int:
    """``--check``: quantised codes must agree up to boundary flips, outputs within the float tolerance."""
    from compiler.check import CHECK_TOLERANCE, run_check

    result = run_check(args.model, graph, mapping, weights, feeds=feeds)
    codes = result.codes
    inputs = f"inputs from {args.inputs}" if args.inputs else "seed 0"
    print(f"check: largest |mapping - onnxruntime| = {result.error:.3g} over {len(mapping.outputs)} output(s), "
          f"largest |output| {result.scale:.3g} (batch {graph.batch}, {inputs})")
    if codes.codes:
        print(f"check: {codes.codes} quantised activation codes compared: {codes.flips} one step off at a rounding "
              f"boundary (onnxruntime's used downstream), {codes.unexplained} other mismatches")
    if codes.unexplained:
        print(f"error: {args.model}: --check failed: {codes.unexplained} quantised code(s) differ from onnxruntime "
              f"away from a rounding boundary (first in {codes.first_unexplained})", file=sys.stderr)
        return 1
    if not result.passed(CHECK_TOLERANCE):
        print(f"error: {args.model}: --check failed: error {result.error:.3g} exceeds {CHECK_TOLERANCE:g} x "
              f"max(1, {result.scale:.3g})", file=sys.stderr)
        return 1
    return 0

def load_sample(path: str) -> dict:
    """``--inputs``: arrays of an ``.npz`` (no pickles), name -> array."""
    import zipfile
    from pathlib import Path

    import numpy as np
    from pimsim.spec.errors import SpecError

    p = Path(path)
    if not p.is_file():
        raise SpecError(path, "no such file" if not p.exists() else "not a regular file")
    try:
        with np.load(p, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise SpecError(path, f"not a NumPy .npz of arrays ({type(exc).__name__}: {' '.join(str(exc).split())})") \
            from None


def _refuse_overwriting_inputs(args) -> None:
    """``-o`` (and the weights file written beside it) must not replace the model, arch or policy."""
    from pathlib import Path

    from pimsim.spec.errors import SpecError

    if not args.output:
        return
    out = Path(args.output)
    written = {out.resolve(), out.with_name(f"{out.name.removesuffix('.json')}.weights.npz").resolve()}
    for given in (args.model, args.arch, args.precision, args.inputs):
        if given and Path(given).exists() and Path(given).resolve() in written:
            raise SpecError("-o", f"{args.output}: would overwrite the input {given}")


def _refuse_unmatched_patterns(graph, opts, policy_path) -> None:
    """A policy pattern that matches no operator is a typo, not a no-op: say so instead of ignoring it."""
    import fnmatch

    from pimsim.spec.errors import SpecError

    if opts.policy is None or not policy_path:
        return
    names = {n for node in graph.nodes for n in (node.name, *node.source_nodes)}
    for pattern, _ in opts.policy.operators:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
            raise SpecError(policy_path, f"operators.{pattern}: matches no operator of the model")


def run_cli(args) -> int:
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError

    from compiler.api import compile_graph, write_compiled
    from compiler.passes.emit import to_mapping

    if args.area_budget_mm2 is not None and args.area_budget_mm2 <= 0:
        raise SpecError("--area-budget-mm2", f"{args.area_budget_mm2}: must be > 0")
    _refuse_overwriting_inputs(args)
    if args.check:
        from compiler.frontend.load import require_external_data

        require_external_data(args.model)
    arch = load_arch(args.arch)
    sample = load_sample(args.inputs) if args.inputs else None
    t0 = time.perf_counter()
    graph, opts = compile_graph(args.model, arch, args.strategy, args.precision, args.batch,
                                verify_each=args.debug, area_budget_mm2=args.area_budget_mm2,
                                shapes_only=args.shapes_only and not args.check, dims=args.dim, sample=sample,
                                name=args.name, objective=args.optimize, pipeline=args.pipeline)
    _refuse_unmatched_patterns(graph, opts, args.precision)
    mapping, weights = to_mapping(graph, arch, opts)
    seconds = time.perf_counter() - t0
    status = 0
    if args.check:  # before writing: a failed check writes nothing
        from compiler.check import sample_feeds

        feeds = sample_feeds(graph, sample, args.inputs) if sample is not None else None
        status = _check(args, graph, mapping, weights, feeds)
    if args.output and status == 0:
        mapping = write_compiled(mapping, args.output, weights)
        print(f"wrote {args.output} ({len(mapping.operators)} operators, {seconds:.2f} s)")
    notes = [opts.notes.embedding_spill] if opts.notes.embedding_spill is not None else []
    notes += opts.notes.tile_kind_spills
    if args.strategy == "naive" and args.precision:
        notes.append("--precision is ignored by --strategy naive (the baseline uses the architecture's precision)")
    if args.strategy == "naive" and args.area_budget_mm2 is not None:
        notes.append("--area-budget-mm2 is ignored by --strategy naive (one copy per operator on its own tiles)")
    if args.strategy == "naive" and args.optimize != "throughput":
        notes.append("--optimize is ignored by --strategy naive (the baseline has no candidates to choose from)")
    for note in notes:
        print(f"note: {note}")
    if args.report:
        from compiler.report import format_report

        print(format_report(mapping))
        from compiler.passes.optimize import summary_lines

        for line in summary_lines(opts.notes):
            print(line)
    if args.check:
        return status
    if not (args.output or args.report or args.check):
        print(f"compiled {args.model}: {len(mapping.operators)} operators in {seconds:.2f} s "
              "(nothing written: give -o MAPPING, --report or --check)")
    return 0
