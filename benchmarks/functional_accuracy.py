"""Accuracy under PIM: the demo DLRM trained on the Criteo sample, executed by its mapped crossbars.

Steps (all seeded): train the default DLRM (``recsys_models.baselines``, hash 10,000)
on the train split of ``../shared/data/criteo/criteo_train_head10k.txt.gz`` (Adam,
lr 1e-3, batch 256, 1 epoch: a second one overfits the 8k rows), ``recsys export`` it,
compile it for the ``default`` architecture, then evaluate log loss and AUC on the
validation + test splits (2,000 rows) with
``pimsim.functional`` while sweeping ADC bits (per weight precision), weight bits
(8-bit and lossless ADC), conductance variation (3 seeds) and stuck-at faults.
Writes ``docs/img/accuracy_dlrm_criteo.png`` and ``build/accuracy/results.json`` and
prints the Markdown tables used in docs/accuracy.md.

    .venv/bin/python benchmarks/functional_accuracy.py
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"
OUT = REPO / "build" / "accuracy"
FIGURE = REPO / "docs" / "img" / "accuracy_dlrm_criteo.png"
ADC_BITS = (3, 4, 5, 6, 7, 8, 9)
WEIGHT_BITS = (2, 3, 4, 5, 6, 8)
SIGMAS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3)
STUCK_RATES = (1e-4, 1e-3, 1e-2)
SEEDS = range(3)
LOSSLESS_ADC = 16


def train_and_compile():
    """Checkpoint -> ONNX -> (mapping, weights); returns the mapping, constants and the torch model."""
    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.spec.arch import load_arch
    from recsys_models.baselines import build_model
    from recsys_models.cli import main as recsys
    from recsys_models.data.dataset import CTRData
    from recsys_models.data.specs import dataset_spec
    from recsys_models.train.checkpoint import save_checkpoint
    from recsys_models.train.loop import TrainConfig, train_model

    OUT.mkdir(parents=True, exist_ok=True)
    spec = dataset_spec("criteo", 10_000)
    model = build_model("dlrm", spec.n_int, spec.table_sizes)
    train = CTRData("criteo", DATA, "train", batch_size=256, hash_size=10_000, shuffle=True, seed=0)
    for rec in train_model(model, train, TrainConfig(epochs=1, lr=1e-3, seed=0), progress=False):
        print(f"epoch {rec['epoch']}: train logloss {rec['train_logloss']:.4f}")
    save_checkpoint(OUT / "dlrm_criteo.pt", "dlrm", model, spec, {})
    with contextlib.redirect_stdout(io.StringIO()):
        assert recsys(["export", str(OUT / "dlrm_criteo.pt"), "-o", str(OUT / "dlrm_criteo.onnx")]) == 0
    mapping, weights = compile_onnx_with_weights(str(OUT / "dlrm_criteo.onnx"), load_arch("default"))
    write_compiled(mapping, OUT / "dlrm_criteo.json", weights)
    return mapping, weights, model


class Evaluator:
    """Log loss and AUC on the validation + test splits, float and under given functional settings."""

    def __init__(self, mapping, weights, model):
        from recsys_models.data.dataset import TensorBatches, load_split
        from recsys_models.train.loop import predict

        import torch

        parts = [load_split("criteo", DATA, split, hash_size=10_000) for split in ("val", "test")]
        dense, sparse, label = (torch.cat(t) for t in zip(*parts))
        self.mapping, self.weights = mapping, weights
        self.inputs = {"dense": dense.numpy(), "sparse": sparse.numpy()}
        self.label, self.float_prob = predict(model, TensorBatches(dense, sparse, label, batch_size=4096))

    def metrics(self, prob) -> dict:
        from recsys_models.train.metrics import log_loss, roc_auc

        return {"auc": roc_auc(self.label, prob), "logloss": log_loss(self.label, prob)}

    def pim(self, **settings) -> dict:
        from pimsim.functional import FunctionalModel, FunctionalSettings

        model = FunctionalModel(self.mapping, self.weights, FunctionalSettings(**settings))
        prob = model.run(self.inputs)["prob"].reshape(-1).astype(np.float64)
        return {**settings, **self.metrics(prob), "max_abs_prob_diff": float(np.abs(prob - self.float_prob).max())}


def sweep(ev: Evaluator) -> dict:
    res = {"rows": int(len(ev.label)), "float": ev.metrics(ev.float_prob), "ideal": ev.pim(ideal=True),
           "mapped": ev.pim()}
    res["adc"] = [ev.pim(weight_bits=w, adc_bits=a) for w in (4, 8) for a in ADC_BITS]
    res["weight"] = [ev.pim(weight_bits=w, adc_bits=a) for a in (8, LOSSLESS_ADC) for w in WEIGHT_BITS]
    res["input"] = [ev.pim(input_bits=b, adc_bits=LOSSLESS_ADC) for b in (2, 3, 4, 6, 8)]
    res["variation"] = [ev.pim(variation_sigma=s, seed=seed) for s in SIGMAS for seed in SEEDS]
    res["stuck_at"] = [ev.pim(stuck_at_rate=r, seed=seed) for r in STUCK_RATES for seed in SEEDS]
    res["adc_full_range"] = [ev.pim(adc_bits=a, adc_range="full") for a in ADC_BITS]
    return res


def _by(rows, key, **fixed):
    sel = [r for r in rows if all(r.get(k) == v for k, v in fixed.items())]
    xs = sorted({r[key] for r in sel})
    vals = [[r["auc"] for r in sel if r[key] == x] for x in xs]
    return np.array(xs), np.array([np.mean(v) for v in vals]), np.array([np.std(v) for v in vals])


def plot(res: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    for ax in axes:
        ax.axhline(res["float"]["auc"], color="k", ls="--", lw=1, label="float (PyTorch)")
    for w in (4, 8):
        x, y, _ = _by(res["adc"], "adc_bits", weight_bits=w)
        axes[0].plot(x, y, "o-", label=f"{w}-bit weights")
    x, y, _ = _by(res["adc_full_range"], "adc_bits")
    axes[0].plot(x, y, "s:", color="gray", label="8-bit weights, full-range ADC")
    axes[0].set(xlabel="ADC bits", ylabel="AUC", title="ADC resolution (clip ADC)")
    for a, label in ((8, "8-bit ADC"), (LOSSLESS_ADC, "lossless ADC")):
        x, y, _ = _by(res["weight"], "weight_bits", adc_bits=a)
        axes[1].plot(x, y, "o-", label=label)
    axes[1].set(xlabel="weight bits", title="weight precision (2-bit cells)")
    x, y, e = _by(res["variation"], "variation_sigma")
    axes[2].errorbar(x, y, yerr=e, fmt="o-", capsize=3, label="mean +/- std, 3 seeds")
    axes[2].set(xlabel="relative conductance sigma", title="device variation (mapped precision)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"DLRM on the Criteo sample ({res['rows']} val+test rows), default arch: AUC under PIM numerics")
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=120)


def tables(res: dict) -> str:
    f = res["float"]
    lines = [f"float: AUC {f['auc']:.4f}, logloss {f['logloss']:.4f}; ideal: AUC {res['ideal']['auc']:.4f}; "
             f"mapped (8/8/8-bit ADC): AUC {res['mapped']['auc']:.4f}, logloss {res['mapped']['logloss']:.4f}", "",
             "| ADC bits | " + " | ".join(f"{w}-bit w" for w in (4, 8)) + " | 8-bit w, full-range ADC |",
             "|---|---|---|---|"]
    full = {r["adc_bits"]: r["auc"] for r in res["adc_full_range"]}
    for a in ADC_BITS:
        row = [next(r["auc"] for r in res["adc"] if r["adc_bits"] == a and r["weight_bits"] == w) for w in (4, 8)]
        lines.append(f"| {a} | " + " | ".join(f"{v:.4f}" for v in row) + f" | {full[a]:.4f} |")
    lines += ["", "| weight bits | 8-bit ADC | lossless ADC |", "|---|---|---|"]
    for w in WEIGHT_BITS:
        row = [next(r["auc"] for r in res["weight"] if r["weight_bits"] == w and r["adc_bits"] == a)
               for a in (8, LOSSLESS_ADC)]
        lines.append(f"| {w} | {row[0]:.4f} | {row[1]:.4f} |")
    lines += ["", "| input bits (lossless ADC) | AUC |", "|---|---|"]
    lines += [f"| {r['input_bits']} | {r['auc']:.4f} |" for r in res["input"]]
    lines += ["", "| non-ideality | AUC mean | AUC std | logloss mean |", "|---|---|---|---|"]
    for key, name, values in (("variation_sigma", "variation", SIGMAS), ("stuck_at_rate", "stuck_at", STUCK_RATES)):
        for v in values:
            sel = [r for r in res[name] if r[key] == v]
            lines.append(f"| {key}={v} | {np.mean([r['auc'] for r in sel]):.4f} | "
                         f"{np.std([r['auc'] for r in sel]):.4f} | {np.mean([r['logloss'] for r in sel]):.4f} |")
    return "\n".join(lines)


def main() -> None:
    if not DATA.exists():
        raise SystemExit(f"error: {DATA}: the Criteo sample is absent (see ../shared/data/README.md)")
    ev = Evaluator(*train_and_compile())
    res = sweep(ev)
    (OUT / "results.json").write_text(json.dumps(res, indent=1, sort_keys=True))
    plot(res)
    print(tables(res))
    print(f"wrote {FIGURE.relative_to(REPO)} and {(OUT / 'results.json').relative_to(REPO)}")


if __name__ == "__main__":
    main()
