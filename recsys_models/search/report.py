"""What a search leaves behind: the best designs, their table, the Pareto plot, per-design artefacts.

Best designs: in scalar mode the ``top`` lowest fitness values; in Pareto mode
the non-dominated set (sorted by log loss).  The plot shows log loss against
latency, energy per inference and chip area (one panel each, matplotlib Agg):
every evaluated candidate in grey at the figures the search used, the Pareto
front of those figures as a step line, and the chosen designs at their exact
figures (compiled and simulated whole) when they were re-priced, joined to
their search estimates; the legend says which figures are estimates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from recsys_models.io import atomic_write_text
from recsys_models.search import objectives
from recsys_models.search.engine import Evaluated

TABLE_COLUMNS = ("log_loss", "auc", "latency_ns", "throughput_inferences_per_s", "energy_per_inference_pj",
                 "area_mm2", "power_mw", "inferences_per_s_per_w")
PLOT_AXES = (("latency_ns", "latency (nanoseconds)"), ("energy_per_inference_pj", "energy per inference (picojoules)"),
             ("area_mm2", "chip area (square millimetres)"))


def best_designs(evaluated: list[Evaluated], objective: objectives.Objective, top: int,
                 dataset: str | None = None) -> list[Evaluated]:
    """The chosen designs (see the module docstring); deterministic order; infeasible ones never.

    With ``dataset``, candidates that compute the same model as a better one (they differ only in dead blocks and
    have the same PIM configuration, ``units.model_digest``) are left out, so the designs are distinct models."""
    evaluated = [e for e in evaluated if objective.feasible(e.metrics)]
    if objective.mode == "pareto":
        idx = objectives.non_dominated([objective.vector(e.metrics) for e in evaluated])
        return _distinct(sorted((evaluated[i] for i in idx), key=lambda e: (e.metrics["log_loss"], e.key)), dataset)
    return _distinct(sorted(evaluated, key=lambda e: (e.fitness, e.key)), dataset)[:top]


def _distinct(designs: list[Evaluated], dataset: str | None) -> list[Evaluated]:
    if dataset is None:
        return designs
    import json

    from recsys_models.data.specs import dataset_spec
    from recsys_models.oracles.units import model_digest
    from recsys_models.space import arch_from_json

    spec, seen, out = dataset_spec(dataset), set(), []
    for e in designs:
        ident = (model_digest(arch_from_json(e.candidate["arch"]), spec.n_int, spec.n_cat),
                 json.dumps(e.candidate.get("hw", {}), sort_keys=True))
        if ident not in seen:
            seen.add(ident)
            out.append(e)
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def _hw_value(value) -> str:
    """A hardware parameter in a table cell: sections and lists (I/O link, tile kinds) as compact JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value)


def best_table(designs: list[Evaluated]) -> str:
    """Markdown table of the chosen designs (units in the column names)."""
    cols = [c for c in TABLE_COLUMNS if any(c in d.metrics for d in designs)]
    head = "| # | key | fitness | hw | " + " | ".join(cols) + " |"
    rule = "|" + "---|" * (4 + len(cols))
    rows = []
    for i, d in enumerate(designs):
        hw = ", ".join(f"{k.split('.')[-1]}={_hw_value(v)}" for k, v in d.candidate.get("hw", {}).items()) or "base"
        vals = " | ".join(_fmt(d.metrics.get(c)) for c in cols)
        rows.append(f"| {i + 1} | {d.key} | {d.fitness:.4f} | {hw} | {vals} |")
    return "\n".join([head, rule, *rows]) + "\n"


