"""The demo path end to end through the three CLIs, as `make demo` runs it (issue 2, "Done when").

`recsys export dlrm` -> `pimcompile` -> `pimsim run --json --trace`.  No number here is recorded from
a previous run: each assertion cross-checks two independent outputs (the report against the
architecture roll-up of `pimsim area`, ns against cycles through the clock, power against energy over
time, the trace against the report) or a published shape (the DLRM of issue 2).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLIS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}
BATCH = 16


def cli(tool: str, *args: str, cwd: Path) -> str:
    cmd = [sys.executable, "-c", f"import sys; from {CLIS[tool]} import main; sys.exit(main())", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)
    assert proc.returncode == 0, f"{tool} {' '.join(args)}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    cli("recsys", "export", "dlrm", "-o", "model.onnx", cwd=d)
    cli("pimcompile", "model.onnx", "-o", "mapping.json", cwd=d)
    report = json.loads(cli("pimsim", "run", "mapping.json", "--batch", str(BATCH), "--json",
                            "--trace", "trace.json", cwd=d))
    area = json.loads(cli("pimsim", "area", "default", "--json", cwd=d))
    return d, report, area


def test_outputs_exist_and_model_has_issue_2_shapes(demo):
    """Issue 2: 13 dense + 26 sparse inputs, embedding dim 16, bottom MLP 13-512-256-64-16, top MLP ...-512-256-1."""
    d, _, _ = demo
    for name in ("model.onnx", "mapping.json", "trace.json"):
        assert (d / name).stat().st_size > 0
    mapping = json.loads((d / "mapping.json").read_text())
    mvms = [op for op in mapping["operators"] if op["kind"] == "mvm"]
    shapes = [(op["k"], op["n"]) for op in mvms]
    # Bottom MLP, then top MLP whose input is 16 dense + C(27, 2) = 351 pairwise dots = 367.
    assert shapes == [(13, 512), (512, 256), (256, 64), (64, 16), (367, 512), (512, 256), (256, 1)]
    embeddings = [op for op in mapping["operators"] if op["kind"] == "embedding"]
    assert sum(op["tables"] for op in embeddings) == 26 and {op["dim"] for op in embeddings} == {16}


def test_report_keys_and_internal_consistency(demo):
    _, r, area = demo
    keys = {"latency_ns", "latency_cycles", "throughput_inferences_per_s", "energy_per_inference_pj", "power_mw",
            "area_mm2", "energy_breakdown_pj", "area_breakdown_mm2", "stats", "utilization"}
    assert keys <= set(r)
    assert {"events", "wall_s"} <= set(r["stats"]) and r["stats"]["events"] > 0
    clock_mhz = 1200.0  # the default preset's clock (pimsim/spec/presets/default.yaml)
    assert r["latency_ns"] == pytest.approx(r["latency_cycles"] * 1e3 / clock_mhz, rel=1e-9)
    assert sum(r["energy_breakdown_pj"].values()) == pytest.approx(r["energy_per_inference_pj"], rel=1e-6)
    # The report's area is the architecture's chip area from the same component models.
    assert r["area_mm2"] == pytest.approx(area["chip.area_mm2"], rel=1e-9)
    # Average power = energy of the whole stream / its duration: P[mW] = E[pJ] * rate[1/s] * 1e-9.
    stream_power_mw = r["energy_per_inference_pj"] * r["throughput_inferences_per_s"] * 1e-9
    assert r["power_mw"] == pytest.approx(stream_power_mw, rel=1e-6)
    # Pipelining: a stream of BATCH queries cannot be slower than BATCH queries one after another.
    assert r["throughput_inferences_per_s"] >= 1e9 / r["latency_ns"] * 0.999


def test_trace_opens_as_chrome_json(demo):
    d, _, _ = demo
    trace = json.loads((d / "trace.json").read_text())
    events = trace["traceEvents"]
    names = {e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    assert any("crossbar" in n.lower() for n in names), sorted(names)[:10]
    slices = [e for e in events if e.get("ph") == "X"]
    assert slices and all(e["dur"] >= 0 and e["ts"] >= 0 for e in slices)
