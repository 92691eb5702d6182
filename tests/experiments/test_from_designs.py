"""``--from-designs`` end to end on the committed fixture (real Criteo sample, one seed, one hand-crafted model,
4-query batches to stay fast): rows, ratios, plots; a second run re-uses every cached row and writes the same
hardware columns; an interrupted run (one cache entry missing) recomputes that entry only."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.codesign.cli import main
from tests.conftest import SHARED_DATA, shared_data_file

FIXTURE = Path(__file__).parent / "designs"


def _run(tmp_path: Path, capsys) -> tuple[str, list[str]]:
    args = ["--from-designs", str(FIXTURE), "--datasets", "criteo", "kdd", "--hand-crafted", "dlrm", "--seeds", "0",
            "--batch", "4", "--data-dir", str(SHARED_DATA), "--build", str(tmp_path / "build"),
            "--results", str(tmp_path / "results.md"), "--plots", str(tmp_path / "plots")]
    assert main(args) == 0
    return (tmp_path / "results.md").read_text(), capsys.readouterr().err.splitlines()


def _tables(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


@pytest.mark.needs_data
@pytest.mark.slow
def test_from_designs_end_to_end_and_resume(tmp_path, capsys):
    shared_data_file("criteo/criteo_train_head10k.txt.gz")
    shared_data_file("kdd2012/training.txt")
    text, log = _run(tmp_path, capsys)
    # rows: dlrm on both chips, the searched design naive and optimized, the co-designed one on its chip
    assert "| dlrm | - | default | optimized | " in text and "| dlrm | - | isaac | optimized | " in text
    assert "| criteo-small-searched (searched-naive) | small | default | naive |" in text
    assert "| criteo-small-codesigned (co-designed) | small | own | optimized |" in text
    assert "| speedup (latency, naive searched / co-designed) |" in text and "## kdd" in text
    assert "Hardware only: 11 rows, none clicked" in text
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "logloss_vs_energy.png", "logloss_vs_latency.png", "ratios.png"]
    fresh = [line for line in log if "log loss" in line or "latency" in line]
    assert fresh and not any("(cached)" in line for line in fresh)
    # every row cached: identical tables (hardware bit for bit, accuracy from the cache)
    again, log2 = _run(tmp_path, capsys)
    assert _tables(again) == _tables(text)
    assert all("(cached)" in line for line in log2 if "log loss" in line or "latency" in line)
    # an interrupted run: one (design, seed) and one (design, chip) entry missing -> only those two recomputed
    (tmp_path / "build/train/criteo/criteo-small-codesigned/seed0.json").unlink()
    (tmp_path / "build/price/criteo/dlrm/isaac-optimized.json").unlink()
    third, log3 = _run(tmp_path, capsys)
    redone = [line for line in log3 if ("log loss" in line or "latency" in line) and "(cached)" not in line]
    assert len(redone) == 2
    assert any("criteo-small-codesigned seed 0" in line for line in redone)
    assert any("dlrm on isaac" in line for line in redone)
    assert [line for line in _tables(third) if "isaac" in line] == [line for line in _tables(text) if "isaac" in line]
