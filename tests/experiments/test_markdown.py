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
