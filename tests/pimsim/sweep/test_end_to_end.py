"""`pimsim sweep` with the real compile (compiler.api.compile_onnx) and simulate (pimsim.api.simulate).

Workload: the demo DLRM exported once per module with small embedding tables
(``--hash-size 100``) so compiling stays quick.  The expected metrics are those of
compiling and simulating the same point directly, outside the sweep: the sweep
must add nothing and lose nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pimsim.cli import main
from pimsim.sweep.results import read_results
from pimsim.sweep.space import load_sweep
from tests.pimsim.sweep.conftest import write_sweep


@pytest.fixture(scope="module")
def dlrm_onnx(tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("dlrm") / "dlrm.onnx"
    recsys = Path(sys.executable).parent / "recsys"
    subprocess.run([str(recsys), "export", "dlrm", "--hash-size", "100", "-o", str(out)], check=True,
                   capture_output=True)
    return out.read_bytes()


def test_sweep_rows_equal_direct_compile_and_simulate(dlrm_onnx, tmp_path, capsys):
    from compiler.api import compile_onnx
    from pimsim.api import simulate

    path = write_sweep(tmp_path, {"vary": {"pe.adc.bits": [6, 8]}, "zip": [], "simulate": {"batch": 4}},
                       workload_bytes=dlrm_onnx)
    out = tmp_path / "results.csv"
    assert main(["sweep", str(path), "-o", str(out), "--workers", "1"]) == 0
    stdout = capsys.readouterr().out
    assert "ran 2 points (0 failed)" in stdout and "Pareto set" in stdout
    rows = read_results(out)
    sweep = load_sweep(path)
    assert [r["status"] for r in rows] == ["ok", "ok"], rows
    for row, point in zip(rows, sweep.points):
        mapping = compile_onnx(point.workload.onnx_path, point.arch, strategy="optimized")
        assert mapping.arch_sha256 == row["arch_sha256"]
        direct = simulate(mapping, batch=4).to_json_dict()
        assert row["stats.batch"] == direct["stats"]["batch"] == 4
        for key in ("latency_ns", "latency_cycles", "throughput_inferences_per_s", "energy_per_inference_pj",
                    "area_mm2", "power_mw"):
            assert row[key] == pytest.approx(direct[key], rel=1e-12), key
    # Re-running skips both points.
    assert main(["sweep", str(path), "-o", str(out), "--workers", "1"]) == 0
    assert "ran 0 points (0 failed), skipped 2 already done" in capsys.readouterr().out
