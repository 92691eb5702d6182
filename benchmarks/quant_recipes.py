"""Which quantisation recipe: log loss and AUC cost against the float model, per recipe and precision.

For every dataset (Criteo, Avazu samples; the KDD Cup 2012 sample has 11 unclicked rows and is refused), model
(DLRM; NASRec's published ``<dataset>_small`` architecture with LayerNorm) and seed: train the float model (Adam,
lr 3e-3, batch 256, one epoch, gradient norm clipped at 1.0: the co-design table's recipe), then quantise it with
every recipe of ``recipes()`` to weights {2, 4, 8} x activations {4, 6, 8} bits (or the ``--precisions``) and
score validation and test log loss and AUC. ``today`` is the co-design table's current recipe: the quantised model
trained from scratch with the same seed and schedule (EMA max ranges, per-tensor scales), scored against that float
model. The fine-tuning recipes have a float control (the float model fine-tuned with the same
schedule), which separates the cost of more training on 8-11k rows from the cost of quantisation.

Rows go to ``OUT/rows.jsonl`` as they finish (a rerun skips finished rows); then ``OUT/table.md`` (mean and sample
standard deviation over seeds of test-minus-float differences, validation alongside; first the recipe x (dataset,
model) table of 4-bit activations) and ``OUT/quant_recipes.png``. ``--precisions w8a4`` restricts the cells.

    .venv/bin/python benchmarks/quant_recipes.py                      # the full table (hours on a loaded 2-core box)
    .venv/bin/python benchmarks/quant_recipes.py --quick              # one seed, DLRM on Criteo, three recipes
    .venv/bin/python benchmarks/quant_recipes.py --precisions w8a4    # 4-bit activations (docs/accuracy.md)
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
FILES = {"criteo": "criteo/criteo_train_head10k.txt.gz", "avazu": "avazu/avazu_train_combined14k.csv.gz"}
HASH_SIZE = 10_000
WEIGHT_BITS = (8, 4, 2)
ACT_BITS = (8, 6, 4)
TRAIN = dict(epochs=1, lr=3e-3, clip_norm=1.0)


def recipes():
    """name -> QuantRecipe (``today`` is built by ``today_row``). Order = the table's order."""
    from recsys_models.blocks.quantize import QuantRecipe

    base = QuantRecipe("ptq-max", per_channel=False, act_range="max", unsigned=False)
    mse_u_pc = replace(base, name="ptq-mse-u-pc", act_range="mse", unsigned=True, per_channel=True)
    eq = replace(mse_u_pc, name="ptq-eq", equalize=True)
    return {r.name: r for r in (
        replace(base, name="qat-ema", act_range="ema", qat_steps=64, qat_lr=1e-4),  # (b) longer QAT from float
        base,  # (e) post-training calibration only
        replace(base, name="ptq-pct", act_range="percentile"),  # (c) calibrated ranges
        replace(base, name="ptq-mse", act_range="mse"),  # (c)
        replace(base, name="ptq-mse-u", act_range="mse", unsigned=True),
        mse_u_pc,  # (d) per-channel weight scales
        eq,
        replace(eq, name="ptq-eq-wmse", weight_range="mse"),
        replace(eq, name="qat-eq", qat_steps=32, qat_lr=1e-4),
        # not compared: QAT with MSE weight clipping recomputes the 100-point clip search of every weight at every
        # step (50 s per DLRM cell against 5-25 s for the others on the shared machine)
    )}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(REPO / "build" / "quant"), help="rows, table and plot (default build/quant)")
    p.add_argument("--data", default=str(DATA), help="folder of the samples (default ../shared/data)")
    p.add_argument("--datasets", default="criteo,avazu")
    p.add_argument("--models", default="dlrm,nasrec")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--precisions", default="", help="comma-separated wWaA cells, e.g. w8a4,w4a4 (default: weights "
                                                     "{8, 4, 2} x activations {8, 6, 4})")
    p.add_argument("--recipes", default="", help="comma-separated subset of the recipe names (default: all)")
    p.add_argument("--device", default="cpu", help="torch device for training and scoring (e.g. cuda)")
    p.add_argument("--quick", action="store_true", help="seed 0, DLRM on Criteo, today/ptq-max/ptq-eq, 2 precisions")
    p.add_argument("--table-only", action="store_true", help="no runs: the table and plot from OUT/rows.jsonl and "
                                                               "any --merge files")
    p.add_argument("--merge", default="", help="comma-separated extra rows.jsonl files (runs split over processes)")
    p.add_argument("--pim", action="store_true", help="also run the default recipe's exports through the compiler "
                                                        "and pimsim.functional (seed 0, first dataset): OUT/pim.md")
    args = p.parse_args(argv)
    if args.quick:
        args.datasets, args.models, args.seeds, args.recipes = "criteo", "dlrm", "0", "today,ptq-max,ptq-eq"
        args.precisions = args.precisions or "w8a4,w4a8"
        args.out = args.out if args.out != str(REPO / "build" / "quant") else str(REPO / "build" / "quant_quick")
    for dataset in args.datasets.split(","):
        if dataset == "kdd":  # the NASRec paper's third dataset: no usable sample (../shared/data/README.md)
            sys.exit("error: --datasets: kdd: the KDD Cup 2012 sample has 11 training rows, none clicked "
                     "(../shared/data/README.md); there is no log loss to measure")
        if dataset not in FILES:
            sys.exit(f"error: --datasets: unknown dataset {dataset!r}; known: {', '.join(FILES)}")
    args.precision_cells = precisions(args.precisions)
    return args


