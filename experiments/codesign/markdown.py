"""docs/results.md from the rows: per dataset the table, per (dataset, space) the ratios with their shortfalls.

Every number in the file comes from the rows (``pipeline.all_rows``) or the designs' ``design.json``; nothing is
typed in.  Hardware columns are deterministic (compiler + simulator); accuracy columns are the mean and sample
standard deviation over the seeds.
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

from experiments.codesign.designs import Design
from experiments.codesign.pipeline import NO_ACCURACY, Settings
from experiments.codesign.plots import write_plots
from experiments.codesign.rows import Row, best_hand_crafted, ratios, shortfall
from experiments.codesign.training import RECIPE

REPO = Path(__file__).resolve().parents[2]
COLUMNS = ("design", "space", "chip", "mapping", "log loss", "AUC", "MMACs", "latency, ns",
           "steady throughput, inf/s", "energy/inf, nJ (static)", "area, mm2 (compute only)", "inf/J",
           "steady inf/s/W")


def _pm(row: Row, key: str) -> str:
    mean, sd = row.mean(key), row.spread(key)
    if mean is None:
        return "-"
    return f"{mean:.4f}" + ("" if sd is None else f" ± {sd:.4f}")


def _hw_cells(r: Row) -> list[str]:
    if not r.feasible:
        return [f"does not fit: {r.hw['infeasible']}"] + [""] * 7
    h = r.hw
    steady = h["throughput_steady_inferences_per_s"]
    return [f"{h['flops'] / 1e6:.3f}", f"{h['latency_ns']:,.0f}", "-" if steady is None else f"{steady:,.0f}",
            f"{h['energy_per_inference_pj'] / 1e3:,.1f} ({h['energy_static_per_inference_pj'] / 1e3:,.1f})",
            f"{h['area_mm2']:.2f} ({h['compute_area_mm2']:.2f})", f"{h['inferences_per_j']:,.0f}",
            f"{h['steady_inferences_per_s_per_w']:,.0f}"]


def rows_table(rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        space = "-" if r.space == "hand-crafted" else r.space
        cells = [r.name if r.kind == "hand-crafted" else f"{r.name} ({r.kind})", space, r.chip, r.strategy,
                 _pm(r, "log_loss"), _pm(r, "auc")] + _hw_cells(r)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _fmt_ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def ratio_section(rows: list[Row], dataset: str, space: str, design: Design | None) -> list[str]:
    rs = ratios(rows, dataset, space)
    if not rs:
        return [f"#### {dataset}, NASRec-{space}", "", "No co-designed design of this space: no ratios.", ""]
    lines = [f"#### {dataset}, NASRec-{space}", ""]
    if design is not None:
        s = design.search
        lines.append(f"Co-designed chip: `{json.dumps(design.hw_point, sort_keys=True)}`; search: "
                     f"{s.get('evaluated', '?')} candidates ({s.get('infeasible', '?')} rejected by the hardware "
                     f"tools), log-loss bound {s.get('log_loss_bound', float('nan')):.4f} (best hand-crafted "
                     f"{s.get('reference', {}).get('name', '?')} + slack {s.get('budget', {}).get('logloss_slack')})"
                     + ("" if s.get("within_bound", True) else "; **no retrained top-K candidate met the bound**")
                     + f", history sha256 `{str(s.get('history_sha256', ''))[:16]}...`.")
        lines.append("")
    lines += ["| ratio | measured | reference row | Δ log loss (co-designed - reference) | paper |",
              "|---|---|---|---|---|"]
    for r in rs:
        dll = "-" if r.dlog_loss is None else f"{r.dlog_loss:+.4f}"
        lines.append(f"| {r.label} | {_fmt_ratio(r.value)} | {r.reference} | {dll} | {r.paper:.2f}x |")
    notes = [n for n in (shortfall(r, rows, dataset, space) for r in rs) if n]
    if notes:
        lines += ["", "Where a ratio falls short:", ""] + [f"- {n}" for n in notes]
    return lines + [""]


def _commit(outputs: tuple[Path, ...] = ()) -> str:
    """HEAD, and whether tracked files differ from it, leaving out ``outputs`` (what this run writes: a second run in
    the same checkout, or the plots written first, must not call the sources modified)."""
    root = REPO.resolve()
    leave_out = [f":(exclude){p.resolve().relative_to(root)}" for p in outputs if p.resolve().is_relative_to(root)]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *leave_out],
                               capture_output=True, text=True, cwd=REPO, check=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _search_minutes(designs: list[Design]) -> str:
    per_pair: dict[tuple[str, str], float] = {(d.dataset, d.space): float(d.search["seconds"]) for d in designs
                                              if d.search.get("seconds")}
    if not per_pair:
        return "no search facts in the designs"
    parts = ", ".join(f"{ds}/{sp} {sec / 60:.1f} min" for (ds, sp), sec in sorted(per_pair.items()))
    return (f"{sum(per_pair.values()) / 60:.1f} min over the pairs' last passes ({parts}; a resumed pass does not "
            "count the steps it read back from build/, `seconds` in design.json)")


def render(rows: list[Row], designs: list[Design], command: str, seconds: float, s: Settings,
           outputs: tuple[Path, ...] = ()) -> str:
    out = [HEADER.format(command=command, commit=_commit(outputs), python=platform.python_version(),
                         minutes=seconds / 60, computed=s.counts["computed"], reused=s.counts["cached"],
                         search=_search_minutes(designs), seeds=list(s.seeds),
                         batch=s.batch, recipe=json.dumps(RECIPE)), ""]
    for ds in dict.fromkeys(r.dataset for r in rows):
        mine = [r for r in rows if r.dataset == ds]
        out += [f"## {ds}", ""]
        if ds in NO_ACCURACY:
            out += [f"Hardware only: {NO_ACCURACY[ds]}. Missing: every accuracy column, the searched and "
                    "co-designed designs (a supernet cannot be trained on it) and so every ratio.", ""]
        out += rows_table(mine) + [""]
        best = best_hand_crafted(rows, ds)
        if best is not None:
            out += [f"Best hand-crafted design (lowest mean log loss, default chip): {best.name}, "
                    f"{_pm(best, 'log_loss')}.", ""]
        for space in dict.fromkeys(r.space for r in mine if r.space != "hand-crafted"):
            design = next((d for d in designs if d.dataset == ds and d.space == space and d.kind == "co-designed"),
                          None)
            out += ratio_section(rows, ds, space, design)
    out.append(NOTES.format(agreement=search_agreement(rows, designs)))
    return "\n".join(out)


AGREEING = ("latency_ns", "energy_per_inference_pj", "area_mm2")
"""Figures the co-design search and the tables define alike (the search's throughput is the stream rate with the
pipeline fill, the tables' the steady rate)."""


def search_agreement(rows: list[Row], designs: list[Design]) -> str:
    """How far each co-designed design's figures in its search (design.json ``search_metrics``) are from its row."""
    worst: list[tuple[float, str, str]] = []
    for d in designs:
        row = next((r for r in rows if r.kind == "co-designed" and r.name == d.name and r.feasible), None)
        found = d.search.get("search_metrics", {})
        if d.kind != "co-designed" or row is None or not all(k in found for k in AGREEING):
            continue
        worst += [(abs(float(found[k]) / float(row.hw[k]) - 1.0), d.name, k) for k in AGREEING]
    if not worst:
        return "no co-designed design with search figures to compare."
    gap, name, key = max(worst)
    head = f"on the {len(worst) // len(AGREEING)} co-designed designs the search's {', '.join(AGREEING)} " \
           "(design.json `search_metrics`) "
    same = "equal these tables' exactly" if gap == 0.0 else \
        f"differ from these tables' by at most {gap:.2e} (relative; {name}, {key})"
    return head + same + ". Its throughput is the stream rate with the pipeline fill, the tables' the steady rate."


def write_results(rows: list[Row], designs: list[Design], path: Path, plots: Path, command: str, seconds: float,
                  s: Settings) -> None:
    text = render(rows, designs, command, seconds, s, outputs=(path, plots))
    write_plots(rows, plots)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


HEADER = """# Co-design results (generated by `make results`; do not edit by hand)

Regenerated by `{command}` at commit {commit} (Python {python}) in {minutes:.1f} min on the shared 2-core machine,
computing {computed} trainings and pricings and reusing {reused} from `build/codesign` (a fully cached run takes
seconds; the time of a cold run is the one with nothing reused). The
designs under `results/designs/` were found by `make results-search` (`python -m experiments.codesign --search`):
{search}. Code: `experiments/codesign/` (pipeline `pipeline.py`, ratios `rows.py`, this file `markdown.py`).

Protocol:

- **Accuracy**: every model trained from scratch on the sample's train split with seeds {seeds}, scored on its test
  split; log loss and AUC are the mean ± sample standard deviation over the seeds. Recipe: `{recipe}`
  (`experiments/codesign/training.py`). Hand-crafted models are scored in float; co-designed ones at their searched
  precisions. NASRec models keep LayerNorm in NASRec-Full (`"layernorm"` in the recipe; priced with it too): without
  it the Full designs diverge on these samples (measured per design, seeds 0-2); NASRec-Small keeps
  NASRec's standalone setting (off), where the evidence is mixed (docs/accuracy.md, "LayerNorm in standalone NASRec
  models", `benchmarks/layernorm_standalone.py`).
- **Hardware**: the model (fresh seed-0 weights: weights' values do not change the mapping or its cost) compiled by
  `compiler.api.compile_onnx` with the named mapping for the named chip and {batch} queries simulated by
  `pimsim.api.simulate`; bit-for-bit reproducible. Chips: `default` and `isaac` presets, or the design's own
  `pim_arch.yaml` ("own").
- **Columns**: MMACs = multiply-accumulates per inference of the mapped matrix products; latency = one query alone;
  steady throughput = completions per second after the pipeline filled (`pimsim.report.throughput`); energy per
  inference = dynamic + static (leakage over the run), static in brackets; area = whole chip, compute only (without
  the I/O link) in brackets; **inf/J** = 1 / energy per inference (static included); **steady inf/s/W** = steady
  throughput / average chip power at that rate, P = dynamic energy per inference x steady throughput + static power
  (`experiments/codesign/pricing.py`).
- **Ratios** (`experiments/codesign/rows.py`): speedup over the naively mapped accuracy-only searched design (same
  space, default chip); area and power efficiency over the best hand-crafted design (lowest mean log loss, default
  chip) and "up to" over the hand-crafted row (model and chip) giving the largest ratio; TORS FLOPs, energy and
  performance (steady throughput) against the accuracy-only searched design mapped optimized on the default chip.
  Each with the log-loss difference of the two rows' means. "paper": AutoRAC (arXiv 2505.10748, abstract, "up to")
  and TORS (arXiv 2411.07569, abstract), measured on full datasets and unpublished hardware.
"""

NOTES = """## Caveats

- The samples have 8,000 (Criteo) and 11,261 (Avazu) training rows: seeds move log loss by about 0.005-0.02 (the ±
  columns), so orderings within that spread are not significant; the hardware columns are deterministic.
- The searches run at small budgets (see each design's `design.json`: supernet steps, candidates, fine-tuning
  steps); the ratios show what the toolchain measures on the samples at those budgets, not what the method can reach.
- The co-design search scores supernet-inherited log loss against a bound set in from-scratch log loss; the chosen
  designs are retrained from scratch and the bound checked again on them (`experiments/codesign/search.py`); the
  tables show only from-scratch figures.
- The co-design search prices each candidate's standalone model with LayerNorm as the recipe trains its space
  (`recsys search --layernorm` for NASRec-Full), compiled and simulated as these tables are: {agreement}
- "naive" is the compiler's `strategy="naive"` (uniform precision, no mapping optimisation): our working definition
  of AutoRAC's "naively mapped searched design" (reference D.3 [derived]).
"""
