"""Fixtures: a small sweep file over the default preset, with a placeholder workload file.

The toy evaluators never read the workload, so any bytes do; its hash still
keys the points, as for a real ONNX file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

SMALL_SWEEP = {
    "schema_version": 1,
    "name": "small",
    "workloads": [{"onnx": "model.onnx", "name": "toy"}],
    "base_arch": "default",
    "fixed": {"technology.node_nm": 32},
    "vary": {"pe.crossbar.rows": [64, 128], "pe.adc.bits": [6, 8]},
    "zip": [{"pe.crossbar.cols": [64, 128], "pe.adc.per_crossbar": [1, 2]}],
}


def write_sweep(directory: Path, overrides: dict | None = None, workload_bytes: bytes = b"toy-model") -> Path:
    data = {**SMALL_SWEEP, **(overrides or {})}
    (directory / "model.onnx").write_bytes(workload_bytes)
    path = directory / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def small_sweep(tmp_path: Path) -> Path:
    return write_sweep(tmp_path)
