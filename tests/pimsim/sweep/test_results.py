"""The append-only results table: flush per row, resume, torn-line recovery, header widening."""

from __future__ import annotations

import sys

import pytest

from pimsim.spec.errors import SpecError
from pimsim.sweep.results import ResultsTable, flatten, read_results, require_parquet_support


def test_flatten_nests_with_dots():
    got = flatten({"latency_ns": 5.0, "stats": {"events": 3}, "energy_breakdown_pj": {"adc": 1.5}, "u": [0.5, 1]})
    assert got == {"latency_ns": 5.0, "stats.events": 3, "energy_breakdown_pj.adc": 1.5, "u.0": 0.5, "u.1": 1}


def test_each_row_is_on_disk_after_append(tmp_path):
    path = tmp_path / "r.csv"
    table = ResultsTable(path)
    table.append({"point_hash": "a1", "point_index": 0, "status": "ok", "latency_ns": 1.25})
    assert path.read_text() == "point_hash,point_index,status,latency_ns\na1,0,ok,1.25\n"
    table.append({"point_hash": "b2", "point_index": 1, "status": "error", "error": "bad\nthing"})
    # A new column (error) widens the header; the earlier row gets an empty cell.
    assert path.read_text().splitlines() == [
        "point_hash,point_index,status,latency_ns,error", "a1,0,ok,1.25,", "b2,1,error,,bad thing"]
    table.append({"point_hash": "c3", "point_index": 2, "status": "ok", "latency_ns": 2.0})
    assert path.read_text().splitlines()[-1] == "c3,2,ok,2.0,"


def test_resume_drops_a_torn_last_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("point_hash,point_index,status,latency_ns\na1,0,ok,1.5\nb2,1,o")
    table = ResultsTable(path)
    assert table.dropped_torn_line
    assert table.finished() == {"a1"}
    assert path.read_text() == "point_hash,point_index,status,latency_ns\na1,0,ok,1.5\n"
    table.append({"point_hash": "b2", "point_index": 1, "status": "ok", "latency_ns": 2.5})
    assert [r["latency_ns"] for r in read_results(path)] == [1.5, 2.5]


def test_latest_row_of_a_point_wins(tmp_path):
    path = tmp_path / "r.csv"
    table = ResultsTable(path)
    table.append({"point_hash": "a1", "point_index": 0, "status": "error", "latency_ns": ""})
    assert table.finished() == {"a1"} and table.finished(include_errors=False) == set()
    table.append({"point_hash": "a1", "point_index": 0, "status": "ok", "latency_ns": 3.0})
    rows = read_results(path)
    assert len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["latency_ns"] == 3.0


def test_hash_that_looks_numeric_stays_text(tmp_path):
    path = tmp_path / "r.csv"
    ResultsTable(path).append({"point_hash": "0012", "point_index": 0, "status": "ok"})
    assert read_results(path)[0]["point_hash"] == "0012"


def test_foreign_csv_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SpecError, match="not a sweep results table"):
        ResultsTable(path)


def test_parquet_without_pyarrow_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed: `import pyarrow` raises ImportError
    with pytest.raises(SpecError) as info:
        require_parquet_support(tmp_path / "r.parquet")
    assert info.value.one_line() == (f"error: {tmp_path / 'r.parquet'}: Parquet output needs the pyarrow package "
                                     "(pip install 'pim-recsys[parquet]'), or write .csv")
    require_parquet_support(tmp_path / "r.csv")  # CSV never needs it


def test_second_writer_is_refused(tmp_path):
    from pimsim.sweep.results import exclusive

    path = tmp_path / "r.csv"
    with exclusive(path):
        with pytest.raises(SpecError, match="another pimsim sweep is writing this file"):
            with exclusive(path):
                pass
    with exclusive(path):  # released afterwards, and no lock file is left behind
        pass
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_a_directory_is_one_line(tmp_path):
    from pimsim.sweep.results import exclusive

    with pytest.raises(SpecError, match="is a directory; give a results file name"):
        with exclusive(tmp_path):
            pass


def test_reading_never_modifies_the_table(tmp_path):
    """``read_results`` (pimsim plot) skips a torn last line in memory; only a resuming sweep repairs the file."""
    path = tmp_path / "r.csv"
    text = "point_hash,point_index,status,latency_ns\na1,0,ok,1.5\nb2,1,o"
    path.write_text(text)
    assert [r["point_hash"] for r in read_results(path)] == ["a1"]
    assert path.read_text() == text


def test_read_results_as_frame_and_parquet_read_by_pandas(tmp_path):
    """``as_frame=True`` gives the same rows as a DataFrame (columns in table order); the Parquet file a sweep writes
    is read by pandas directly, numbers as numbers."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from pimsim.sweep.results import write_parquet

    path = tmp_path / "r.csv"
    table = ResultsTable(path)
    table.append({"point_hash": "00a1", "point_index": 0, "workload": "w", "status": "ok", "latency_ns": 1.5})
    table.append({"point_hash": "00b2", "point_index": 1, "workload": "w", "status": "error", "error": "boom"})
    rows = read_results(path)
    frame = read_results(path, as_frame=True)
    assert list(frame.columns) == ["point_hash", "point_index", "workload", "status", "latency_ns", "error"]
    assert frame.to_dict("records")[0]["latency_ns"] == 1.5 and frame["point_hash"].tolist() == ["00a1", "00b2"]
    write_parquet(table, tmp_path / "r.parquet")
    direct = pd.read_parquet(tmp_path / "r.parquet")
    assert direct["latency_ns"].dtype.kind == "f" and direct["point_index"].tolist() == [0, 1]
    assert direct["point_hash"].tolist() == [r["point_hash"] for r in rows]
    assert list(read_results(tmp_path / "r.parquet", as_frame=True).columns) == list(direct.columns)