def precisions(text: str):
    """``w8a4,w4a4`` -> [OpPrecision(8, 4), OpPrecision(4, 4)]; empty: every weight x activation width."""
    import re

    from recsys_models.space import OpPrecision

    if not text:
        return [OpPrecision(w, a) for w in WEIGHT_BITS for a in ACT_BITS]
    cells = []
    for cell in text.split(","):
        m = re.fullmatch(r"w(\d+)a(\d+)", cell.strip())
        if m is None or int(m[1]) not in WEIGHT_BITS or int(m[2]) not in ACT_BITS:
            sys.exit(f"error: --precisions: {cell!r} is not wWaA with W in {WEIGHT_BITS} and A in {ACT_BITS}")
        cells.append(OpPrecision(int(m[1]), int(m[2])))
    return cells


DEVICE = "cpu"


def splits(dataset: str, data: str):
    from recsys_models.data.dataset import load_split

    path = Path(data) / FILES[dataset]
    if not path.is_file():
        sys.exit(f"error: {path}: sample not found (--data names the folder holding {FILES[dataset]})")
    return {s: tuple(t.to(DEVICE) for t in load_split(dataset, path, s, hash_size=HASH_SIZE))
            for s in ("train", "val", "test")}


def build(model: str, dataset: str, seed: int):
    return _build(model, dataset, seed).to(DEVICE)


def _build(model: str, dataset: str, seed: int):
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.data.specs import dataset_spec
    from recsys_models.space import nasrec_best
    from recsys_models.supernet.subnet import build_standalone

    spec = dataset_spec(dataset, HASH_SIZE)
    torch.manual_seed(seed)
    if model == "dlrm":
        return build_model("dlrm", spec.n_int, spec.table_sizes)
    # LayerNorm on: without it the published Criteo-Small architecture diverged under this recipe (test log loss
    # 8.6 at seed 0), as NASRec's own LayerNorm-free recipe did (docs/supernet.md)
    return build_standalone(nasrec_best(f"{dataset}_small"), spec, layernorm=True, seed=seed)


def train(model, sp, seed: int):
    from recsys_models.train.loop import TrainConfig, train_model

    train_model(model, batches(sp, seed), TrainConfig(seed=seed, **TRAIN), progress=False)
    return model.eval()


def batches(sp, seed: int):
    from recsys_models.data.dataset import TensorBatches

    return TensorBatches(*sp["train"], batch_size=256, shuffle=True, seed=seed)


