"""The rows of docs/results.md from the committed designs: train (per seed) and price (per chip), both cached.

Per dataset (``DATASETS``; the sample files under ``../shared/data``):

- hand-crafted: ``HAND_CRAFTED`` trained from scratch (``training.py``) and priced with the optimized mapping on
  the ``default`` preset and on ``isaac``;
- per committed design of the dataset: ``searched`` priced naive and optimized on ``default``; ``co-designed``
  optimized on its own ``pim_arch.yaml``; both trained from scratch with the design's seeds.

KDD Cup 2012: the sample has 11 rows, none clicked (``../shared/data/README.md``): no model can be trained or scored
on it, so its hand-crafted rows are hardware only (KDD's schema: 3 dense inputs, 10 tables) and it has no designs.

Caches (``Settings.build``): ``train/<dataset>/<model>/seed<k>.json`` and ``price/<dataset>/<model>/<chip>-<strategy>
.json``, keyed by everything the value depends on (``cache.py``); a resumed run recomputes only what is missing.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from experiments.codesign import pricing
from experiments.codesign.cache import cached
from experiments.codesign.designs import HASH_SIZE, Design
from experiments.codesign.rows import Row
from experiments.codesign.training import RECIPE, ModelSpec, export_onnx, load_splits, standalone_layernorm, \
    train_and_score

HAND_CRAFTED = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "widedeep")
HAND_CHIPS = ("default", "isaac")
DATASETS = {"criteo": "criteo/criteo_train_head10k.txt.gz", "avazu": "avazu/avazu_train_combined14k.csv.gz",
            "kdd": "kdd2012/training.txt"}
"""Sample files, relative to ``--data-dir`` (default ``../shared/data`` of the checkout)."""
NO_ACCURACY = {"kdd": "11 rows, none clicked: log loss and AUC are undefined on it (../shared/data/README.md)"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    build: Path
    seeds: tuple[int, ...] = (0, 1, 2)
    models: tuple[str, ...] = HAND_CRAFTED
    batch: int = 64
    """Simulated queries per pricing: the steady-state rate needs a filled pipeline (the former 8-query batches
    counted the fill: DeepFM 531k vs 777k inf/s at 64, issue 24)."""
    log: Callable[[str], None] = field(default=lambda m: print(m, file=sys.stderr, flush=True))
    counts: dict[str, int] = field(default_factory=lambda: {"computed": 0, "cached": 0})
    """Cache entries computed and reused by this run (docs/results.md states them beside the run time)."""

    def tally(self, hit: bool) -> None:
        self.counts["cached" if hit else "computed"] += 1


def data_path(s: Settings, dataset: str) -> Path:
    path = s.data_dir / DATASETS[dataset]
    if not path.exists():
        raise pricing.UserError(path, f"{dataset} sample absent (see ../shared/data/README.md; --data-dir)")
    return path


def _train(spec: ModelSpec, splits_fn: Callable[[], dict], seed: int) -> dict:
    return train_and_score(spec, splits_fn(), seed)


def seeds_scores(s: Settings, spec: ModelSpec, seeds, splits_fn) -> list[dict]:
    """Test metrics per seed (cached per seed)."""
    out = []
    for seed in seeds:
        key = {"model": spec.to_dict(), "seed": seed, "recipe": RECIPE, "hash_size": HASH_SIZE,
               "data": DATASETS[spec.dataset]}
        path = s.build / "train" / spec.dataset / spec.name / f"seed{seed}.json"
        value, hit = cached(path, key, functools.partial(_train, spec, splits_fn, seed))
        s.tally(hit)
        s.log(f"{spec.dataset}: {spec.name} seed {seed}: log loss {value['log_loss']:.4f}"
              + (" (cached)" if hit else ""))
        out.append(value)
    return out


def price_cached(s: Settings, spec: ModelSpec, chip: str, doc: dict, strategy: str) -> dict:
    key = {"model": spec.to_dict(), "chip": pricing.arch_digest(doc), "strategy": strategy, "batch": s.batch,
           "layernorm": standalone_layernorm(spec), "figures": pricing.FIGURES_VERSION}
    path = s.build / "price" / spec.dataset / spec.name / f"{chip}-{strategy}.json"

    def compute() -> dict:
        with tempfile.TemporaryDirectory(prefix="codesign-") as tmp:
            return pricing.price(export_onnx(spec, Path(tmp) / "model.onnx"), doc, strategy, s.batch)

    value, hit = cached(path, key, compute)
    s.tally(hit)
    shown = value.get("infeasible") or f"latency {value['latency_ns']:.0f} ns"
    s.log(f"{spec.dataset}: {spec.name} on {chip} ({strategy}): {shown}" + (" (cached)" if hit else ""))
    return value


class Splits:
    """The dataset's splits, loaded on first use (a fully cached run never reads the sample)."""

    def __init__(self, dataset: str, path: Path):
        self.dataset, self.path = dataset, path
        self.value: dict | None = None

    def __call__(self) -> dict:
        if self.value is None:
            self.value = load_splits(self.dataset, str(self.path))
        return self.value


def hand_crafted_rows(s: Settings, dataset: str) -> list[Row]:
    accuracy = dataset not in NO_ACCURACY
    splits = Splits(dataset, data_path(s, dataset)) if accuracy else None
    docs = {chip: pricing.base_arch_doc(chip) for chip in HAND_CHIPS}
    rows = []
    for name in s.models:
        spec = ModelSpec(dataset, name)
        scores = seeds_scores(s, spec, s.seeds, splits) if splits is not None else []
        for chip in HAND_CHIPS:
            hw = price_cached(s, spec, chip, docs[chip], "optimized")
            rows.append(Row(dataset, "hand-crafted", "hand-crafted", name, chip, "optimized", list(s.seeds)
                            if scores else [], scores, hw))
    return rows


def design_rows(s: Settings, d: Design) -> list[Row]:
    spec = ModelSpec(d.dataset, d.name, d.arch, d.space, d.menus)
    scores = seeds_scores(s, spec, d.seeds, Splits(d.dataset, data_path(s, d.dataset)))
    if d.kind == "searched":
        doc = pricing.base_arch_doc("default")
        pairs = [("searched-naive", "naive"), ("searched-optimized", "optimized")]
        return [Row(d.dataset, d.space, kind, d.name, "default", strategy, d.seeds, scores,
                    price_cached(s, spec, "default", doc, strategy)) for kind, strategy in pairs]
    hw = price_cached(s, spec, "own", d.pim_arch, "optimized")
    return [Row(d.dataset, d.space, "co-designed", d.name, "own", "optimized", d.seeds, scores, hw,
                hw_point=d.hw_point)]


def all_rows(s: Settings, datasets: list[str], designs: list[Design]) -> list[Row]:
    rows: list[Row] = []
    for ds in datasets:
        rows += hand_crafted_rows(s, ds)
        for d in designs:
            if d.dataset == ds:
                rows += design_rows(s, d)
    return rows
