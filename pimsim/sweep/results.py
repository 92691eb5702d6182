"""The sweep's tidy results table: one row per design point, appended as it finishes.

The table is a CSV journal.  Each finished point is appended as one line and
flushed at once, so killing a sweep loses no finished point; re-running reads
the journal and skips every ``point_hash`` already in it.  Rows never contain
a newline (error messages are collapsed to one line), so a line that does not
end in ``\\n`` can only be the torn tail of an interrupted write: it is dropped
on resume.  When a row brings a column the header lacks (the first successful
point adds the metric columns; a new axis adds its own), the file is rewritten
atomically with the union of columns.

Columns: ``point_hash, point_index, workload``, the axes (dotted arch paths),
``status`` (``ok`` | ``error``), ``error``, ``arch_sha256``, ``schema_version``,
``pimsim_version``, then the report's metrics flattened with dots (``energy_breakdown_pj.adc``),
every name carrying its unit, and the wall-clock timings last.  When a sweep
ends, the file is compacted (one row per point, in point order).  Parquet output (``*.parquet``) is written from
the journal (``<out>.journal.csv``) at the end, and needs ``pyarrow``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pimsim.spec.errors import SpecError
from pimsim.spec.io import atomic_write_bytes, atomic_write_text

RESULTS_SCHEMA_VERSION = 1


def journal_path(out: str | Path) -> Path:
    """Where rows are appended: ``out`` itself for CSV, a sidecar for Parquet."""
    out = Path(out)
    return out.with_name(out.name + ".journal.csv") if is_parquet(out) else out


@contextlib.contextmanager
def exclusive(path: str | Path) -> Iterator[None]:
    """Hold a lock on ``path`` for one sweep: a second sweep writing the same table fails at once."""
    import fcntl

    path = Path(path)
    if path.is_dir():
        raise SpecError(str(path), "is a directory; give a results file name (results.csv)")
    lock = path.with_name(f".{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise SpecError(str(path), f"cannot write here: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SpecError(str(path), "another pimsim sweep is writing this file; wait for it or choose another -o") from None
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def is_parquet(out: str | Path) -> bool:
    return str(out).endswith(".parquet")


def require_parquet_support(out: str | Path) -> None:
    """Fail before any work when Parquet is asked for and pyarrow is missing."""
    if not is_parquet(out):
        return
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise SpecError(str(out), "Parquet output needs the pyarrow package "
                                  "(pip install 'pim-recsys[parquet]'), or write .csv") from None


def flatten(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested report dict -> ``{"a.b": value}``; lists become ``a.0``, ``a.1``."""
    flat: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            flat.update(flatten({str(i): v for i, v in enumerate(value)}, name + "."))
        else:
            flat[name] = value
    return flat


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return one_line(value) if isinstance(value, str) else str(value)