def score(model, sp) -> dict:
    import torch

    from recsys_models.train.metrics import log_loss, roc_auc

    out = {}
    model.eval()
    for split in ("val", "test"):
        dense, sparse, label = sp[split]
        with torch.no_grad():
            p = torch.sigmoid(model(dense, sparse)).reshape(-1).cpu().numpy()
        y = label.cpu().numpy()
        out[f"{split}_logloss"], out[f"{split}_auc"] = log_loss(y, p), roc_auc(y, p)
    return out


def today_model(model_name: str, dataset: str, seed: int, precision, sp):
    """The co-design table's recipe: quantised from scratch (EMA max ranges, per-tensor, signed), same schedule."""
    from recsys_models.blocks.quantize import attach_quantizers, quantizers, set_precision

    model = attach_quantizers(build(model_name, dataset, seed))
    set_precision(model, precision)
    for q in quantizers(model):
        q.set_weight_ranges(per_channel=False, method="max")
    return train(model, sp, seed)


def duplicate(recipe, model, plan) -> bool:
    """Equalisation acts on ``QuantLinear`` layers only: on a NASRec model a recipe that differs from another of
    ``plan`` only by ``equalize`` would repeat it, so it is skipped (the table says so). A float baseline (no
    quantisers yet) is equalisable: ``attach_quantizers`` wraps its ``nn.Linear`` layers in ``QuantLinear``."""
    from recsys_models.blocks.quantize import QuantLinear, quantizers

    if not recipe.equalize or not quantizers(model) or any(isinstance(m, QuantLinear) for m in model.modules()):
        return False
    twin = replace(recipe, equalize=False)
    return any(r != "today" and replace(r, name=recipe.name) == twin for r in plan)


def run_cell(key: dict, float_model, sp, recipe, precision) -> dict:
    from recsys_models.blocks.quantize import quantize_model

    t0 = time.perf_counter()
    if recipe == "today":
        qmodel = today_model(key["model"], key["dataset"], key["seed"], precision, sp)
    else:
        qmodel = quantize_model(float_model, precision, batches(sp, key["seed"]), replace(recipe, seed=key["seed"]))
    return {**key, **score(qmodel, sp), "seconds": time.perf_counter() - t0}


def controls(float_model, sp, seed: int, plan) -> dict:
    """Float model fine-tuned with each fine-tuning schedule of ``plan`` (steps, lr) -> its scores."""
    import copy

    from recsys_models.blocks.quantize import finetune

    out = {}
    for steps, lr in sorted({(r.qat_steps, r.qat_lr) for r in plan if r != "today" and r.qat_steps}):
        m = copy.deepcopy(float_model)
        finetune(m, batches(sp, seed), steps, lr, 1.0, seed)
        out[f"{steps}@{lr:g}"] = score(m, sp)
    return out


def cell_key(row: dict) -> tuple:
    return row["dataset"], row["model"], row["seed"], row["recipe"], row["weight_bits"], row["act_bits"]


def load_rows(*paths: Path) -> list[dict]:
    """Rows of one or more ``rows.jsonl`` files, the first of each cell kept (every cell is deterministic)."""
    seen, rows = set(), []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else None
            if row is not None and cell_key(row) not in seen:
                seen.add(cell_key(row))
                rows.append(row)
    return rows


