"""The worked example of docs/sweeps.md: run it once (``make docs``), then print every number the page quotes.

    python docs/scripts/sweeps_example.py run        # export the demo DLRM, run the 48-point sweep into
                                                     # docs/data/sweeps_dlrm_xbar_adc.csv, draw the figure
    python docs/scripts/sweeps_example.py summary    # what `pimsim sweep` prints at the end (from the CSV)
    python docs/scripts/sweeps_example.py front      # what `pimsim plot` prints for the figure
    python docs/scripts/sweeps_example.py table      # the slice of the table the page shows
    python docs/scripts/sweeps_example.py findings   # the page's conclusions, with their numbers
    python docs/scripts/sweeps_example.py figure     # docs/sweeps_dlrm_latency_area.png from the CSV
    python docs/scripts/sweeps_example.py small OUT  # the same sweep cut to 3 points (for the docs' snippet test)

Every subcommand but ``run`` reads the committed CSV and takes a second; the generated blocks of
docs/sweeps.md are their output (tests/tools/doc_blocks.py), and
tests/tools/test_docs.py re-simulates points of the CSV to check it still matches the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SWEEP = REPO / "configs" / "sweeps" / "dlrm_xbar_adc.yaml"
MODEL = REPO / "build" / "demo" / "model.onnx"
TABLE = REPO / "docs" / "data" / "sweeps_dlrm_xbar_adc.csv"
FIGURE = REPO / "docs" / "sweeps_dlrm_latency_area.png"
X, Y, COLOR = "latency_ns", "area_mm2", "pe.adc.per_crossbar"


def rows() -> list[dict]:
    from pimsim.sweep.results import read_results

    return read_results(TABLE)


def axes(table: list[dict]) -> list[str]:
    from pimsim.sweep.plot import axis_columns

    return axis_columns(table[0])


def run() -> None:
    """Export the model (if absent), run the sweep into the committed CSV, draw the figure."""
    from pimsim.cli import main as pimsim
    from recsys_models.cli import main as recsys

    if not MODEL.exists():
        assert recsys(["export", "dlrm", "-o", str(MODEL)]) == 0
    TABLE.unlink(missing_ok=True)
    assert pimsim(["sweep", str(SWEEP), "-o", str(TABLE)]) == 0
    figure()


def figure() -> None:
    from pimsim.sweep.plot import plot_results

    plot_results(rows(), str(TABLE.relative_to(REPO)), FIGURE, X, Y, COLOR)


def summary() -> None:
    from pimsim.sweep.pareto import summarize

    table = rows()
    for line in summarize(table, axes(table)):
        print(line)


def front() -> None:
    import matplotlib.pyplot as plt

    from pimsim.cli.plot import _print_front
    from pimsim.sweep.plot import results_figure

    table = rows()
    fig, points = results_figure(table, str(TABLE), X, Y, COLOR)
    plt.close(fig)
    print(f"wrote {FIGURE.relative_to(REPO)}: {len(table)} points, {len(points)} on the Pareto front of ({X}, {Y})")
    _print_front(points, X, Y)


def _pick(table: list[dict], xbar: int, bits: int, adcs: int) -> dict:
    return next(r for r in table if (r["pe.crossbar.rows"], r["pe.adc.bits"], r["pe.adc.per_crossbar"])
                == (xbar, bits, adcs))


SLICE = ((64, 5, 1), (256, 5, 1), (64, 5, 8), (256, 5, 8), (256, 8, 1), (256, 8, 8))
"""(crossbar size, ADC bits, ADCs per crossbar) of the rows shown, plus the most energy-efficient point."""


def table() -> None:
    from pimsim.sweep.plot import front_of

    data = rows()
    on_front = {r["point_index"] for r, f in zip(data, front_of(data, X, Y)) if f}
    best = min(data, key=lambda r: r["energy_per_inference_pj"])
    picked = {r["point_index"]: r for r in [_pick(data, *key) for key in SLICE] + [best]}
    print("| point | crossbar | ADC bits | ADCs/crossbar | latency_ns | energy, uJ | area_mm2 | "
          "area_breakdown_mm2.adc |")
    print("|---|---|---|---|---|---|---|---|")
    for index in sorted(picked):
        r = picked[index]
        star = " *" if index in on_front else ""
        print(f"| {index}{star} | {r['pe.crossbar.rows']}x{r['pe.crossbar.cols']} | {r['pe.adc.bits']} | "
              f"{r['pe.adc.per_crossbar']} | {r['latency_ns']:,.0f} | {r['energy_per_inference_pj'] / 1e6:.3f} | "
              f"{r['area_mm2']:.2f} | {r['area_breakdown_mm2.adc']:.2f} |")


def _cmp(a: float, b: float, less: str, more: str) -> str:
    return less if b < a else more


def findings() -> None:
    """The conclusions of the page, each computed from the table (direction words included)."""
    t = rows()
    us = 1e3
    one, eight = _pick(t, 256, 5, 1), _pick(t, 256, 5, 8)
    one8, eight8 = _pick(t, 256, 8, 1), _pick(t, 256, 8, 8)
    print(f"- **ADCs per crossbar trade area for latency.** A crossbar's columns share its ADCs, so more ADCs "
          f"convert a crossbar's outputs in fewer rounds: at 256x256, 5-bit, going from 1 to 8 ADCs changes latency "
          f"from {one['latency_ns'] / us:.2f} to {eight['latency_ns'] / us:.2f} us while the ADCs' area grows from "
          f"{one['area_breakdown_mm2.adc']:.2f} to {eight['area_breakdown_mm2.adc']:.1f} mm2 (at 8 bits: "
          f"{one8['area_breakdown_mm2.adc']:.1f} to {eight8['area_breakdown_mm2.adc']:.1f} mm2, and the chip from "
          f"{one8['area_mm2']:.0f} to {eight8['area_mm2']:.0f} mm2).")
    small, big = _pick(t, 64, 5, 1), _pick(t, 256, 5, 1)
    faster = _cmp(small["latency_ns"], big["latency_ns"], "faster", "slower")
    cheaper = _cmp(small["energy_per_inference_pj"], big["energy_per_inference_pj"], "less", "more")
    print(f"- **Crossbar size.** At one 5-bit ADC per crossbar, 64x64 takes {small['latency_ns'] / us:.2f} us and "
          f"{small['energy_per_inference_pj'] / 1e6:.3f} uJ per inference, 256x256 {big['latency_ns'] / us:.2f} us "
          f"and {big['energy_per_inference_pj'] / 1e6:.3f} uJ: the larger crossbars are {faster} and use {cheaper} "
          f"energy here; chip area moves from {small['area_mm2']:.1f} to {big['area_mm2']:.1f} mm2 (the tile count "
          f"is fixed and the {small['area_breakdown_mm2.io_link']:.1f} mm2 off-chip link is a large constant share).")
    best = min(t, key=lambda r: r["energy_per_inference_pj"])
    print(f"- **Energy** is lowest at point {best['point_index']} ({best['pe.crossbar.rows']}x"
          f"{best['pe.crossbar.cols']}, {best['pe.adc.bits']}-bit, {best['pe.adc.per_crossbar']} ADCs per crossbar: "
          f"{best['energy_per_inference_pj'] / 1e6:.3f} uJ); it is not monotonic in the ADC count because the "
          f"optimized compile places and replicates the model differently on each architecture.")
    lo, hi = _pick(t, 256, 5, 8), _pick(t, 256, 8, 8)
    print(f"- **ADC resolution** (5 to 8 bits at 256x256 with 8 ADCs) changes latency by "
          f"{hi['latency_ns'] - lo['latency_ns']:+.0f} ns, energy from {lo['energy_per_inference_pj'] / 1e6:.3f} to "
          f"{hi['energy_per_inference_pj'] / 1e6:.3f} uJ and ADC area from {lo['area_breakdown_mm2.adc']:.1f} to "
          f"{hi['area_breakdown_mm2.adc']:.1f} mm2.")


def check(points: list[int]) -> list[str]:
    """Re-compile and re-simulate ``points`` of the committed table; the differences found (empty: it matches)."""
    import math
    import shutil
    import tempfile

    import yaml

    from compiler.api import compile_onnx
    from pimsim.sweep.evaluate import CompileAndSimulate
    from pimsim.sweep.runner import TIMING_COLUMNS, row_of, run_point, task_of
    from pimsim.sweep.space import load_sweep
    from recsys_models.cli import main as recsys

    table = {r["point_index"]: r for r in rows()}
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.onnx"
        if MODEL.exists():
            shutil.copy(MODEL, model)
        else:
            assert recsys(["export", "dlrm", "-o", str(model)]) == 0
        doc = yaml.safe_load(SWEEP.read_text())
        doc["workloads"][0]["onnx"] = str(model)
        (Path(tmp) / "sweep.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        sweep = load_sweep(Path(tmp) / "sweep.yaml")
        evaluate = CompileAndSimulate(compile_onnx)
        for index in points:
            point = sweep.points[index]
            row = row_of(point, run_point(evaluate, task_of(sweep, point)))
            for key, committed in table[index].items():
                if key in TIMING_COLUMNS or key == "pimsim_version":
                    continue
                now = row.get(key)
                if isinstance(committed, float) and isinstance(now, (int, float)):
                    if not math.isclose(committed, now, rel_tol=1e-9, abs_tol=1e-12):
                        problems.append(f"point {index} {key}: {committed} committed, {now} now")
                elif committed != now:
                    problems.append(f"point {index} {key}: {committed!r} committed, {now!r} now")
    return problems


def small(out: str) -> None:
    """The example sweep with one value per axis but the crossbar size (3 points), its workload path kept valid."""
    import yaml

    doc = yaml.safe_load(SWEEP.read_text())
    doc["vary"] = {name: values[:1] for name, values in doc["vary"].items()}
    out_path = Path(out).resolve()
    doc["workloads"][0]["onnx"] = str(Path("build/demo/model.onnx").resolve())  # as `make demo` writes it
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(yaml.safe_dump(doc, sort_keys=False))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "summary"
    if command == "small":
        small(argv[1])
        return 0
    if command == "check":
        problems = check([int(p) for p in argv[1].split(",")])
        print("\n".join(problems) or "the committed table matches the code")
        return 1 if problems else 0
    {"run": run, "figure": figure, "summary": summary, "front": front, "table": table,
     "findings": findings}[command]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
