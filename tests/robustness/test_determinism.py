"""Same input, same output: ``pimcompile`` mapping + weights, ``pimsim run --json`` and ``--trace``
are byte-identical across two processes (different PYTHONHASHSEED, so set/dict-order accidents
show up); a sweep gives the same table with 1 or 2 workers; seeded randomness (space sampling,
device variation) repeats.

The report's only non-deterministic field is ``stats.wall_s`` (wall-clock seconds of the run,
documented in docs/simulator.md); it is blanked before comparing.  The sweep table's wall-clock
columns (``*wall_s``, the last ones) are likewise excluded; every other cell must match byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.robustness.conftest import call

REPO = Path(__file__).resolve().parents[2]
PIPELINE = """
import sys
from compiler.cli import main as pimcompile
from pimsim.cli import main as pimsim
assert pimcompile(["model.onnx", "-o", "mapping.json"]) == 0
assert pimsim(["run", "mapping.json", "--batch", "8", "--json", "--trace", "trace.json"]) == 0
"""
WALL = re.compile(rb'"wall_s": [-+0-9.eE]+')


def _run_pipeline(workdir: Path, model: Path, hashseed: str) -> dict[str, bytes]:
    workdir.mkdir()
    (workdir / "model.onnx").write_bytes(model.read_bytes())
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", PIPELINE], cwd=workdir, env=env, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    files = {name: (workdir / name).read_bytes() for name in ("mapping.json", "mapping.weights.npz", "trace.json")}
    files["report"] = proc.stdout.splitlines()[-1]  # the --json line (pimcompile's "wrote ... 0.42 s" precedes it)
    return files


def test_compile_and_simulate_are_byte_identical_across_processes(tmp_path, dlrm_onnx):
    a = _run_pipeline(tmp_path / "a", dlrm_onnx, "1")
    b = _run_pipeline(tmp_path / "b", dlrm_onnx, "2")
    for name in ("mapping.json", "mapping.weights.npz", "trace.json"):
        assert a[name] == b[name], f"{name} differs between two processes"
    assert len(WALL.findall(a["report"])) == 1, "the report has exactly one wall-clock field"
    assert WALL.sub(b'"wall_s": 0', a["report"]) == WALL.sub(b'"wall_s": 0', b["report"])
    report = json.loads(a["report"])
    assert report["latency_cycles"] > 0 and report["energy_per_inference_pj"] > 0  # a real run, not an empty one


SWEEP = """schema_version: 1
name: determinism
workloads:
  - onnx: model.onnx
base_arch: default
vary:
  pe.adc.bits: [6, 8]
  pe.crossbar.rows: [64, 128]
"""


def _sweep_table(workdir: Path, model: Path, workers: int) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the raw CSV a sweep writes, the cells as text (byte-level comparison)."""
    import csv

    workdir.mkdir()
    (workdir / "model.onnx").write_bytes(model.read_bytes())
    (workdir / "sweep.yaml").write_text(SWEEP)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", "import sys; from pimsim.cli import main; sys.exit(main())", "sweep", "sweep.yaml",
           "-o", "results.csv", "--workers", str(workers)]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    header, *rows = list(csv.reader((workdir / "results.csv").read_text().splitlines()))
    return header, rows


def test_sweep_table_is_the_same_with_one_or_two_workers(tmp_path, dlrm_onnx):
    """Result columns byte-identical across runs (1 and 2 workers); the timing columns are named ``*wall_s``
    and come last (pimsim.sweep.runner.TIMING_COLUMNS), the only ones allowed to differ."""
    from pimsim.sweep.runner import TIMING_COLUMNS

    head1, one = _sweep_table(tmp_path / "one", dlrm_onnx, 1)
    head2, two = _sweep_table(tmp_path / "two", dlrm_onnx, 2)
    assert head1 == head2 and head1[-len(TIMING_COLUMNS):] == list(TIMING_COLUMNS)
    assert all(c.endswith("wall_s") for c in TIMING_COLUMNS) and not any(
        c.endswith("wall_s") for c in head1[:-len(TIMING_COLUMNS)])
    results = len(head1) - len(TIMING_COLUMNS)
    assert len(one) == 4 and all(r[head1.index("status")] == "ok" for r in one)
    assert [r[:results] for r in one] == [r[:results] for r in two]


def test_space_sampling_is_seeded(capsys):
    first = call(capsys, "recsys", "space", "--space", "small", "--sample", "3", "--seed", "7")
    again = call(capsys, "recsys", "space", "--space", "small", "--sample", "3", "--seed", "7")
    other = call(capsys, "recsys", "space", "--space", "small", "--sample", "3", "--seed", "8")
    assert first.code == 0 and first.out == again.out and first.out != other.out


def test_device_variation_is_seeded(tmp_path, capsys, tiny_mapping):
    inputs = tmp_path / "in.npz"
    np.savez(inputs, idx=np.array([[1, 2], [3, 4]], np.int64))
    outs = []
    for i, seed in enumerate(("3", "3", "4")):
        out = tmp_path / f"out{i}.npz"
        result = call(capsys, "pimsim", "infer", tiny_mapping, "--inputs", inputs, "-o", out,
                      "--variation-sigma", "0.2", "--seed", seed)
        assert result.code == 0, result.err
        with np.load(out) as npz:
            outs.append({k: npz[k] for k in npz.files})
    assert all(np.array_equal(outs[0][k], outs[1][k]) for k in outs[0])
    assert any(not np.array_equal(outs[0][k], outs[2][k]) for k in outs[0])


def test_no_unseeded_randomness_in_the_code():
    """Static scan of the three packages: every NumPy/stdlib generator is constructed with a seed,
    nothing draws from the global NumPy or ``random`` state, and torch draws pass a seeded
    ``generator=`` (parameter initialisation in a model's ``__init__`` is seeded by the caller's
    ``torch.manual_seed``: recsys_models/train, supernet and export set it from ``--seed``)."""
    import ast

    seeded_ctor = {"np.random.default_rng", "numpy.random.default_rng", "random.Random"}
    allowed_np = {"default_rng", "Generator", "SeedSequence", "PCG64"}
    torch_draws = {"rand", "randn", "randint", "randperm", "bernoulli", "multinomial"}

    def name(f) -> str:
        if isinstance(f, ast.Attribute):
            return f"{name(f.value)}.{f.attr}"
        return f.id if isinstance(f, ast.Name) else "?"

    bad = []
    for package in ("pimsim", "compiler", "recsys_models"):
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            inits = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                     for n in ast.walk(f)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                s, where = name(node.func), f"{path.relative_to(REPO)}:{node.lineno}"
                if s in seeded_ctor and not node.args and not node.keywords:
                    bad.append(f"{where} {s}() without a seed")
                elif s.startswith(("np.random.", "numpy.random.")) and s.rsplit(".", 1)[1] not in allowed_np:
                    bad.append(f"{where} {s} draws from the global NumPy state")
                elif s.startswith("random.") and s != "random.Random":
                    bad.append(f"{where} {s} draws from the global random state")
                elif (s.startswith("torch.") and s.rsplit(".", 1)[1] in torch_draws
                      and not any(k.arg == "generator" for k in node.keywords) and id(node) not in inits):
                    bad.append(f"{where} {s} without generator=")
    assert not bad, "\n".join(bad)