def run(args) -> list[dict]:
    import torch

    torch.set_num_threads(1)  # one core: the machine is shared
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / "rows.jsonl"
    rows = load_rows(rows_path)
    done = {cell_key(r) for r in rows}
    table = recipes()
    names = ["today", *table] if not args.recipes else args.recipes.split(",")
    unknown = [n for n in names if n != "today" and n not in table]
    if unknown:
        sys.exit(f"error: --recipes: unknown recipe(s) {unknown}; known: today, {', '.join(table)}")
    plan = ["today" if n == "today" else table[n] for n in names]
    for dataset in args.datasets.split(","):
        sp = splits(dataset, args.data)
        for model_name in args.models.split(","):
            for seed in map(int, args.seeds.split(",")):
                base = {"dataset": dataset, "model": model_name, "seed": seed}
                t0 = time.perf_counter()
                float_model = train(build(model_name, dataset, seed), sp, seed)
                float_row = {**base, "recipe": "float", "weight_bits": 32, "act_bits": 32, **score(float_model, sp),
                             "controls": controls(float_model, sp, seed, plan)}
                print(f"{dataset} {model_name} seed {seed}: float test log loss {float_row['test_logloss']:.4f} "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
                if (dataset, model_name, seed, "float", 32, 32) not in done:
                    rows.append(float_row)
                    with rows_path.open("a") as f:
                        f.write(json.dumps(float_row) + "\n")
                for recipe in plan:
                    name = recipe if recipe == "today" else recipe.name
                    if recipe != "today" and duplicate(recipe, float_model, plan):
                        continue
                    for p in args.precision_cells:
                        cell = (dataset, model_name, seed, name, p.weight_bits, p.act_bits)
                        if cell in done:
                            continue
                        key = {**base, "recipe": name, "weight_bits": p.weight_bits, "act_bits": p.act_bits}
                        row = run_cell(key, float_model, sp, recipe, p)
                        rows.append(row)
                        with rows_path.open("a") as f:
                            f.write(json.dumps(row) + "\n")
                        d = row["test_logloss"] - float_row["test_logloss"]
                        print(f"  {name:12s} w{p.weight_bits}a{p.act_bits}: test log loss {d:+.4f} vs float "
                              f"({row['seconds']:.1f} s)", flush=True)
    (out / "recipes.json").write_text(json.dumps({n: (asdict(r) if r != "today" else "today")
                                                  for n, r in zip(names, plan)}, indent=1) + "\n")
    return rows


TWINS = {"ptq-eq": "ptq-mse-u-pc"}  # equalisation acts on QuantLinear only: on NASRec models the twin's numbers


def _control_key(recipe: str) -> str | None:
    r = recipes().get(recipe)
    return f"{r.qat_steps}@{r.qat_lr:g}" if r is not None and r.qat_steps else None


def deltas(rows: list[dict]) -> dict:
    """(dataset, model, recipe, w, a) -> {metric: [per-seed quantised minus float]}.

    ``*_logloss_net`` (log loss only): for a recipe that fine-tunes, the larger of the difference to the float model
    and to the float model fine-tuned with the same schedule (its control), so that neither the gain of more training
    nor the loss of overfitting is booked as the recipe's; for the others the same as the plain difference.
    """
    floats = {(r["dataset"], r["model"], r["seed"]): r for r in rows if r["recipe"] == "float"}
    out: dict = {}
    for r in rows:
        f = floats.get((r["dataset"], r["model"], r["seed"]))
        if r["recipe"] == "float" or f is None:
            continue
        cell = out.setdefault((r["dataset"], r["model"], r["recipe"], r["weight_bits"], r["act_bits"]), {})
        control = f.get("controls", {}).get(_control_key(r["recipe"]))
        for m in ("val_logloss", "test_logloss", "val_auc", "test_auc"):
            cell.setdefault(m, []).append(r[m] - f[m])
        for m in ("val_logloss", "test_logloss"):
            net = r[m] - f[m] if control is None else max(r[m] - f[m], r[m] - control[m])
            cell.setdefault(f"{m}_net", []).append(net)
    for (dataset, model, recipe, w, a), cell in list(out.items()):
        for twin, base in TWINS.items():
            if recipe == base and not any(k[:3] == (dataset, model, twin) for k in out):
                out.setdefault((dataset, model, twin, w, a), dict(cell, twin=base))
    return out


def selection(d: dict) -> list[str]:
    """The choice: mean net validation Δ log loss over every measured (dataset, model, precision) cell; test
    alongside. A recipe missing one of those cells (a partial run) is left out; on NASRec models an
    equalising recipe stands for its twin (``TWINS``)."""
    needed = {(k[0], k[1], k[3], k[4]) for k in d}
    scores = []
    for recipe in dict.fromkeys(k[2] for k in d):
        cells = {k: v for k, v in d.items() if k[2] == recipe}
        if {(k[0], k[1], k[3], k[4]) for k in cells} != needed:
            continue
        mean = {m: statistics.fmean(x for v in cells.values() for x in v[m]) for m in
                ("val_logloss_net", "test_logloss_net", "val_logloss", "test_logloss", "test_auc")}
        a4 = {m: statistics.fmean([x for k, v in cells.items() if k[4] == 4 for x in v[m]] or [math.nan]) for m in
              ("val_logloss_net", "test_logloss_net", "test_auc")}
        scores.append((mean["val_logloss_net"], recipe, mean, a4))
    precs = ", ".join(f"w{w}a{a}" for w, a in sorted({k[3:] for k in d}, key=lambda p: (-p[0], -p[1])))
    lines = ["", f"**Choice** (mean over datasets, models, the precisions {precs} and seeds; net = fine-tuning "
             "recipes charged the larger of their differences to the float model and to its fine-tuned "
             "control):", "",
             "| recipe | val Δ log loss, net | test Δ log loss, net | test Δ log loss | test Δ AUC | 4-bit act.: val "
             "Δ log loss, net | 4-bit act.: test Δ log loss, net | 4-bit act.: test Δ AUC |",
             "|---|---|---|---|---|---|---|---|"]
    for _, recipe, mean, a4 in sorted(scores):
        name = f"{recipe} (DEFAULT_RECIPE)" if is_default(recipe) else recipe
        lines.append(f"| {name} | {mean['val_logloss_net']:+.4f} | {mean['test_logloss_net']:+.4f} | "
                     f"{mean['test_logloss']:+.4f} | {mean['test_auc']:+.4f} | {a4['val_logloss_net']:+.4f} | "
                     f"{a4['test_logloss_net']:+.4f} | {a4['test_auc']:+.4f} |")
    return lines


def is_default(name: str) -> bool:
    """Whether recipe ``name`` is ``recsys_models.blocks.quantize.DEFAULT_RECIPE`` (up to its name and seed)."""
    from recsys_models.blocks.quantize import DEFAULT_RECIPE

    r = recipes().get(name)
    return r is not None and replace(r, name=DEFAULT_RECIPE.name, seed=DEFAULT_RECIPE.seed) == DEFAULT_RECIPE


def fmt(values: list[float], digits: int = 4) -> str:
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:+.{digits}f} ± {spread:.{digits}f}"


