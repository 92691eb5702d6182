"""The resumable runner on every backend, with the toy evaluators of evaluators.py.

Expected values are hand calculations from the formulas in evaluators.toy_metrics
(default preset: cell_bits = 2).
"""

from __future__ import annotations

import pytest

from pimsim.spec.errors import SpecError
from pimsim.sweep.results import read_results
from pimsim.sweep.runner import run_sweep
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.evaluators import fails_on_big_rows, interrupted_at_point_3, toy_metrics

METRICS = ("latency_ns", "energy_per_inference_pj", "area_mm2", "energy_breakdown_pj.adc")


def table_values(path):
    return [(r["point_index"], *(r.get(m) for m in METRICS)) for r in read_results(path)]


def test_serial_sweep_writes_one_tidy_row_per_point(small_sweep, tmp_path):
    sweep = load_sweep(small_sweep)
    out = tmp_path / "results.csv"
    outcome = run_sweep(sweep, out, toy_metrics, workers=1, progress=False)
    assert (outcome.total, outcome.ran, outcome.skipped, outcome.failed) == (8, 8, 0, 0)
    rows = read_results(out)
    header = out.read_text().splitlines()[0].split(",")
    assert header[:11] == ["point_hash", "point_index", "workload", "pe.crossbar.rows", "pe.adc.bits",
                           "pe.crossbar.cols", "pe.adc.per_crossbar", "status", "error", "arch_sha256",
                           "schema_version"]
    first = rows[0]
    # Point 0: rows 64, 6-bit ADC, 64 cols, 1 ADC -> 64 cols/ADC.
    assert first["latency_ns"] == pytest.approx(64 * 1000 / 6)
    assert first["energy_per_inference_pj"] == pytest.approx(6 * 2**6 / 3)  # 128
    assert first["area_mm2"] == pytest.approx(64 * 64 / 1e4)
    assert first["arch_sha256"] == sweep.points[0].arch_sha256 and first["schema_version"] == 1
    # Point 7: rows 128, 8-bit ADC, 128 cols, 2 ADCs -> 64 cols/ADC.
    assert rows[7]["latency_ns"] == pytest.approx(64 * 1000 / 8)
    assert rows[7]["area_mm2"] == pytest.approx(128 * 128 * 2 / 1e4)
    assert [r["point_hash"] for r in rows] == [p.point_hash for p in sweep.points]


def test_rerun_skips_finished_points_and_resumes_after_a_kill(small_sweep, tmp_path):
    sweep = load_sweep(small_sweep)
    out = tmp_path / "results.csv"
    run_sweep(sweep, out, toy_metrics, workers=1, progress=False)
    complete, values = out.read_text(), table_values(out)
    again = run_sweep(sweep, out, toy_metrics, workers=1, progress=False)
    assert (again.ran, again.skipped) == (0, 8) and out.read_text() == complete
    # A kill mid-write: header + 3 finished rows + half of the 4th row.
    lines = complete.splitlines(keepends=True)
    out.write_text("".join(lines[:4]) + lines[4][:20])
    resumed = run_sweep(sweep, out, toy_metrics, workers=1, progress=False)
    assert resumed.dropped_torn_line and (resumed.ran, resumed.skipped) == (5, 3)
    assert len(out.read_text().splitlines()) == 9 and table_values(out) == values


def test_ctrl_c_stops_the_sweep_without_recording_the_running_point(small_sweep, tmp_path):
    sweep = load_sweep(small_sweep)
    out = tmp_path / "results.csv"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, out, interrupted_at_point_3, workers=1, progress=False)
    assert [r["point_index"] for r in read_results(out)] == [0, 1, 2]
    assert run_sweep(sweep, out, toy_metrics, workers=1, progress=False).ran == 5


