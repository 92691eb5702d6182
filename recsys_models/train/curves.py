"""Training curves (``--log-dir DIR``): ``DIR/curves.csv`` and TensorBoard event files in ``DIR``.

``curves.csv`` has one row per point, ``step,tag,value`` (tags such as ``train/logloss``, ``val/auc``, ``lr``), so
it loads directly with ``pandas.read_csv`` and grows without a schema change. TensorBoard's ``SummaryWriter``
writes the same scalars (``tensorboard --logdir DIR``). Event files carry wall-clock times; they are logs, not
results, and are not part of the byte-identical outputs.

A resumed run passes the step it resumed from: CSV rows written after that step by the interrupted run are dropped
(they are recomputed, identically) and TensorBoard is told to purge them (``purge_step``).
"""

from __future__ import annotations

import csv
from pathlib import Path

CSV_NAME = "curves.csv"
HEADER = ("step", "tag", "value")


def _keep_rows_up_to(path: Path, step: int) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh)][1:]
    kept = [r for r in rows if len(r) == 3 and r[0].isdigit() and int(r[0]) <= step]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(kept)


class Curves:
    """Scalars to CSV and TensorBoard; ``resume_step`` continues an interrupted run's curves."""

    active = True  # a training loop computes logged values (a GPU synchronisation) only for an active logger

    def __init__(self, directory, resume_step: int | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / CSV_NAME
        if resume_step is not None and path.is_file():
            _keep_rows_up_to(path, resume_step)
        elif path.exists():
            path.unlink()  # a fresh run starts fresh curves
        new = not path.exists()
        self._fh = path.open("a", newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh)
        if new:
            self._csv.writerow(HEADER)
        self._tb = SummaryWriter(str(self.directory), purge_step=resume_step)

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._csv.writerow((int(step), tag, repr(float(value))))
        self._tb.add_scalar(tag, float(value), int(step))

    def flush(self) -> None:
        self._fh.flush()
        self._tb.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
            self._tb.close()


class NoCurves:
    """The stand-in when no ``--log-dir`` is given (and on ranks other than 0)."""

    active = False

    def scalar(self, tag: str, value: float, step: int) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def open_curves(directory, resume_step: int | None = None, enabled: bool = True):
    return Curves(directory, resume_step) if (directory and enabled) else NoCurves()
