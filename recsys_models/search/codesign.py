"""The co-design experiment behind docs/results.md, per dataset, on the real CTR samples.

Pipeline (all seeded; every hardware number from ``compiler`` + ``pimsim`` via
``hardware_cost``; every accuracy number from a model trained on the sample's
train split and scored on its test split):

1. train a NASRec supernet (``recsys_models.supernet``) on the train split;
2. accuracy-only search: float architectures, ``--objective accuracy``;
3. co-design search: per-operator precisions x the hardware space, scalarised
   objective (log loss + latency and area penalties).  Inside this search the
   candidates are priced by ``search_oracle`` (``exact``: mapped with
   ``search_strategy``, about 0.5-1.5 s per candidate; ``composed``: the
   per-unit oracle of docs/search.md, naive units, then the 16 best re-priced
   exactly and the co-designed architecture chosen on those figures, as
   ``recsys search`` does);
4. train every design from scratch with one recipe (``recsys train``'s defaults
   for the samples: Adam, lr 3e-3, batch 256, one epoch; gradient norm clipped
   at ``clip_norm`` = 1.0 -- without it a searched NASRec-Small architecture with
   FM branches diverged to log loss 2.3-2.5, 0.484 with it): the hand-crafted
   baselines (DLRM, DCN-v2, DeepFM, AutoInt, xDeepFM) and the two searched
   architectures (LayerNorm off, as NASRec's standalone models).  NASRec's own
   standalone recipe (Adagrad, lr 0.1-0.2, B.4) is tuned for 36M rows and
   diverged on the 8k-row samples (log loss 0.55 and 3.0 when tried);
5. export each trained model to ONNX and price it (see ``codesign_table``
   for the rows and ratios).

Budgets are small so that the whole table is regenerated in minutes; the
10k-row samples make the log losses noisy (about +-0.01 between seeds), which
docs/results.md states next to the numbers.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from recsys_models.oracles import hardware_cost
from recsys_models.search.codesign_table import Row
from recsys_models.oracles.flops import onnx_flops

BASELINES = ("dlrm", "dcnv2", "deepfm", "autoint", "xdeepfm")
HASH_SIZE = 10_000


@dataclass(frozen=True)
class Budget:
    """Sizes of one regeneration (defaults: a few minutes per dataset on 2 cores)."""

    supernet_steps: int = 200
    supernet_lr: float = 0.01
    search_budget: int = 12
    population: int = 6
    children: int = 3
    sample_size: int = 3
    finetune_steps: int = 50
    search_strategy: str = "optimized"  # mapping used *inside* the co-design search (see the module docstring)
    search_oracle: str = "exact"  # whole-candidate pricing: sim_batch > 1, where the composed throughput is a bound
    sim_batch: int = 8
    seed: int = 0
    objective: str = "scalar:latency_ns=0.05@100000,area_mm2=0.05@40"
    clip_norm: float = 1.0


def table_space():
    """NASRec-Small with narrowed menus (the supernet must train in minutes on 8k rows)."""
    from recsys_models.space import get_space

    return get_space("small", dense_widths=(16, 32, 64, 128, 256), weight_bits=(4, 8), act_bits=(8,))


def _splits(dataset: str, data: str):
    from recsys_models.data.dataset import load_split

    return {s: load_split(dataset, data, s, hash_size=HASH_SIZE) for s in ("train", "val", "test")}


def train_supernet_ckpt(dataset: str, splits, out: Path, b: Budget, log) -> Path:
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.supernet.model import Supernet, resolve_dataset_spec
    from recsys_models.supernet.train import SupernetTrainConfig, train_supernet

    path = out / "supernet.pt"
    if path.exists():
        return path
    sn = Supernet(table_space(), resolve_dataset_spec(dataset, HASH_SIZE))
    cfg = SupernetTrainConfig(steps=b.supernet_steps, lr=b.supernet_lr, warmup_steps=b.supernet_steps // 4,
                              seed=b.seed)
    train_supernet(sn, TensorBatches(*splits["train"], batch_size=256, shuffle=True, seed=b.seed), cfg,
                   progress=False, checkpoint=path, log=log)
    return path


def run_searches(dataset: str, data: str, ckpt: Path, out: Path, b: Budget, hw_space: str):
    """(accuracy-only best candidate, co-design best candidate, their SearchResults)."""
    from recsys_models.search.report import best_designs, choose_designs
    from recsys_models.search.runner import SearchOptions, oracle_spec, run_search

    acc_opts = SearchOptions(space="small", dataset=dataset, data=data, supernet=str(ckpt), budget=b.search_budget,
                             population=b.population, children=b.children, sample_size=b.sample_size, seed=b.seed,
                             finetune_steps=b.finetune_steps, batch=b.sim_batch, oracle=b.search_oracle,
                             out=str(out / "search_accuracy"), objective="accuracy", quantized=False)
    acc = run_search(acc_opts)
    # the same search settings, on the co-design problem (the other fields as SearchOptions' defaults)
    co_opts = replace(acc_opts, out=str(out / "search_codesign"), objective=b.objective, quantized=True,
                      hw_space=hw_space, strategy=b.search_strategy)
    co = run_search(co_opts)
    best_acc = best_designs(acc.state.evaluated, acc.objective, 1, dataset)[0]
    best_co = choose_designs(co.state.evaluated, co.objective, 1, oracle_spec(co_opts, co.objective),
                             co_opts.verify_top)[0][0]
    return best_acc, best_co, acc, co


def _test_metrics(model, splits) -> dict:
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.train.loop import evaluate

    m = evaluate(model, TensorBatches(*splits["test"], batch_size=4096))
    return {"log_loss": m["logloss"], "auc": m["auc"]}


def _price(onnx_path: Path, doc: dict, strategy: str, batch: int) -> dict:
    metrics = hardware_cost.price_onnx(onnx_path, doc, strategy=strategy, batch=batch)
    metrics["flops"] = onnx_flops(onnx_path)
    return metrics


def baseline_rows(dataset: str, splits, b: Budget, tmp: Path, log, cache: Path | None = None) -> list[Row]:
    """The hand-crafted rows (kept in ``cache`` once computed: they do not depend on the searches)."""
    if cache is not None and cache.exists():
        return [Row(**r) for r in json.loads(cache.read_text())]
    rows = _baseline_rows(dataset, splits, b, tmp, log)
    if cache is not None:
        cache.write_text(json.dumps([r.__dict__ for r in rows], indent=1, sort_keys=True) + "\n")
    return rows


def _baseline_rows(dataset: str, splits, b: Budget, tmp: Path, log) -> list[Row]:
    from recsys_models.baselines import build_model
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import export_model
    from recsys_models.train.loop import TrainConfig, train_model

    spec, doc, rows = dataset_spec(dataset, HASH_SIZE), hardware_cost.base_arch_doc("default"), []
    for name in BASELINES:
        import torch

        torch.manual_seed(b.seed)
        model = build_model(name, spec.n_int, spec.table_sizes)
        train_model(model, TensorBatches(*splits["train"], batch_size=256, shuffle=True, seed=b.seed),
                    TrainConfig(epochs=1, lr=3e-3, seed=b.seed, clip_norm=b.clip_norm), progress=False)
        metrics = _test_metrics(model, splits)
        path = export_model(model, tmp / f"{name}.onnx", spec.n_int, spec.table_sizes, batch=1)
        metrics.update(_price(path, doc, "optimized", b.sim_batch))
        rows.append(Row("hand-crafted", name, metrics, "default (optimized), default arch, float->8-bit"))
        log(f"{dataset}: {name} log loss {metrics['log_loss']:.4f}, latency {metrics['latency_ns']:.0f} ns")
    return rows


def searched_rows(dataset: str, splits, best_acc, best_co, hw_space: str, b: Budget, tmp: Path, log) -> list[Row]:
    from recsys_models.data.dataset import TensorBatches
    from recsys_models.search.hw_space import load_hw_space
    from recsys_models.space import arch_from_json
    from recsys_models.supernet.model import resolve_dataset_spec
    from recsys_models.supernet.onnx_qdq import export_subnet_onnx
    from recsys_models.supernet.subnet import build_standalone
    from recsys_models.train.loop import TrainConfig, train_model

    spec, default_doc, rows = resolve_dataset_spec(dataset, HASH_SIZE), hardware_cost.base_arch_doc("default"), []
    for tag, cand in (("searched", best_acc), ("co-designed", best_co)):
        arch = arch_from_json(cand.candidate["arch"], table_space())
        model = build_standalone(arch, spec, layernorm=False, seed=b.seed)
        train_model(model, TensorBatches(*splits["train"], batch_size=256, shuffle=True, seed=b.seed),
                    TrainConfig(epochs=1, lr=3e-3, seed=b.seed, clip_norm=b.clip_norm), progress=False)
        acc = _test_metrics(model, splits)
        path = export_subnet_onnx(arch, spec, tmp / f"{tag}.onnx", batch=1, model=model.eval(), verify=False)
        if tag == "searched":
            rows.append(Row("searched-naive", "accuracy-only searched", {**acc, **_price(path, default_doc, "naive",
                            b.sim_batch)}, "naive, default arch, uniform 8-bit"))
            rows.append(Row("searched-optimised", "accuracy-only searched", {**acc, **_price(
                path, default_doc, "optimized", b.sim_batch)}, "default (optimized), default arch"))
        else:
            doc = load_hw_space(hw_space).apply(cand.candidate["hw"])
            hw = ", ".join(f"{k}={v}" for k, v in cand.candidate["hw"].items())
            rows.append(Row("co-designed", "co-designed", {**acc, **_price(path, doc, "optimized", b.sim_batch)},
                            f"optimized, searched precisions, {hw}"))
        log(f"{dataset}: {tag} log loss {acc['log_loss']:.4f}")
    return rows


def run_dataset(dataset: str, data: str, out: Path, b: Budget, hw_space: str, log=print) -> dict:
    """All rows of one dataset plus run facts (seconds, search throughput, chosen designs)."""
    import torch

    torch.set_num_threads(1)  # one core per dataset: spinning OpenMP threads only slow a shared machine down
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    splits = _splits(dataset, data)
    ckpt = train_supernet_ckpt(dataset, splits, out, b, log)
    best_acc, best_co, acc, co = run_searches(dataset, data, ckpt, out, b, hw_space)
    with tempfile.TemporaryDirectory(prefix="codesign-") as tmp:
        rows = baseline_rows(dataset, splits, b, Path(tmp), log, out / "baseline_rows.json")
        rows += searched_rows(dataset, splits, best_acc, best_co, hw_space, b, Path(tmp), log)
    facts = {"seconds": time.perf_counter() - t0, "rows": {k: len(v[2]) for k, v in splits.items()},
             "accuracy_search": {"evaluated": len(acc.state.evaluated), "candidates_per_s": acc.throughput},
             "codesign_search": {"evaluated": len(co.state.evaluated), "candidates_per_s": co.throughput,
                                 "infeasible": sum("infeasible" in e.metrics for e in co.state.evaluated)},
             "searched_arch": best_acc.candidate, "codesigned": best_co.candidate}
    (out / "rows.json").write_text(json.dumps({"rows": [r.__dict__ for r in rows], "facts": facts}, indent=1,
                                              sort_keys=True, default=str) + "\n")
    return {"rows": rows, "facts": facts}
