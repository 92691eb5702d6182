"""`pimsim plot` and the error paths of `pimsim sweep` through the real CLI entry point."""

from __future__ import annotations

import numpy as np

from pimsim.cli import main
from pimsim.sweep.plot import front_of
from pimsim.sweep.results import read_results
from pimsim.sweep.runner import run_sweep
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.conftest import write_sweep
from tests.pimsim.sweep.evaluators import toy_metrics


def _results(tmp_path):
    out = tmp_path / "results.csv"
    run_sweep(load_sweep(write_sweep(tmp_path)), out, toy_metrics, workers=1, progress=False)
    return out


def test_front_matches_hand_calculation(tmp_path):
    """Hand calculation from evaluators.toy_metrics.  Every point has 64 columns per ADC, so
    latency = 64000/bits and energy = bits * 2**bits / 3: the 6-bit points (10667 ns, 128 pJ) and
    8-bit ones (8000 ns, 683 pJ) trade off and tie within a bit width, so all 8 are non-dominated.
    In (area, energy), point 0 (64x64, one ADC: 0.4096 mm2; 6-bit: 128 pJ) is the minimum of both."""
    rows = read_results(_results(tmp_path))
    assert front_of(rows, "latency_ns", "energy_per_inference_pj").sum() == 8
    mask = front_of(rows, "area_mm2", "energy_per_inference_pj")
    assert [r["point_index"] for r, m in zip(rows, mask) if m] == [0]


def test_plot_writes_png(tmp_path, capsys):
    out = _results(tmp_path)
    png = tmp_path / "pareto.png"
    code = main(["plot", str(out), "--x", "area_mm2", "--y", "energy_per_inference_pj", "--color", "pe.adc.bits",
                 "-o", str(png)])
    assert code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    out_lines = capsys.readouterr().out.splitlines()
    assert out_lines[0].endswith("8 points, 1 on the Pareto front of (area_mm2, energy_per_inference_pj)")
    # The front table: point 0 (64x64, 6-bit, one ADC) at 0.4096 mm2 and 6 * 2**6 / 3 = 128 pJ.
    assert out_lines[1:] == ["\t".join(["point_index", "workload", "pe.crossbar.rows", "pe.adc.bits",
                                         "pe.crossbar.cols", "pe.adc.per_crossbar", "area_mm2",
                                         "energy_per_inference_pj"]),
                             "0\ttoy\t64\t6\t64\t1\t0.4096\t128"]


def test_plot_unknown_or_text_column_is_one_line(tmp_path, capsys):
    out = _results(tmp_path)
    assert main(["plot", str(out), "--x", "workload", "-o", str(tmp_path / "p.png")]) == 2
    assert capsys.readouterr().err == f"error: {out}: column 'workload' has no numeric value to plot\n"
    assert main(["plot", str(out), "--x", "latency_s", "-o", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out}: no column 'latency_s' (numeric columns: point_index, ")
    assert err.count("\n") == 1 and not (tmp_path / "p.png").exists()


def test_sweep_dry_run_lists_points(tmp_path, capsys):
    """--dry-run validates the sweep, every point's architecture and the workloads (read by the compiler's
    frontend, as a real run does first), and runs nothing."""

    from tests.robustness.models import tiny_proto

    path = write_sweep(tmp_path, workload_bytes=tiny_proto().SerializeToString())
    assert main(["sweep", str(path), "-o", str(tmp_path / "r.csv"), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "8 points: 1 workload(s), 8 architectures (sweep, architectures and workloads validated)"
    write_sweep(tmp_path, workload_bytes=b"toy-model")
    assert main(["sweep", str(path), "-o", str(tmp_path / "r.csv"), "--dry-run"]) == 2
    assert "model.onnx" in capsys.readouterr().err
    assert lines[2].split("\t")[2:] == ["toy", "64", "6", "64", "1"]
    assert not (tmp_path / "r.csv").exists()


def test_sweep_bad_input_is_one_line_before_work(tmp_path, capsys):
    path = write_sweep(tmp_path, {"vary": {"pe.adc.bitz": [4]}})
    assert main(["sweep", str(path), "-o", str(tmp_path / "r.csv")]) == 2
    assert capsys.readouterr().err == (f"error: {path}: vary.pe.adc.bitz: unknown architecture parameter "
                                       "(pe.adc.bitz is not in the arch.yaml format; "
                                       "pe.adc has: bits, model, per_crossbar, sample_rate_msps, "
                                       "shared_by_crossbars, table, table_node_nm)\n")
    assert main(["sweep", str(write_sweep(tmp_path)), "-o", str(tmp_path / "r.csv"), "--workers", "0"]) == 2
    assert capsys.readouterr().err == "error: pimsim sweep: --workers: 0: must be at least 1 (see pimsim sweep --help)\n"
    assert not (tmp_path / "r.csv").exists()


def test_pareto_mask_is_numpy_bool(tmp_path):
    rows = read_results(_results(tmp_path))
    assert front_of(rows, "latency_ns", "area_mm2").dtype == np.bool_


def test_sweep_with_a_broken_model_fails_once_before_work(tmp_path, capsys):
    path = write_sweep(tmp_path, workload_bytes=b"not an onnx model")
    assert main(["sweep", str(path), "-o", str(tmp_path / "r.csv"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'model.onnx'}: not an ONNX model") and err.count("\n") == 1
    assert not (tmp_path / "r.csv").exists()


def test_shards_partition_the_sweep_and_plot_together(tmp_path, capsys):
    from pimsim.sweep.space import parse_shard, shard

    sweep = load_sweep(write_sweep(tmp_path))
    parts = [shard(sweep, k, 3) for k in range(3)]
    assert [[p.index for p in part.points] for part in parts] == [[0, 3, 6], [1, 4, 7], [2, 5]]
    for k, part in enumerate(parts):
        run_sweep(part, tmp_path / f"r{k}.csv", toy_metrics, workers=1, progress=False)
    png = tmp_path / "p.png"
    assert main(["plot", *(str(tmp_path / f"r{k}.csv") for k in range(3)), "--x", "area_mm2",
                 "-o", str(png)]) == 0
    assert "8 points, 1 on the Pareto front of (area_mm2, energy_per_inference_pj)" in capsys.readouterr().out
    assert parse_shard("2/3") == (2, 3)
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "-o", str(tmp_path / "x.csv"), "--shard", "3/3"]) == 2
    assert capsys.readouterr().err == ("error: pimsim sweep: --shard: 3/3: expected K/N with 0 <= K < N "
                                       "(e.g. 0/4 ... 3/4) (see pimsim sweep --help)\n")
