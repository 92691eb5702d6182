"""ONNX's own backend node tests run through pimcompile: frontend -> passes -> mapping -> interpreter.

``onnx.backend.test.case.node.collect_testcases(None)`` builds about 1,900 cases
(each a one-node model with input arrays and the expected outputs computed by
the ONNX project's NumPy generators).  For every op in the frontend's support
table (``compiler.frontend.registry.LOWERINGS``) every case of that op is
compiled with ``--strategy naive`` for the default architecture, its mapping is
executed by ``compiler.ir.interpret.run_ops`` and the outputs are compared
with ONNX's own comparison (``Runner.assert_similar_outputs``: equal shape and
dtype, ``assert_allclose`` with the case's rtol 1e-3 / atol 1e-7).

The cases feed every operand as a graph input, while exporters store weights
and shape operands as initializers (or compute them from ``Shape``, which
folds once the batch is fixed).  So two kinds of case get a second run with
those operands turned into initializers:
- ops with a crossbar lowering (Gemm, MatMul, Einsum, Conv): the weights, so
  the same case goes through ``pim.LinearMVM`` on crossbar blocks;
- ops whose output shape depends on an operand's values (Slice starts/ends,
  Reshape shape, Reduce axes...): those operands, which the frontend requires
  to be constants (``compiler.frontend.builder.SHAPE_OPERANDS``).

A case written for an opset below 11 (And-7, Not-1...) runs stamped with
opset 11 when the op's definition in force at 11 is the very one it was
written for (same ``since_version``: the same node means the same thing).

Outcomes: *pass*; *skip* when the frontend raises
``compiler.frontend.limits.Unsupported`` with a feature that the op's
declared limits list (the reason is that feature); *fail* otherwise
(including an undeclared refusal).  The cases take ~11 s to generate, so they
are cached (pickled) under ``build/conformance/`` keyed by the onnx version.

``python -m tests.conformance.onnx_node_suite`` rewrites the generated support
table in docs/compiler.md; the test fails when it is stale.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO / "build" / "conformance"
DOC = REPO / "docs" / "compiler.md"
BEGIN = "<!-- BEGIN GENERATED: python -m tests.conformance.onnx_node_suite -->"
END = "<!-- END GENERATED -->"
CROSSBAR_WEIGHTS = {"Gemm": (1, 2), "MatMul": (1,), "Einsum": (1,), "Conv": (1, 2)}
"""Op type -> positions of the operands that are weights when the model stores them as initializers."""
CONSTANTS_VARIANT = "operands as initializers"


def frozen_positions(op: str) -> tuple[int, ...]:
    """Operands turned into initializers for the second run of an ``op`` case (none: no second run)."""
    from compiler.frontend.builder import SHAPE_OPERANDS

    return CROSSBAR_WEIGHTS.get(op) or SHAPE_OPERANDS.get(op, ((), ""))[0]


@dataclass(frozen=True)
class Outcome:
    case: str
    op: str
    variant: str  # "as given" or CONSTANTS_VARIANT
    status: str  # pass | skip | fail
    reason: str = ""


def load_cases() -> list:
    """All node test cases of the installed onnx (generated once, then read from the pickle cache)."""
    import onnx

    path = CACHE_DIR / f"node_cases-onnx-{onnx.__version__}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = list(collect_testcases(None))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(cases, fh)
    os.replace(tmp, path)  # atomic: a concurrent run reads the old or the new file, never half of one
    return cases


def case_op(tc) -> str | None:
    """The op type a case tests: its single node's (expanded function bodies and multi-node cases: None)."""
    nodes = tc.model.graph.node
    if len(nodes) != 1 or tc.name.endswith("_expanded") or "_expanded_ver" in tc.name:
        return None
    node = nodes[0]
    return node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"


def supported_cases(cases) -> dict[str, list]:
    from compiler.frontend.registry import supported_ops

    ops = set(supported_ops())
    out: dict[str, list] = defaultdict(list)
    for tc in cases:
        op = case_op(tc)
        if op in ops:
            out[op].append(tc)
    return dict(sorted(out.items()))


