"""LayerNorm in standalone NASRec models: test log loss of each committed design trained from scratch with and without.

NASRec trains its standalone models with LayerNorm off (../shared/reference/recsys_search_space.md, B.4) on 36 M
rows; the co-design experiment trains on the samples' 8-11 k rows (31-44 steps). This script measures, for every
design under ``results/designs`` (or those named), the experiment's recipe (``experiments.codesign.training``:
Adam, lr 3e-3, batch 256, one epoch, clip 1.0, co-designed designs then brought to their precisions) with LayerNorm
off and on, seeds 0-2, and prints one table row per design: per-seed test log loss and the mean. The choice it
supports, ``RECIPE["layernorm"]`` (on for NASRec-Full, off for NASRec-Small), is documented in docs/accuracy.md.

    .venv/bin/python benchmarks/layernorm_standalone.py                       # all committed designs (~10 min)
    .venv/bin/python benchmarks/layernorm_standalone.py avazu-full-searched   # one design
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from experiments.codesign.designs import load_design  # noqa: E402  (after the path: run as a script)
from experiments.codesign.pipeline import DATASETS  # noqa: E402
from experiments.codesign.training import ModelSpec, load_splits, train_and_score  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", help="design names under results/designs (default: all)")
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared/data"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    root = REPO / "results/designs"
    names = args.designs or sorted(p.name for p in root.iterdir() if (p / "design.json").exists())
    splits: dict[str, dict] = {}
    print("| design | LayerNorm off: seeds -> mean | LayerNorm on: seeds -> mean |")
    print("|---|---|---|")
    for name in names:
        d = load_design(root / name)
        if d.dataset not in splits:
            splits[d.dataset] = load_splits(d.dataset, str(Path(args.data_dir) / DATASETS[d.dataset]))
        spec = ModelSpec(d.dataset, d.name, d.arch, d.space, d.menus)
        cells = []
        for norm in (False, True):
            losses = [train_and_score(spec, splits[d.dataset], seed, layernorm=norm)["log_loss"] for seed in args.seeds]
            cells.append(" / ".join(f"{v:.3f}" for v in losses) + f" -> {statistics.mean(losses):.4f}")
        print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
