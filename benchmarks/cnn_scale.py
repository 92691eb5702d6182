"""Convolutional workloads at scale (issue 18): compile and simulate NeuroSim's VGG-8 and ResNet-18.

Workloads (exported by ``benchmarks/export_vgg8.py`` and ``benchmarks/export_resnet18.py``, plain
``torch.onnx.export``) on ``configs/neurosim_vgg8_chip.yaml`` (144 tiles x 64 crossbars of 128x128 2-bit cells,
16-bit weights, 8-bit inputs):

- VGG-8, 100 images streamed (``pimsim run --batch 100``); targets 2 s wall, 1 GB peak RSS;
- VGG-8, 1 image, warm (``pimsim.api.simulate`` called again in a process that already ran it); target 0.5 s;
- ResNet-18, 16 images streamed; targets 10 s, 2 GB;
- VGG-8 for 200 ms of simulated time (``pimsim run --duration-ms 200``), as pimsim-nn's ``sim_time`` example.

Each run is a fresh process under ``/usr/bin/time -v`` (wall clock and peak RSS of the whole process: Python
start, imports and the cached Numba kernel included); ``stats.wall_s`` is ``simulate`` alone.  Reported: wall,
peak RSS, whole-stream and steady-state throughput, energy per inference and chip area.

The chip is the config file as written, compiled with ``pimcompile``'s default pipeline (``element`` for these
models: ``compiler.api.default_pipeline``); ``--pipeline layer`` is tried too and its one-line refusal recorded
(the first feature map / the image held whole does not fit the 16 KiB tile buffer).  The mapper's estimate
(``compiler.cost.estimate``) of the written mapping is compared with the simulator: one image's latency and the
``batch``-image makespan.

    nice -n 10 .venv/bin/python benchmarks/cnn_scale.py            # all workloads
    nice -n 10 .venv/bin/python benchmarks/cnn_scale.py --only vgg8
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the estimate runs in this process, from this checkout
VENV_BIN = Path(sys.executable).parent
OUT = REPO / "build" / "bench" / "cnn"
CONFIG = REPO / "configs" / "neurosim_vgg8_chip.yaml"
WARM_CHILD = r"""
import json, sys, time
from pimsim.api import simulate
from pimsim.spec.mapping import load_mapping
m = load_mapping(sys.argv[1])
simulate(m, batch=1)
walls = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); simulate(m, batch=1); walls.append(time.perf_counter() - t0)
print(json.dumps(sorted(walls)))
"""


@dataclass(frozen=True)
class Workload:
    name: str
    export_script: str
    batch: int
    duration_ms: float | None = None
    """Also run ``pimsim run --duration-ms`` for this long (pimsim-nn's ``sim_time`` comparison), if set."""


WORKLOADS = {
    # pimsim-nn simulates 200 ms of VGG-8 (83 images) in about 102 s using 0.19 GB (issue 18).
    "vgg8": Workload("vgg8", "export_vgg8.py", 100, duration_ms=200.0),
    "resnet18": Workload("resnet18", "export_resnet18.py", 16),
}


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def timed(cmd: list[str]) -> tuple[int, str, float, int]:
    """(exit status, stdout + stderr, wall s, peak RSS bytes) of ``cmd`` under ``/usr/bin/time -v``."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env())
    err = proc.stderr
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    h, m, s = ([0] + re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", err).group(1).split(":"))[-3:]
    wall = int(h) * 3600 + int(m) * 60 + float(s)
    text = proc.stdout + err.split("\tCommand being timed")[0]
    return proc.returncode, text, wall, rss_kb * 1024


def first_error(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("error:")), text.strip()[-300:])


def estimate_error(mapping_path: Path, sim: dict) -> dict:
    """The mapper's estimate of the written mapping against the simulator (estimate / simulator - 1)."""
    from compiler.cost.estimate import estimate
    from compiler.ir.from_mapping import graph_from_mapping
    from pimsim.spec.mapping import load_mapping

    m = load_mapping(mapping_path)
    est = estimate(graph_from_mapping(m), m.arch, m.pipeline)
    out = {"latency": est.latency_cycles / sim[1]["latency_cycles"] - 1}
    for batch, rep in sim.items():
        if batch > 1:
            out[f"makespan_{batch}"] = est.makespan_cycles(batch) / rep["stats"]["makespan_cycles"] - 1
    return out


def run_workload(w: Workload, arch: Path, warm_repeat: int) -> dict:
    model = OUT / f"{w.name}.onnx"
    if not model.exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / w.export_script), "-o", str(model)], check=True,
                       env=env(), capture_output=True)
    mapping = OUT / f"{w.name}.mapping.json"
    rc, text, _, _ = timed([str(VENV_BIN / "pimcompile"), str(model), "--arch", str(arch), "--pipeline", "layer",
                            "-o", str(OUT / f"{w.name}.layer.mapping.json")])
    layer = "pimcompile --pipeline layer: " + (first_error(text) if rc != 0 else "accepted")
    rc, text, wall, rss = timed([str(VENV_BIN / "pimcompile"), str(model), "--arch", str(arch), "-o", str(mapping)])
    row = {"workload": w.name, "arch": arch.stem, "layer": layer, "compile_wall_s": wall,
           "compile_peak_rss_mb": rss / 2**20}
    if rc != 0:
        return {**row, "error": "pimcompile: " + first_error(text)}
    out, sim = {}, {}
    for batch in (1, w.batch):
        rc, text, wall, rss = timed([str(VENV_BIN / "pimsim"), "run", str(mapping), "--batch", str(batch), "--json"])
        if rc != 0:
            return {**row, "error": f"pimsim run --batch {batch}: " + first_error(text)}
        rep = json.loads(next(line for line in text.splitlines() if line.startswith("{")))
        sim[batch] = rep
        out[batch] = {"wall_s": wall, "peak_rss_mb": rss / 2**20, "simulate_wall_s": rep["stats"]["wall_s"],
                      "tasks": rep["stats"]["tasks"], "latency_ns": rep["latency_ns"],
                      "throughput_per_s": rep["throughput_inferences_per_s"],
                      "steady_per_s": rep["throughput_steady_inferences_per_s"],
                      "energy_per_inference_uj": rep["energy_per_inference_pj"] / 1e6,
                      "area_mm2": rep["area_mm2"]}
    if w.duration_ms is not None:
        rc, text, wall, rss = timed([str(VENV_BIN / "pimsim"), "run", str(mapping), "--duration-ms", f"{w.duration_ms:g}",
                                     "--json"])
        if rc != 0:
            return {**row, "error": f"pimsim run --duration-ms {w.duration_ms:g}: " + first_error(text)}
        rep = json.loads(next(line for line in text.splitlines() if line.startswith("{")))
        out[f"{w.duration_ms:g} ms"] = {"wall_s": wall, "peak_rss_mb": rss / 2**20, "batch": rep["stats"]["batch"],
                                        "completions": rep["stats"]["duration_completions"],
                                        "per_s": rep["throughput_duration_inferences_per_s"]}
    warm = subprocess.run([sys.executable, "-c", WARM_CHILD, str(mapping), str(warm_repeat)], capture_output=True,
                          text=True, env=env(), check=True)
    walls = json.loads(warm.stdout.splitlines()[-1])
    return {**row, "runs": out, "warm_1_image_s": {"min": walls[0], "median": walls[len(walls) // 2]},
            "estimate_error": estimate_error(mapping, sim)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    p.add_argument("--warm-repeat", type=int, default=5)
    p.add_argument("-o", "--output", type=Path, default=OUT / "cnn_scale.json")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores", flush=True)
    rows = []
    for name in args.only or sorted(WORKLOADS, reverse=True):
        t0 = time.perf_counter()
        row = run_workload(WORKLOADS[name], CONFIG, args.warm_repeat)
        rows.append(row)
        print(json.dumps(row), f"({time.perf_counter() - t0:.0f} s)", flush=True)
    args.output.write_text(json.dumps({"load_average": load, "rows": rows}, indent=1))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
