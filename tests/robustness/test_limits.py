"""Limits: a model larger than the chip fails with the numbers (needed versus available); tables
that do not fit on chip go to DRAM when the architecture has it; a model with external-data
tables compiles without reading them (peak memory does not grow with the tables).

The full-size case (2.56 GB of tables, over protobuf's 2 GiB limit) is
benchmarks/large_model_compile.py; its figures are in docs/robustness.md.  Related tests that
live with the compiler: tests/compiler/test_bad_input.py (crossbars needed vs available; tables
over on-chip capacity without DRAM) and tests/compiler/test_passes.py (a 2.56 GB table in an
absent external file, compiled with shapes_only).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from onnx import helper

from pimsim.spec.arch import load_arch
from tests.robustness.conftest import assert_clean_error, call
from tests.robustness.models import F, build

REPO = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("large_model_compile", REPO / "benchmarks" / "large_model_compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_weights_larger_than_the_chip_give_needed_and_available(tmp_path, capsys):
    """4096 x 4096 weights at 8 bits on 2-bit cells, differential: 8 columns per weight, 16 weights per
    128-column crossbar -> 32 x 256 = 8192 crossbars (hand calculation) > 64 x 8 x 8 = 4096 on `default`."""
    model = build([helper.make_node("Gemm", ["x", "W"], ["y"], name="big")], [("x", F, [1, 4096])],
                  [("y", F, [1, 4096])], [("W", np.zeros((4096, 4096), F))])
    path = tmp_path / "big.onnx"
    path.write_bytes(model.SerializeToString())
    out = tmp_path / "big.json"
    result = call(capsys, "pimcompile", path, "-o", out)
    assert result.code == 2 and not out.exists()
    line = result.err.strip()
    assert line.count("\n") == 0 and line.startswith("error: ") and "Traceback" not in line
    assert re.search(r"\b8192\b", line) and re.search(r"\b4096\b", line), line


def _arch_file(tmp_path: Path, embedding: dict) -> Path:
    data = load_arch("default").model_dump(mode="json")
    data["embedding"] = embedding
    path = tmp_path / "arch.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _table_model(tmp_path: Path) -> Path:
    """One 100000 x 16 table: at the default 8 bits, 100000 * 16 = 1,600,000 bytes (hand calculation)."""
    model = build([helper.make_node("Gather", ["T", "i"], ["y"], name="lookup")], [("i", np.int64, ["B", 1])],
                  [("y", F, ["B", 1, 16])], [("T", np.zeros((100_000, 16), F))])
    path = tmp_path / "emb.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def test_tables_over_onchip_capacity_spill_to_dram_when_there_is_dram(tmp_path, capsys):
    dram = load_arch("default").model_dump(mode="json")["embedding"]["dram"]
    arch = _arch_file(tmp_path, {"location": "onchip", "onchip_capacity_bytes": 1_000_000, "dram": dram})
    out = tmp_path / "m.json"
    result = call(capsys, "pimcompile", _table_model(tmp_path), "--arch", arch, "-o", out)
    assert result.code == 0, result.err
    assert "tables need 1600000 bytes, on-chip capacity 1000000: placed in DRAM" in result.out
    from pimsim.spec.mapping import load_mapping

    (op,) = load_mapping(out).operators
    assert (op.kind, op.storage) == ("embedding", "dram")


def test_tables_over_onchip_capacity_without_dram_fail_with_the_numbers(tmp_path, capsys):
    arch = _arch_file(tmp_path, {"location": "onchip", "onchip_capacity_bytes": 1_000_000, "dram": None})
    out = tmp_path / "m.json"
    line = assert_clean_error(call(capsys, "pimcompile", _table_model(tmp_path), "--arch", arch, "-o", out),
                              "", outputs=(out,))
    assert "1600000" in line and "1000000" in line


PEAK = _bench().PEAK


def _peak_mb(workdir: Path) -> float:
    code = PEAK + "from compiler.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    proc = subprocess.run([sys.executable, "-c", code, "model.onnx", "-o", "mapping.json"], cwd=workdir,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(next(l for l in proc.stderr.splitlines() if l.startswith("PEAK_KB")).split()[1]) / 1024


def test_external_data_tables_are_not_loaded(tmp_path):
    """Scaled-down benchmarks/large_model_compile.py: 4 tables of 2M x 16 float32 = 512 MB in an
    external-data file (sparse, so no disk time) against 1000-row tables: the compiler's peak
    resident memory must not grow by anything near the tables' size (loading even one table would
    add 128 MB)."""
    bench = _bench()
    small = bench.write_external_model(tmp_path / "small", 1000, 4, sparse=True).parent
    large = bench.write_external_model(tmp_path / "large", 2_000_000, 4, sparse=True).parent
    assert (large / "model.data").stat().st_size == 512_000_000
    grow = _peak_mb(large) - _peak_mb(small)
    assert grow < 48, f"peak memory grew by {grow:.0f} MB for 512 MB of external tables"
    from pimsim.spec.mapping import load_mapping

    ops = [op for op in load_mapping(large / "mapping.json").operators if op.kind == "embedding"]
    assert len(ops) == 4 and {(op.rows, op.dim, op.storage) for op in ops} == {(2_000_000, 16, "dram")}


def test_simulation_estimate_scales_with_the_batch(tiny_mapping):
    """The estimate lowers one query and scales: memory is (batch + 1) x tasks x BYTES_PER_TASK (+ the traced
    queries); the event-time bound is batch x (sum of durations and lags), checked against the engine's key bits."""
    from pimsim.api import BYTES_PER_TASK, TRACE_BYTES_PER_TASK, estimate_simulation
    from pimsim.spec.errors import SpecError
    from pimsim.spec.mapping import load_mapping

    mapping = load_mapping(tiny_mapping)
    one, many = estimate_simulation(mapping, 1), estimate_simulation(mapping, 1000)
    tasks = one.memory_bytes // (2 * BYTES_PER_TASK)
    assert one.memory_bytes == 2 * tasks * BYTES_PER_TASK and many.memory_bytes == 1001 * tasks * BYTES_PER_TASK
    assert estimate_simulation(mapping, 10, trace_queries=4).memory_bytes == (
        11 * tasks * BYTES_PER_TASK + 4 * tasks * TRACE_BYTES_PER_TASK)
    assert many.horizon_cycles == 1000 * one.horizon_cycles and many.key_time_bits < one.key_time_bits
    many.check_horizon(1000, "m.json")  # the tiny model is far inside the bound
    with pytest.raises(SpecError, match="more than the simulator's event times hold"):
        type(one)(one.memory_bytes, 1 << 40, 40).check_horizon(1, "m.json")


def test_recursion_and_memory_errors_of_the_compiler_name_the_model(tmp_path, capsys, tiny_onnx, monkeypatch):
    """Safety nets for inputs no bound catches yet: a RecursionError or MemoryError while compiling is one line
    naming the model, not an internal error."""
    import compiler.driver

    for exc, says in ((RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
                      (MemoryError("Unable to allocate 3.07 EiB"), "ran out of memory (Unable to allocate 3.07 EiB)")):
        def boom(args, exc=exc):
            raise exc

        monkeypatch.setattr(compiler.driver, "run_cli", boom)
        line = assert_clean_error(call(capsys, "pimcompile", tiny_onnx, "-o", tmp_path / "m.json"), str(tiny_onnx))
        assert says in line, line