def summary(rows: list[dict]) -> str:
    """Markdown: float scores, controls, then one table per (dataset, model) of Δ log loss and Δ AUC (test)."""
    d = deltas(rows)
    floats = [r for r in rows if r["recipe"] == "float"]
    lines = ["Float models (mean ± sample std over seeds; test split):", "",
             "| dataset | model | seeds | log loss | AUC | fine-tuned float controls, Δ test log loss |",
             "|---|---|---|---|---|---|"]
    for key in sorted({(r["dataset"], r["model"]) for r in floats}):
        fs = [r for r in floats if (r["dataset"], r["model"]) == key]
        ctl = {}
        for r in fs:
            for k, v in r.get("controls", {}).items():
                ctl.setdefault(k, []).append(v["test_logloss"] - r["test_logloss"])
        ctl_text = "; ".join(f"{k} steps@lr: {fmt(v)}" for k, v in sorted(ctl.items())) or "-"
        lines.append(f"| {key[0]} | {key[1]} | {len(fs)} | {fmt([r['test_logloss'] for r in fs])[1:]} | "
                     f"{fmt([r['test_auc'] for r in fs])[1:]} | {ctl_text} |")
    order = list(dict.fromkeys(r["recipe"] for r in rows if r["recipe"] != "float"))
    lines += act4_table(d, order)
    precs = sorted({(k[3], k[4]) for k in d}, key=lambda p: (-p[0], -p[1]))
    for dataset, model in sorted({(k[0], k[1]) for k in d}):
        for metric, title in (("test_logloss", "Δ test log loss"), ("val_logloss", "Δ validation log loss"),
                              ("test_auc", "Δ test AUC")):
            lines += ["", f"**{dataset}, {model}: {title}** (quantised minus float, mean ± std over seeds)", "",
                      "| recipe | " + " | ".join(f"w{w}a{a}" for w, a in precs) + " |",
                      "|---|" + "---|" * len(precs)]
            for recipe in order:
                got = [d.get((dataset, model, recipe, w, a), {}) for w, a in precs]
                cells = [g.get(metric) for g in got]
                twin = next((g["twin"] for g in got if "twin" in g), None)
                name = f"{recipe} (= {twin})" if twin else recipe
                if any(cells):
                    lines.append(f"| {name} | " + " | ".join(fmt(c) if c else "" for c in cells) + " |")
    return "\n".join(lines + selection(d)) + "\n"


