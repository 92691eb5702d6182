"""``pimsim sweep`` without a terminal (issue 22 item 4): its progress bar becomes plain status lines, at most one
per ``PROGRESS_LINE_EVERY_S`` and none for a sweep shorter than that (stderr then holds only its own messages)."""

from __future__ import annotations

import io
import re
import sys

from pimsim.sweep import runner


def _lines(monkeypatch, interval_s: float, updates: int, clock_step_s: float) -> list[str]:
    now = [0.0]
    monkeypatch.setattr(runner, "PROGRESS_LINE_EVERY_S", interval_s)
    monkeypatch.setattr("tqdm.std.time", lambda: now[0])  # tqdm's clock (``from time import time`` there)
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    with runner._progress(updates, True) as bar:
        for _ in range(updates):
            now[0] += clock_step_s
            bar.update(1)
    return buf.getvalue().splitlines()


def test_lines_every_interval_without_a_terminal(monkeypatch):
    lines = _lines(monkeypatch, interval_s=10.0, updates=6, clock_step_s=5.0)  # 30 s of work, a line per 10 s
    assert lines and all(re.match(r"sweep: +\d+%\|[#0-9 ]*\| \d/6 \[", line) for line in lines), lines
    assert lines[-1].startswith("sweep: 100%|") and "6/6" in lines[-1]
    assert 2 <= len(lines) <= 4


def test_short_sweep_prints_nothing(monkeypatch):
    assert _lines(monkeypatch, interval_s=30.0, updates=5, clock_step_s=0.1) == []