def _with_constant_weights(model, inputs: list, positions: tuple[int, ...]):
    """(model, remaining inputs) with the node's operands at ``positions`` stored as initializers, or None."""
    from onnx import numpy_helper

    node = model.graph.node[0]
    names = [i.name for i in model.graph.input]
    chosen = {node.input[p] for p in positions if p < len(node.input) and node.input[p]}
    arrays = dict(zip(names, inputs))
    chosen = {n for n in chosen if n in arrays and isinstance(arrays[n], np.ndarray)}
    if not chosen:
        return None
    copy = type(model)()
    copy.CopyFrom(model)
    kept = [vi for vi in copy.graph.input if vi.name not in chosen]
    del copy.graph.input[:]
    copy.graph.input.extend(kept)
    copy.graph.initializer.extend(numpy_helper.from_array(np.asarray(arrays[n]), n) for n in sorted(chosen))
    return copy, [a for n, a in zip(names, inputs) if n not in chosen]


def run_model(model, inputs: list, expected: list, arch, workdir: Path, rtol: float, atol: float) -> tuple[str, str]:
    """(status, reason) of one model through frontend, passes, mapping and interpreter."""
    import onnx
    from onnx.backend.test.runner import Runner

    from compiler.api import compile_graph
    from compiler.frontend.limits import Unsupported
    from compiler.ir.interpret import run_ops
    from compiler.passes.emit import to_mapping

    path = workdir / "case.onnx"
    onnx.save(model, str(path))
    try:
        graph, opts = compile_graph(str(path), arch, strategy="naive")
        mapping, weights = to_mapping(graph, arch, opts)
    except Unsupported as exc:
        return "skip", exc.feature
    except Exception as exc:  # noqa: BLE001 - any other refusal or crash is a failure to report
        return "fail", f"compile: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    feeds = {vi.name: np.asarray(a) for vi, a in zip(_graph_inputs(model), inputs)}
    try:
        ours = run_ops(mapping.operators, {**weights, **feeds}, mapping.outputs)
        got = [ours[o.name] for o in model.graph.output]
        with np.errstate(all="ignore"):
            Runner.assert_similar_outputs(list(expected), got, rtol=rtol, atol=atol)
    except Exception as exc:  # noqa: BLE001
        return "fail", f"run: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    return "pass", ""