def act4_table(d: dict, order: list[str]) -> list[str]:
    """Per weight width measured with 4-bit activations: recipe x (dataset, model), net Δ test log loss (the
    issue-24 criterion: <= 0.002) and net Δ validation log loss, mean ± sample std over seeds."""
    pairs = sorted({k[:2] for k in d})
    lines = []
    for w in sorted({k[3] for k in d if k[4] == 4}, reverse=True):
        lines += ["", f"**4-bit activations, {w}-bit weights: Δ log loss, net, test / validation** (quantised minus "
                  "float; fine-tuning recipes: the larger of the differences to the float model and to its "
                  "fine-tuned control; mean ± std over seeds)", "",
                  "| recipe | " + " | ".join(f"{ds}, {m}" for ds, m in pairs) + " |", "|---|" + "---|" * len(pairs)]
        for recipe in order:
            got = [d.get((ds, m, recipe, w, 4)) for ds, m in pairs]
            if any(got):
                lines.append(f"| {recipe} | " + " | ".join(
                    f"{fmt(g['test_logloss_net'])} / {fmt(g['val_logloss_net'])}"
                    + (f" (= {g['twin']})" if "twin" in g else "") if g else "" for g in got) + " |")
    return lines


def plot(rows: list[dict], path: Path) -> None:
    """4-bit activations: net Δ test log loss per recipe (mean, error bar = sample std over seeds), one panel per
    (dataset, model), one series per weight width; symlog axis (the from-scratch recipe is ~100x the others)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = {k: v for k, v in deltas(rows).items() if k[4] == 4}
    if not d:
        return
    panels = sorted({(k[0], k[1]) for k in d})
    order = list(dict.fromkeys(r["recipe"] for r in rows if r["recipe"] != "float"))
    widths = sorted({k[3] for k in d}, reverse=True)
    ncols = min(2, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.0 * ncols, 3.6 * nrows), squeeze=False, sharey=True)
    for ax, (dataset, model) in zip(axes.flat, panels):
        for j, w in enumerate(widths):
            pts = [(i + 0.15 * (j - (len(widths) - 1) / 2), d[dataset, model, r, w, 4]["test_logloss_net"])
                   for i, r in enumerate(order) if (dataset, model, r, w, 4) in d]
            ax.errorbar([x for x, _ in pts], [statistics.fmean(v) for _, v in pts],
                        [statistics.stdev(v) if len(v) > 1 else 0.0 for _, v in pts], fmt="o", ms=3, capsize=2,
                        label=f"{w}-bit weights")
        ax.axhline(0.002, color="k", ls=":", lw=0.8)
        ax.axhline(0.0, color="k", lw=0.4)
        ax.set_yscale("symlog", linthresh=0.005)
        ax.set_xticks(range(len(order)), order, rotation=60, ha="right", fontsize=7)
        ax.set_title(f"{dataset}, {model}", fontsize=9)
    for row in axes:
        row[0].set_ylabel("Δ test log loss, net (4-bit act.)")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def pim_check(args) -> str:
    """The default recipe's models exported, compiled for the ``default`` chip and executed by pimsim.functional.

    Per model and precision: onnxruntime vs PyTorch (max |p| difference, QDQ graph at basic optimisation), pimsim's
    ``ideal`` mode vs onnxruntime (the mapping's numerics machinery), and test log loss / AUC of the PyTorch
    fake-quantised model next to pimsim at the mapped precisions (bit-serial inputs re-quantised per vector, 8-bit
    clipping ADC, digital operators at their assigned bits: docs/accuracy.md, "What is modeled").
    """
    import tempfile

    import numpy as np
    import onnxruntime as ort
    import torch

    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.functional import infer
    from pimsim.spec.arch import load_arch
    from recsys_models.blocks.quantize import DEFAULT_RECIPE, quantize_model
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import export_model
    from recsys_models.space import OpPrecision
    from recsys_models.supernet import export_subnet_onnx
    from recsys_models.train.metrics import log_loss, roc_auc

    torch.set_num_threads(1)
    dataset, seed = args.datasets.split(",")[0], 0
    sp, spec = splits(dataset, args.data), dataset_spec(dataset, HASH_SIZE)
    dense, sparse, label = sp["test"]
    feeds, y = {"dense": dense.numpy(), "sparse": sparse.numpy()}, label.numpy()
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    lines = [f"{dataset} test split ({len(y)} rows), seed {seed}, recipe `{DEFAULT_RECIPE.name}`, `default` chip:",
             "",
             "| model | precision | ORT vs torch, max \\|Δp\\| | pimsim ideal vs ORT, max \\|Δp\\| | log loss torch / "
             "pimsim | AUC torch / pimsim |", "|---|---|---|---|---|---|"]
    for model_name in args.models.split(","):
        float_model = train(build(model_name, dataset, seed), sp, seed)
        with torch.no_grad():
            p_float = torch.sigmoid(float_model(dense, sparse)).numpy().reshape(-1)
        lines.append(f"| {model_name} | float | | | {log_loss(y, p_float):.4f} | {roc_auc(y, p_float):.4f} |")
        for prec in (OpPrecision(8, 8), OpPrecision(8, 4), OpPrecision(4, 4)):
            q = quantize_model(float_model, prec, batches(sp, seed), replace(DEFAULT_RECIPE, seed=seed))
            with tempfile.TemporaryDirectory(prefix="quant-pim-") as tmp:
                path = Path(tmp) / "m.onnx"
                if model_name == "dlrm":
                    export_model(q, path, spec.n_int, spec.table_sizes)
                else:
                    export_subnet_onnx(q.arch, spec, path, model=q)  # checked against onnxruntime inside
                p_ort = ort.InferenceSession(str(path), options).run(None, feeds)[0].reshape(-1)
                with torch.no_grad():
                    p_torch = torch.sigmoid(q(dense, sparse)).numpy().reshape(-1)
                mapping, weights = compile_onnx_with_weights(str(path), load_arch("default"))
                write_compiled(mapping, Path(tmp) / "m.json", weights)
                p_ideal = infer(Path(tmp) / "m.json", feeds, ideal=True)["prob"].reshape(-1)
                p_pim = infer(Path(tmp) / "m.json", feeds)["prob"].reshape(-1)
            lines.append(f"| {model_name} | w{prec.weight_bits}a{prec.act_bits} | "
                         f"{np.abs(p_ort - p_torch).max():.2g} | {np.abs(p_ideal - p_ort).max():.2g} | "
                         f"{log_loss(y, p_torch):.4f} / {log_loss(y, p_pim):.4f} | "
                         f"{roc_auc(y, p_torch):.4f} / {roc_auc(y, p_pim):.4f} |")
            print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    global DEVICE
    args = parse_args(sys.argv[1:] if argv is None else argv)
    DEVICE = args.device
    out = Path(args.out)
    if args.pim:
        out.mkdir(parents=True, exist_ok=True)
        (out / "pim.md").write_text(pim_check(args))
    extra = [Path(p) for p in args.merge.split(",") if p]
    rows = load_rows(out / "rows.jsonl", *extra) if args.table_only else run(args) + load_rows(*extra)
    if not rows:
        sys.exit(f"error: {out / 'rows.jsonl'}: no rows (run without --table-only first)")
    table = summary(rows)
    (Path(args.out) / "table.md").write_text(table)
    plot(rows, Path(args.out) / "quant_recipes.png")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
