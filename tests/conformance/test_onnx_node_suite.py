"""ONNX's own node tests, for every op in the frontend's support table (tests/conformance/onnx_node_suite.py).

Expected outputs are the ONNX project's (computed by its NumPy generators in
``onnx.backend.test.case.node``), compared as ONNX's backend runner compares
them (rtol 1e-3, atol 1e-7 per case).  The whole suite runs once per session
(about 6 s on 2 cores with the cached cases, 11 s more to generate them once).
"""

from __future__ import annotations

import pytest

from tests.conformance.onnx_node_suite import current_doc_section, render_table, run_suite, summarize


@pytest.fixture(scope="module")
def outcomes():
    return run_suite()


def test_no_failures(outcomes):
    failed = [f"{o.op} {o.case} ({o.variant}): {o.reason}" for o in outcomes if o.status == "fail"]
    assert not failed, f"{len(failed)} failures:\n" + "\n".join(failed)


def test_every_skip_is_a_declared_limit(outcomes):
    """A skip is only ever an ``Unsupported`` whose feature the support table lists (for the op, or for all ops)."""
    from compiler.frontend.limits import LIMITS

    undeclared = [(o.op, o.case, o.reason) for o in outcomes if o.status == "skip"
                  and o.reason not in LIMITS.get(o.op, ()) and o.reason not in LIMITS["*"]]
    assert not undeclared


def test_suite_is_not_vacuous(outcomes):
    """Guard against an empty or mostly skipped run: the counts of onnx 1.23.2's suite (docs/compiler.md)."""
    summary = summarize(outcomes)
    cases = sum(r["pass"] + r["skip"] + r["fail"] for r in summary.values())
    passed = sum(r["pass"] for r in summary.values())
    assert cases >= 650 and passed >= 400 and len(summary) >= 80
    for op in ("Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
               "Flatten", "Add", "Softmax", "LayerNormalization", "Gather", "ReduceSum", "Concat", "Unsqueeze"):
        assert summary[op]["pass"] + summary[op]["frozen"] >= 1, op
    assert summary["Conv"]["frozen"] == summary["Conv"]["frozen_runs"] >= 6  # every Conv case through crossbars


def test_docs_support_table_is_current(outcomes):
    assert current_doc_section() == render_table(outcomes), \
        "docs/compiler.md's support table is stale: run python -m tests.conformance.onnx_node_suite"
