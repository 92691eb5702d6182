"""Figures of docs/results.md (matplotlib, Agg backend), from the rows only.

- ``logloss_vs_latency.png`` / ``logloss_vs_energy.png``: mean test log loss (error bar: seed standard deviation)
  against latency / energy per inference, one panel per dataset with accuracy, hand-crafted, searched and
  co-designed designs marked apart;
- ``ratios.png``: the AutoRAC ratios (speedup, area reduction, power efficiency in inferences/J, against the best
  hand-crafted design) and the TORS ratios per dataset and space, next to the papers' figures.
"""

from __future__ import annotations

from pathlib import Path

from experiments.codesign.rows import PAPER, Row, ratios

MARKERS = {"hand-crafted": ("o", "tab:gray"), "searched-naive": ("v", "tab:blue"),
           "searched-optimized": ("^", "tab:cyan"), "co-designed": ("*", "tab:red")}
SHOWN = (("speedup", "speedup (latency, naive searched / co-designed)"),
         ("area_reduction", "area reduction, whole chip"),
         ("power_efficiency", "power efficiency, inferences/J"),
         ("tors_flops", "TORS FLOPs (MACs, searched / co-designed)"),
         ("tors_energy", "TORS energy (per inference, searched / co-designed)"),
         ("tors_performance", "TORS performance (steady throughput, co-designed / searched)"))


def _scatter(rows: list[Row], key: str, xlabel: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    datasets = [d for d in dict.fromkeys(r.dataset for r in rows) if any(r.scores for r in rows if r.dataset == d)]
    fig, axes = plt.subplots(1, max(len(datasets), 1), figsize=(6 * max(len(datasets), 1), 4.5), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for kind, (marker, color) in MARKERS.items():
            pts = [r for r in rows if r.dataset == ds and r.kind == kind and r.feasible and r.scores]
            if not pts:
                continue
            ax.errorbar([r.hw[key] for r in pts], [r.mean("log_loss") for r in pts],
                        yerr=[r.spread("log_loss") or 0.0 for r in pts], fmt=marker, color=color, label=kind,
                        markersize=10 if kind == "co-designed" else 6, capsize=3)
            for r in pts:
                ax.annotate(f"{r.name.split('-')[-1] if r.kind != 'hand-crafted' else r.name}/{r.chip}",
                            (r.hw[key], r.mean("log_loss")), fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test log loss (mean over seeds)")
        ax.set_title(ds)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(rows: list[Row], path: Path) -> None:
    import matplotlib.pyplot as plt

    pairs = [(d, s) for d, s in dict.fromkeys((r.dataset, r.space) for r in rows if r.kind == "co-designed")]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / (len(pairs) + 1)
    for i, (key, label) in enumerate(SHOWN):
        ax.bar(i, PAPER[key], width, color="black", label="paper" if i == 0 else None)
        for j, (ds, sp) in enumerate(pairs):
            value = next((r.value for r in ratios(rows, ds, sp) if r.label == label), None)
            ax.bar(i + (j + 1) * width, value or 0.0, width, color=f"C{j}", label=f"{ds}, {sp}" if i == 0 else None)
    ax.axhline(1.0, color="gray", linewidth=0.8)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(SHOWN))],
                  ["speedup", "area", "power eff.\n(inf/J)", "TORS\nFLOPs", "TORS\nenergy", "TORS\nperformance"])
    ax.set_yscale("log")
    ax.set_ylabel("ratio (x), log scale")
    ax.legend(fontsize=8)
    ax.set_title("Co-design ratios against AutoRAC (first three) and TORS (last three)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_plots(rows: list[Row], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "logloss_vs_latency.png", out / "logloss_vs_energy.png", out / "ratios.png"]
    _scatter(rows, "latency_ns", "latency per query, ns (log scale)", paths[0])
    _scatter(rows, "energy_per_inference_pj", "energy per inference, pJ, static included (log scale)", paths[1])
    _bars(rows, paths[2])
    return paths
