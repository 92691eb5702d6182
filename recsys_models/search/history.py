"""The search's append-only history: one JSON line per evaluated candidate.

Line 1 is a header describing the run (space, seed, objective, checkpoint and
hardware-space digests); resuming with a different header is refused, naming
the differing item, because the replayed candidates would not match.  Every
later line is one candidate: ``{"key", "generation", "candidate", "metrics"}``.

Atomicity: each record is serialised first and written with a single
``os.write`` on an ``O_APPEND`` descriptor (fsync'd once per evaluated batch by
:meth:`HistoryWriter.sync`), so a record is either
whole or (if the process dies mid-write) a torn last line without its newline.
:func:`read_history` drops such a torn tail (and truncates it off the file so
the next append starts on a clean line); a malformed line anywhere else is an
error naming its line number.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from recsys_models.errors import UserError

HISTORY_VERSION = 1


def _line(obj: dict) -> bytes:
    return (json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n").encode()


def _parse_lines(path: Path, data: bytes) -> tuple[list[dict], int]:
    """Records and the byte length of the intact prefix."""
    records, good = [], 0
    lines = data.split(b"\n")
    for i, raw in enumerate(lines):
        last = i == len(lines) - 1
        if last and raw == b"":
            break
        try:
            rec = json.loads(raw)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
        except ValueError:
            if last:  # torn tail: the write of this record never finished
                break
            raise UserError(str(path), f"line {i + 1}: not a JSON record; the history is corrupt") from None
        if last:  # complete JSON but no newline: also a torn write
            break
        records.append(rec)
        good += len(raw) + 1
    return records, good


def read_history(path: str | Path) -> tuple[dict | None, list[dict]]:
    """``(header, records)`` of an existing history, repairing a torn tail; ``(None, [])`` if absent."""
    p = Path(path)
    if not p.exists():
        return None, []
    data = p.read_bytes()
    records, good = _parse_lines(p, data)
    if good < len(data):
        with open(p, "r+b") as fh:
            fh.truncate(good)
    if not records:
        return None, []
    header, body = records[0], records[1:]
    if header.get("kind") != "header":
        raise UserError(str(p), "line 1: not a search-history header")
    return header, body


def _header_mismatch(old: dict, new: dict) -> str | None:
    for key in sorted(set(old["run"]) | set(new["run"])):
        if key in HistoryWriter.RESUMABLE_CHANGES:
            continue
        if old["run"].get(key) != new["run"].get(key):
            return f"{key}: was {old['run'].get(key)!r}, now {new['run'].get(key)!r}"
    return None


class HistoryWriter:
    """Opens (creating or resuming) a history and appends records atomically."""

    RESUMABLE_CHANGES = frozenset({"budget", "generations", "workers", "scheduler"})
    """Run settings that may change between resumes (they extend, not alter, the replay)."""

    def __init__(self, path: str | Path, run: dict[str, Any]):
        self.path = Path(path)
        header = {"kind": "header", "version": HISTORY_VERSION, "run": run}
        old, self.records = read_history(self.path)
        if old is not None:
            diff = _header_mismatch(old, header)
            if diff:
                raise UserError(str(self.path), f"written by a different search ({diff}); use another --out")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if old is None:
            self._write(header)
            self.sync()

    def known_metrics(self) -> dict[str, dict]:
        return {r["key"]: r["metrics"] for r in self.records}

    def _write(self, obj: dict) -> None:
        data = _line(obj)
        written = os.write(self._fd, data)
        if written != len(data):  # pragma: no cover - a full disk; the torn tail is repaired on resume
            raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")

    def sync(self) -> None:
        """Make the lines written so far durable (one fsync per batch, not per line)."""
        os.fsync(self._fd)

    def append(self, key: str, generation: int, candidate: dict, metrics: dict) -> None:
        self._write({"key": key, "generation": generation, "candidate": candidate, "metrics": metrics})

    def close(self) -> None:
        if self._fd >= 0:
            self.sync()
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "HistoryWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