def _csv_lines(records: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(records)
    return buf.getvalue()


def _encode(header: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    return _csv_lines([_cell(row.get(col)) for col in header] for row in rows)


class ResultsTable:
    """An append-only CSV of point rows, resumable after a kill.

    Parameters
    ----------
    path : str or Path
        The CSV journal.  Created if absent; if present, its rows are read
        (a torn last line is dropped) and new rows are appended.
    """

    def __init__(self, path: str | Path, repair: bool = True):
        self.path = Path(path)
        self.header: list[str] = []
        self.rows: list[dict[str, str]] = []
        self.dropped_torn_line = False
        self.repair = repair
        """Truncate a torn last line on disk (the sweep, resuming); readers only skip it in memory."""
        if self.path.exists() and self.path.stat().st_size:
            self._read_existing()

    def _read_existing(self) -> None:
        from pimsim.spec.io import read_bytes

        data = read_bytes(self.path)
        cut = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
        not_ours = SpecError(str(self.path), "exists but is not a sweep results table (no point_hash column); "
                                             "choose another -o")
        # Validate before dropping a torn last line: a wrong -o (a model, the sweep file) must stay intact.
        first = data.split(b"\n", 1)[0]
        torn_header = b"\n" not in data and b"point_hash".startswith(first)  # killed while writing it
        if data and b"point_hash" not in first and not torn_header:
            raise not_ours
        try:
            text = data[:cut].decode("utf-8")
        except UnicodeDecodeError:
            raise not_ours from None
        if cut < len(data):
            self.dropped_torn_line = True
            if self.repair:
                with open(self.path, "r+b") as handle:
                    handle.truncate(cut)
        reader = csv.reader(io.StringIO(text))
        lines = list(reader)
        if not lines:
            return
        self.header = lines[0]
        if "point_hash" not in self.header:
            raise not_ours
        for fields in lines[1:]:
            if len(fields) != len(self.header):
                raise SpecError(str(self.path), f"row {len(self.rows) + 1} has {len(fields)} fields, "
                                                f"header has {len(self.header)}: not a results table this tool wrote")
            self.rows.append(dict(zip(self.header, fields)))

    def finished(self, include_errors: bool = True) -> set[str]:
        """Hashes of points already recorded (the last row of a hash wins)."""
        last = {r["point_hash"]: r.get("status", "") for r in self.rows}
        return {h for h, status in last.items() if include_errors or status == "ok"}

    def append(self, row: Mapping[str, Any]) -> None:
        """Add one row and flush it to disk; widen the header first if needed."""
        new_cols = [c for c in row if c not in self.header]
        stored = {c: _cell(v) for c, v in row.items()}
        if new_cols:
            self.header = self.header + new_cols
            self.rows.append(stored)
            atomic_write_text(self.path, _csv_lines([self.header]) + _encode(self.header, self.rows))
            return
        self.rows.append(stored)
        with open(self.path, "a", encoding="utf-8", newline="") as handle:
            handle.write(_encode(self.header, [row]))
            handle.flush()

    def compact(self, last_columns: Iterable[str] = ()) -> None:
        """Rewrite atomically: one row per point in point order, ``last_columns`` moved to the end.

        Parallel workers finish in any order; compacting at the end of a sweep makes
        the file's row and column order depend on the sweep alone.
        """
        if not self.header:
            return
        tail = [c for c in last_columns if c in self.header]
        self.header = [c for c in self.header if c not in tail] + tail
        self.rows = self.latest_rows()
        atomic_write_text(self.path, _csv_lines([self.header]) + _encode(self.header, self.rows))

    def latest_rows(self) -> list[dict[str, str]]:
        """One row per point hash (the latest), in point order."""
        latest = {r["point_hash"]: r for r in self.rows}
        return sorted(latest.values(), key=lambda r: (_as_int(r.get("point_index")), r["point_hash"]))


def _as_int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def convert(text: str) -> Any:
    """A CSV cell back to a number where it is one (empty -> None)."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


TEXT_COLUMNS = frozenset({"point_hash", "workload", "status", "error", "arch_sha256", "pimsim_version"})


def typed_row(row: Mapping[str, str]) -> dict[str, Any]:
    """Numbers parsed, except identity columns that merely look numeric (a hex hash)."""
    return {k: (v if k in TEXT_COLUMNS else convert(v)) for k, v in row.items()}


def read_results(path: str | Path, as_frame: bool = False):
    """Rows of a results CSV or Parquet file with numbers parsed (latest row per point); the file is not modified.

    ``as_frame=True`` returns a ``pandas.DataFrame`` (columns in the table's order) instead of a list of dicts;
    pandas is needed only then.  A Parquet file can also be read directly: ``pandas.read_parquet(path)``.
    """
    from pimsim.spec.io import check_regular_file

    path = Path(path)
    check_regular_file(path)
    if is_parquet(path):
        require_parquet_support(path)
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(path).to_pylist()
        except (OSError, ValueError) as exc:
            raise SpecError(str(path), f"not a readable Parquet file: {' '.join(str(exc).split())}") from None
        rows = [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]
    else:
        table = ResultsTable(path, repair=False)
        if not table.header:
            raise SpecError(str(path), "empty results table")
        rows = [typed_row(r) for r in table.latest_rows()]
    return _frame(rows, path) if as_frame else rows


def _frame(rows: list[dict[str, Any]], path: Path):
    try:
        import pandas as pd
    except ImportError:
        raise SpecError(str(path), "as_frame=True needs pandas (pip install pandas)") from None
    columns = list(dict.fromkeys(c for r in rows for c in r))
    return pd.DataFrame.from_records(rows, columns=columns)


def write_parquet(table: ResultsTable, out: str | Path) -> None:
    """Write the journal's latest rows as Parquet, atomically; numbers stay numbers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [typed_row({k: r.get(k, "") for k in table.header}) for r in table.latest_rows()]
    columns = {}
    for col in table.header:
        values = [r[col] for r in rows]
        if col in TEXT_COLUMNS or any(isinstance(v, str) for v in values):
            values = [None if v is None else str(v) for v in values]
        elif any(isinstance(v, float) for v in values):
            values = [None if v is None else float(v) for v in values]
        columns[col] = values
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    atomic_write_bytes(out, sink.getvalue().to_pybytes())