def test_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    from tests.pimsim.sweep.conftest import write_sweep

    sweep = load_sweep(write_sweep(tmp_path, {"vary": {"pe.crossbar.rows": [128, 256], "pe.adc.bits": [8]},
                                              "zip": []}))
    out = tmp_path / "results.csv"
    outcome = run_sweep(sweep, out, fails_on_big_rows, workers=1, progress=False)
    assert (outcome.ran, outcome.failed) == (2, 1)
    ok, bad = read_results(out)
    assert ok["status"] == "ok" and ok["latency_ns"] == pytest.approx(128 * 1000 / 8)
    assert bad["status"] == "error" and bad["error"] == "ValueError: crossbar too tall for this toy model"
    assert bad["latency_ns"] is None
    # Without --retry-failed the failure counts as finished; with it, the point runs again.
    assert run_sweep(sweep, out, fails_on_big_rows, workers=1, progress=False).ran == 0
    assert run_sweep(sweep, out, fails_on_big_rows, workers=1, progress=False, retry_failed=True).ran == 1
    assert len(out.read_text().splitlines()) == 3  # compaction dropped the superseded error row


def test_process_pool_gives_the_serial_table(small_sweep, tmp_path):
    sweep = load_sweep(small_sweep)
    run_sweep(sweep, tmp_path / "serial.csv", toy_metrics, workers=1, progress=False)
    outcome = run_sweep(sweep, tmp_path / "pool.csv", toy_metrics, workers=2, progress=False)
    assert outcome.backend == "process pool, 2 workers"
    assert table_values(tmp_path / "pool.csv") == table_values(tmp_path / "serial.csv")
    # Compacted at the end: same columns, rows in point order, whatever order workers finished in.
    serial, pool = ((tmp_path / n).read_text().splitlines() for n in ("serial.csv", "pool.csv"))
    assert pool[0] == serial[0]
    assert serial[0].endswith(",point_wall_s")
    assert [line.split(",")[1] for line in pool[1:]] == [str(i) for i in range(8)]


def test_dask_local_cluster_gives_the_serial_table(small_sweep, tmp_path):
    """A real Dask scheduler and two worker processes on 127.0.0.1."""
    sweep = load_sweep(small_sweep)
    run_sweep(sweep, tmp_path / "serial.csv", toy_metrics, workers=1, progress=False)
    outcome = run_sweep(sweep, tmp_path / "dask.csv", toy_metrics, workers=2, scheduler="local", progress=False)
    assert outcome.backend.startswith("Dask LocalCluster tcp://127.0.0.1:")
    assert table_values(tmp_path / "dask.csv") == table_values(tmp_path / "serial.csv")


def test_dask_scheduler_address_gives_the_serial_table(small_sweep, tmp_path):
    """Connecting by address: a scheduler with in-process worker threads, over TCP on 127.0.0.1."""
    from distributed import LocalCluster

    sweep = load_sweep(small_sweep)
    run_sweep(sweep, tmp_path / "serial.csv", toy_metrics, workers=1, progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1", protocol="tcp",
                      dashboard_address=None) as cluster:
        outcome = run_sweep(sweep, tmp_path / "dask.csv", toy_metrics, scheduler=cluster.scheduler_address,
                            progress=False)
    assert outcome.backend == f"Dask scheduler {cluster.scheduler_address}, 2 worker threads"
    assert table_values(tmp_path / "dask.csv") == table_values(tmp_path / "serial.csv")


def test_unreachable_scheduler_fails_before_any_work(small_sweep, tmp_path):
    sweep = load_sweep(small_sweep)
    out = tmp_path / "results.csv"
    with pytest.raises(SpecError) as info:
        run_sweep(sweep, out, toy_metrics, scheduler="tcp://127.0.0.1:9", progress=False, connect_timeout_s=1.0)
    assert info.value.one_line().startswith("error: --scheduler: tcp://127.0.0.1:9: cannot connect")
    assert not out.exists()


def test_parquet_output_round_trips(small_sweep, tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet output is the optional [parquet] extra")
    sweep = load_sweep(small_sweep)
    run_sweep(sweep, tmp_path / "r.csv", toy_metrics, workers=1, progress=False)
    run_sweep(sweep, tmp_path / "r.parquet", toy_metrics, workers=1, progress=False)
    assert table_values(tmp_path / "r.parquet") == table_values(tmp_path / "r.csv")
