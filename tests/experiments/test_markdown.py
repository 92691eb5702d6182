"""docs/results.md's commit line: HEAD, and "+ uncommitted changes" only when a source differs, not an output."""

from __future__ import annotations

import subprocess

from experiments.codesign import markdown


def _git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_commit_line_leaves_out_the_runs_outputs(tmp_path, monkeypatch):
    """A run rewrites docs/results.md and its plots: those edits are not "uncommitted changes"; a source edit is."""
    (tmp_path / "docs" / "results").mkdir(parents=True)
    for name in ("src.py", "docs/results.md", "docs/results/ratios.png"):
        (tmp_path / name).write_text("v1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "c")
    monkeypatch.setattr(markdown, "REPO", tmp_path)
    outputs = (tmp_path / "docs/results.md", tmp_path / "docs/results")
    head = markdown._commit(outputs)
    assert head and "uncommitted" not in head
    (tmp_path / "docs/results.md").write_text("v2\n")
    (tmp_path / "docs/results/ratios.png").write_text("v2\n")
    assert markdown._commit(outputs) == head
    assert markdown._commit() == head + " + uncommitted changes"
    (tmp_path / "src.py").write_text("v2\n")
    assert markdown._commit(outputs) == head + " + uncommitted changes"


def test_search_agreement_names_the_largest_gap():
    """Two co-designed designs: one whose search figures equal its row, one whose latency is 2 % off (hand-made):
    the caveat reports 2.00e-02 on that design's latency; the first alone is exact; a searched design (no such
    comparison) is skipped, and with no co-designed row the sentence says so."""
    from experiments.codesign.designs import Design
    from experiments.codesign.rows import Row

    hw = {"latency_ns": 1000.0, "energy_per_inference_pj": 5.0e5, "area_mm2": 2.5}
    rows = [Row("criteo", "small", "co-designed", "a", "own", "optimized", hw=dict(hw)),
            Row("criteo", "full", "co-designed", "b", "own", "optimized", hw=dict(hw))]

    def design(name: str, kind: str, **metrics: float) -> Design:
        return Design(name, "criteo", "small", {}, kind, {}, {}, [0], None, {"search_metrics": {**hw, **metrics}})

    designs = [design("a", "co-designed"), design("b", "co-designed", latency_ns=1020.0),
               design("a", "searched", latency_ns=9.0)]
    text = markdown.search_agreement(rows, designs)
    assert "on the 2 co-designed designs" in text and "at most 2.00e-02 (relative; b, latency_ns)" in text
    assert "on the 1 co-designed designs" in markdown.search_agreement(rows, designs[:1])
    assert "equal these tables' exactly" in markdown.search_agreement(rows, designs[:1])
    assert markdown.search_agreement(rows[:0], designs) == "no co-designed design with search figures to compare."