def _front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points not dominated in (x, y), both smaller-is-better, sorted by x (one copy of each)."""
    return sorted({points[i] for i in objectives.non_dominated(points)})


def pareto_plot(evaluated: list[Evaluated], chosen: list[Evaluated], path: str | Path,
                searched: list[Evaluated] | None = None, estimate_label: str = "search figures") -> bool:
    """Write :func:`pareto_figure` to ``path`` (PNG, atomically); False (no file) when there is nothing to plot."""
    fig = pareto_figure(evaluated, chosen, searched, estimate_label)
    if fig is None:
        return False
    import io

    import matplotlib.pyplot as plt

    from recsys_models.io import atomic_path

    buf = io.BytesIO()
    fig.savefig(buf, dpi=120, format="png")
    plt.close(fig)
    with atomic_path(path, suffix=".png") as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    return True


def pareto_figure(evaluated: list[Evaluated], chosen: list[Evaluated], searched: list[Evaluated] | None = None,
                  estimate_label: str = "search figures"):
    """Log loss against latency, energy and chip area (a matplotlib figure), or ``None`` without hardware metrics.

    ``chosen`` are drawn at their own metrics; ``searched`` (the same designs as the search scored them, when
    they were re-priced exactly) are drawn hollow and joined to them, so estimate and exact figure both show.
    """
    evaluated = [e for e in evaluated if "infeasible" not in e.metrics]
    axes = [(k, label) for k, label in PLOT_AXES if any(k in e.metrics for e in evaluated)]
    if not axes or not any("log_loss" in e.metrics for e in evaluated):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, panels = plt.subplots(1, len(axes), figsize=(4.6 * len(axes), 3.9), squeeze=False)
    for ax, (key, label) in zip(panels[0], axes):
        pts = [(float(e.metrics[key]), float(e.metrics["log_loss"])) for e in evaluated if key in e.metrics]
        ax.scatter(*zip(*pts), s=8, c="0.7", label=f"evaluated ({estimate_label})")
        ax.step(*zip(*_front(pts)), where="post", color="0.35", linewidth=1.0, label="Pareto front of those")
        ax.scatter([e.metrics[key] for e in chosen], [e.metrics["log_loss"] for e in chosen], s=30, c="tab:red",
                   zorder=3, label="chosen (exact: compiled and simulated whole)" if searched else "chosen")
        for exact, estimate in zip(chosen, searched or []):
            ax.scatter([estimate.metrics[key]], [estimate.metrics["log_loss"]], s=30, facecolors="none",
                       edgecolors="tab:red", zorder=3,
                       label="chosen, as the search estimated them" if exact is chosen[0] else None)
            ax.plot([estimate.metrics[key], exact.metrics[key]], [estimate.metrics["log_loss"],
                    exact.metrics["log_loss"]], color="tab:red", linewidth=0.6, alpha=0.6)
        xs = [x for x, _ in pts]
        if min(xs) > 0 and max(xs) / min(xs) > 10:  # log only when it spans a decade (else unreadable ticks)
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("log loss (supernet, fine-tuned head)")
        ax.grid(alpha=0.3)
    panels[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def choose_designs(evaluated: list[Evaluated], objective: objectives.Objective, top: int, spec: dict,
                   verify_top: int) -> tuple[list[Evaluated], int]:
    """The designs a search returns, and how many candidates were re-priced exactly to choose them.

    With the composed oracle the ``max(verify_top, top)`` best (distinct models) are re-priced by
    :func:`verify_exact` and the choice is made on those figures; otherwise the search's own ranking stands."""
    if spec.get("oracle") != "composed" or not objective.needs_hardware or verify_top == 0:
        return best_designs(evaluated, objective, top, spec["dataset"]), 0
    k = max(verify_top, top)  # the chosen designs are always among the re-priced ones
    checked = verify_exact(best_designs(evaluated, objective, k, spec["dataset"])[:k], objective, spec)
    return best_designs(checked, objective, top, spec["dataset"]), len(checked)


def verify_exact(designs: list[Evaluated], objective: objectives.Objective, spec: dict) -> list[Evaluated]:
    """``designs`` re-priced by the exact oracle (the whole model compiled with ``spec["strategy"]`` and simulated,
    cached like any exact result), accuracy metrics kept, fitness recomputed from the exact figures.  A design the
    whole-model compile rejects gets ``"infeasible"`` (never chosen)."""
    import sys

    from tqdm import tqdm

    from recsys_models.errors import UserError
    from recsys_models.oracles.oracle import Evaluator

    ev, out = Evaluator({**spec, "oracle": "exact"}), []
    for d in tqdm(designs, desc="exact re-pricing", unit="design", disable=not sys.stderr.isatty()):
        hardware: Mapping[str, float | str]
        try:
            hardware = ev.hardware_exact(d.candidate["arch"], d.candidate.get("hw", {}))
        except UserError as exc:
            hardware = {"infeasible": exc.message}
        metrics = {**d.metrics, **hardware}
        out.append(Evaluated(d.key, d.candidate, metrics, objective.fitness(metrics), d.generation))
    return out


def write_design(design: Evaluated, index: int, out_dir: Path, spec: dict) -> Path:
    """One chosen design's files, each usable by the tools that own its format:

    ``arch.json`` (NASRec JSON with precisions: ``recsys supernet standalone|export --arch``), ``pim_arch.yaml``
    (the design's PIM configuration: ``pimsim area``, ``pimcompile --arch``), ``candidate.json`` (both, as the
    search's history records them), ``model.onnx`` (standalone model, QDQ precisions), ``mapping.json``
    (``spec["strategy"]``) and ``metrics.json`` (the design's metrics as chosen: exact whole-model figures)."""
    import yaml

    from recsys_models.oracles import hardware_cost
    from recsys_models.oracles.oracle import export_candidate_onnx
    from recsys_models.search.hw_space import load_hw_space

    d = out_dir / f"{index:02d}-{design.key}"
    d.mkdir(parents=True, exist_ok=True)
    atomic_write_text(d / "candidate.json", json.dumps(design.candidate, indent=1, sort_keys=True) + "\n")
    atomic_write_text(d / "arch.json", json.dumps(design.candidate["arch"], indent=1, sort_keys=True) + "\n")
    doc = (load_hw_space(spec["hw_space"]).apply(design.candidate["hw"]) if spec.get("hw_space")
           else hardware_cost.base_arch_doc(spec["base_arch"]))
    atomic_write_text(d / "pim_arch.yaml", yaml.safe_dump(doc, sort_keys=False))
    export_candidate_onnx(design.candidate["arch"], spec["dataset"], d / "model.onnx",
                          layernorm=bool(spec.get("layernorm", False)))
    hardware_cost.write_mapping(d / "model.onnx", doc, d / "mapping.json", spec["strategy"])
    atomic_write_text(d / "metrics.json", json.dumps(design.metrics, indent=1, sort_keys=True) + "\n")
    return d
