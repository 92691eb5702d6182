"""Docs that run (issue 21 item 2): the snippets of the documents under the mechanism run on small inputs, and every
generated number still matches the script that prints it (tests/tools/doc_blocks.py, doc_snippets.py).

``make docs`` regenerates the blocks; a failure here says which document and which command to rerun.
"""

from __future__ import annotations

import pytest

from tests.tools.doc_blocks import DOCS, blocks, differences, output
from tests.tools.doc_snippets import RUNNABLE, check_same_as, run_snippet, scratch_checkout, snippets

ALL_BLOCKS = [b for doc in DOCS for b in blocks(doc)]


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[f"{b.doc}:{b.command.split(' ', 2)[-1]}" for b in ALL_BLOCKS])
def test_generated_numbers_match_their_scripts(block):
    problems = differences(block.text, output(block), block.rtol)
    assert not problems, (f"{block.doc}: the block of `{block.command}` is stale (run `make docs`): "
                          + "; ".join(problems[:5]))


@pytest.mark.parametrize("doc", DOCS)
def test_snippets_run(doc, tmp_path):
    """Every sh/python block runs, in order, as a reader would (with the doc-test directives); skipped ones say
    why; quoted configuration files equal the shipped ones."""
    repo = scratch_checkout(tmp_path)
    ran = 0
    for snippet in snippets(doc):
        if snippet.same_as:
            check_same_as(snippet)
        if snippet.lang not in RUNNABLE:
            continue
        if snippet.skip:
            assert len(snippet.skip) > 10, f"{doc}:{snippet.line}: say why the block is skipped"
            continue
        proc = run_snippet(snippet, repo)
        assert proc.returncode == 0, (f"{doc}:{snippet.line}: the {snippet.lang} block failed (exit "
                                      f"{proc.returncode}):\n{snippet.adapted()}\n--- stderr\n{proc.stderr[-3000:]}")
        ran += 1
    assert ran or not any(s.lang in RUNNABLE and not s.skip for s in snippets(doc))


def test_mechanism_covers_the_named_documents():
    """Guard against a vacuous pass: the documents have blocks to check and snippets to run."""
    assert sum(1 for b in ALL_BLOCKS if b.doc == "docs/sweeps.md") >= 4
    assert sum(1 for b in ALL_BLOCKS if b.doc == "docs/robustness.md") >= 2
    runnable = [s for doc in DOCS for s in snippets(doc) if s.lang in RUNNABLE and not s.skip]
    assert {s.doc for s in runnable} >= {"README.md", "docs/sweeps.md", "docs/models.md"}


def test_sweep_example_points_still_simulate_the_same():
    """The committed table of the worked example (docs/data/sweeps_dlrm_xbar_adc.csv, written by `make docs`) still
    matches the compiler and simulator: points 0 and 46 (the smallest design and the fastest) are re-compiled and
    re-simulated and every result cell compared.  Bound: rtol 1e-9 -- the pipeline is deterministic (same bytes on
    one machine); the margin covers a different libm's last-bit rounding in the energy sums of another x86-64."""
    from docs_example import check

    problems = check([0, 46])
    assert not problems, "docs/data/sweeps_dlrm_xbar_adc.csv is stale (run `make docs`): " + "; ".join(problems[:5])


@pytest.fixture(autouse=True, scope="module")
def _example_module():
    """docs/scripts/sweeps_example.py importable as ``docs_example`` (docs/ is not a package)."""
    import importlib.util
    import sys

    from tests.tools.doc_blocks import REPO

    spec = importlib.util.spec_from_file_location("docs_example", REPO / "docs" / "scripts" / "sweeps_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["docs_example"] = module
    yield
    sys.modules.pop("docs_example", None)
