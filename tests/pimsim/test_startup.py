"""Start-up of ``pimsim run`` (issue 18, "Speed and memory"): one mapping check per run, the kernel loaded without
numba's scipy BLAS probe, the installed script's early exit keeping output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pimsim.spec.mapping as spec_mapping
from pimsim.api import simulate
from pimsim.engine.kernel import BLAS_PROBE, no_blas_probe
from pimsim.spec.mapping import load_mapping, write_mapping
from tests.pimsim.program.builders import chain_mapping

PIMSIM = Path(sys.executable).parent / "pimsim"
"""The installed console script (``[project.scripts]``), whose ``run`` ends the process with ``os._exit``."""


def test_one_check_per_run(tmp_path, monkeypatch):
    """``load_mapping`` checks the mapping; the estimate, the one-query run and the stream reuse that verdict."""
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))]), path)
    calls = []
    real = spec_mapping.check_mapping
    monkeypatch.setattr(spec_mapping, "check_mapping", lambda m, p: (calls.append(p), real(m, p))[1])
    mapping = load_mapping(path)
    simulate(mapping, batch=4)
    simulate(mapping, batch=1)
    assert calls == [str(path)], "checked once, by load_mapping"
    other = mapping.model_copy()  # another object: checked again
    simulate(other, batch=1)
    assert len(calls) == 2


def test_no_blas_probe_hides_only_inside_and_only_when_absent():
    had = sys.modules.get(BLAS_PROBE, "absent")
    if had == "absent":
        with no_blas_probe():
            assert sys.modules[BLAS_PROBE] is None
        assert BLAS_PROBE not in sys.modules
    else:  # already imported in this process: left alone
        with no_blas_probe():
            assert sys.modules[BLAS_PROBE] is had
        assert sys.modules[BLAS_PROBE] is had


def _script(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([str(PIMSIM), *args], capture_output=True, text=True, env=env, timeout=300)


def test_installed_script_exits_early_with_its_output_and_code(tmp_path):
    """The early exit (``pimsim.cli._end_process``) happens after the report and the trace are written; exit codes
    stay those of ``guarded``: 0 for a run, 2 (``EXIT_INPUT``) for bad input with one line on stderr."""
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0))]), path)
    trace = tmp_path / "t.json"
    ok = _script("run", str(path), "--json", "--batch", "2", "--trace", str(trace))
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["latency_cycles"] == 1138, "tests/pimsim/test_api.py::test_text_report's hand calculation"
    assert json.loads(trace.read_text())["otherData"]["traced_queries"] == 2
    assert ok.stderr.strip() == f"wrote {trace}"
    bad = _script("run", str(tmp_path / "missing.json"))
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [f"error: {tmp_path / 'missing.json'}: no such file"]