def _graph_inputs(model) -> list:
    inits = {i.name for i in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def _array(x) -> np.ndarray:
    """A case's input or expected output (cases with exotic element types store TensorProtos; sequences and
    optionals stay as they are, the frontend refuses them)."""
    import onnx
    from onnx import numpy_helper

    if isinstance(x, onnx.TensorProto):
        return numpy_helper.to_array(x)
    return x if isinstance(x, (list, tuple)) or x is None else np.asarray(x)


def _restamped(model, op: str):
    """``model`` with the lowest opset pimcompile reads when it is older and ``op``'s definition in force there is
    the one it uses."""
    import onnx.defs

    from compiler.frontend.load import MIN_OPSET

    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset >= MIN_OPSET or (onnx.defs.get_schema(op, MIN_OPSET).since_version
                              != onnx.defs.get_schema(op, opset).since_version):
        return model
    copy = type(model)()
    copy.CopyFrom(model)
    next(o for o in copy.opset_import if o.domain in ("", "ai.onnx")).version = MIN_OPSET
    return copy


def run_case(tc, arch, workdir: Path) -> list[Outcome]:
    op = case_op(tc)
    inputs, expected = ([_array(x) for x in arrays] for arrays in tc.data_sets[0])
    model = _restamped(tc.model, op)
    status, reason = run_model(model, inputs, expected, arch, workdir, tc.rtol, tc.atol)
    outcomes = [Outcome(tc.name, op, "as given", status, reason)]
    frozen = _with_constant_weights(model, list(inputs), frozen_positions(op))
    if frozen is not None:
        status, reason = run_model(frozen[0], frozen[1], expected, arch, workdir, tc.rtol, tc.atol)
        outcomes.append(Outcome(tc.name, op, CONSTANTS_VARIANT, status, reason))
    return outcomes


def run_suite(cases=None) -> list[Outcome]:
    from pimsim.spec.arch import arch_from_dict
    from tests.compiler.helpers import batched_arch_dict

    # the node tests' fixed shapes are one query each, some larger than the default 64 KiB tile buffer (3-D
    # pooling: 96 KiB) that pimcompile now refuses; semantics do not depend on the buffer size
    arch = arch_from_dict(batched_arch_dict(), "default with 4x tile buffers")
    grouped = supported_cases(load_cases() if cases is None else cases)
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tcs in grouped.values():
            for tc in tcs:
                out.extend(run_case(tc, arch, Path(tmp)))
    return out


def summarize(outcomes: list[Outcome]) -> dict[str, dict]:
    """Op -> {pass, skip, fail, frozen (second runs passed), frozen_runs, reasons: Counter of skip reasons}.

    ``fail`` counts failures of either run."""
    table: dict[str, dict] = {}
    for o in outcomes:
        row = table.setdefault(o.op, {"pass": 0, "skip": 0, "fail": 0, "frozen": 0, "frozen_runs": 0,
                                      "reasons": Counter()})
        if o.variant == CONSTANTS_VARIANT:
            row["frozen_runs"] += 1
            row["frozen"] += o.status == "pass"
            row["fail"] += o.status == "fail"
            continue
        row[o.status] += 1
        if o.status == "skip":
            row["reasons"][o.reason] += 1
    return dict(sorted(table.items()))


def render_table(outcomes: list[Outcome]) -> str:
    """The support table of docs/compiler.md: every supported op, its conformance counts and declared limits."""
    from compiler.frontend.limits import LIMITS
    from compiler.frontend.registry import supported_ops

    summary = summarize(outcomes)
    lines = [BEGIN, "",
             "| op | ONNX node tests | pass | skip (reason: count) | fail | passed with operands as initializers "
             "| declared limits |",
             "|---|---:|---:|---|---:|---:|---|"]
    totals = Counter()
    for op in supported_ops():
        row = summary.get(op)
        limits = ", ".join(LIMITS.get(op, ())) or "-"
        if row is None:
            lines.append(f"| {op} | 0 | - | - | - | - | {limits} |")
            continue
        n = row["pass"] + row["skip"] + row["fail"]
        skips = "; ".join(f"{r}: {c}" for r, c in sorted(row["reasons"].items())) or "-"
        frozen = f"{row['frozen']} of {row['frozen_runs']}" if row["frozen_runs"] else "-"
        lines.append(f"| {op} | {n} | {row['pass']} | {skips} | {row['fail']} | {frozen} | {limits} |")
        totals.update(cases=n, passed=row["pass"], skipped=row["skip"], failed=row["fail"], frozen=row["frozen"],
                      frozen_runs=row["frozen_runs"])
    lines += ["", f"Totals: {totals['cases']} node tests of {len(summary)} ops: {totals['passed']} pass, "
                  f"{totals['skipped']} skip, {totals['failed']} fail. Second runs with the weights (Gemm, MatMul, "
                  f"Einsum, Conv: the crossbar path) or shape operands as initializers: {totals['frozen']} of "
                  f"{totals['frozen_runs']} pass. Limits of every op: {', '.join(LIMITS['*'])}.", "", END]
    return "\n".join(lines)


def current_doc_section() -> str:
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        return ""
    return text[text.index(BEGIN):text.index(END) + len(END)]


def write_doc(outcomes: list[Outcome]) -> None:
    text = DOC.read_text()
    new = render_table(outcomes)
    old = current_doc_section()
    DOC.write_text(text.replace(old, new) if old else text.rstrip("\n") + "\n\n" + new + "\n")


if __name__ == "__main__":
    import sys
    import time

    t0 = time.perf_counter()
    results = run_suite()
    with contextlib.suppress(BrokenPipeError):
        for o in results:
            if o.status == "fail" or "-v" in sys.argv:
                print(f"{o.status:4} {o.op:20} {o.case:55} {o.variant:22} {o.reason}")
    write_doc(results)
    counts = Counter(o.status for o in results)
    print(f"{len(results)} runs: {dict(counts)} in {time.perf_counter() - t0:.1f} s; wrote {DOC}")
