"""Killing a sweep (SIGKILL, no chance to clean up) loses no finished point and leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pimsim.sweep.results import read_results
from pimsim.sweep.runner import run_sweep
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.conftest import write_sweep
from tests.pimsim.sweep.evaluators import slow_metrics

REPO = Path(__file__).resolve().parents[3]
SCRIPT = """
import sys
from pimsim.sweep.runner import run_sweep
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.evaluators import slow_metrics
run_sweep(load_sweep(sys.argv[1]), sys.argv[2], slow_metrics, workers=2, progress=False)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_sigkill_then_rerun_completes_the_table(tmp_path):
    path = write_sweep(tmp_path, {"vary": {"pe.adc.bits": list(range(1, 17))}, "zip": []})
    out = tmp_path / "results.csv"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path), str(out)], cwd=REPO)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_rows = read_results(out)
    assert 4 <= len(killed_rows) < 16, "the sweep must be killed mid-way for this test to mean anything"
    pids = {r["worker_pid"] for r in killed_rows} - {proc.pid}
    time.sleep(0.5)
    assert pids and not [p for p in pids if _alive(p)], "pool workers outlived the killed sweep"
    outcome = run_sweep(load_sweep(path), out, slow_metrics, workers=1, progress=False)
    assert outcome.skipped == len(killed_rows) and outcome.ran == 16 - len(killed_rows)
    rows = read_results(out)
    assert [r["pe.adc.bits"] for r in rows] == list(range(1, 17))
    assert [r["latency_ns"] for r in rows] == [128 * 1000 / b for b in range(1, 17)]  # cols_per_adc 128 / bits
