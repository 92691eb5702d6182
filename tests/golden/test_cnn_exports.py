"""The CNN benchmark exports (issue 18) compile as exported, pass ``--check`` and simulate, CI-sized.

``benchmarks/export_vgg8.py`` and ``benchmarks/export_resnet18.py`` (plain ``torch.onnx.export``) with every channel
count divided by 8 (ResNet-18 also on a 32 x 32 image): the same graphs (Conv, Relu, MaxPool, Add,
GlobalAveragePool, Flatten, Gemm/MatMul) at a size a CI run compiles in seconds.  The full-size figures are
benchmarks (``benchmarks/cnn_scale.py``, docs/performance.md).

Chip: the unmodified ``default`` preset.  Convolutions stream their input through a ``window`` view (no
materialised im2col value) and ``pimcompile`` and ``pimsim`` decide capacity with the one function
``pimsim.cost.buffers.mapping_fit_error``, so whatever the compiler writes the simulator runs (issue 18 item 4;
before, the compiler wrote a 147,456-byte im2col value for VGG-8/8's second convolution that the simulator
refused on the 64 KiB buffer).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from compiler.cli import main as pimcompile
from pimsim.cli import main as pimsim
from pimsim.program.build import copy_groups
from pimsim.program.stream import replica_period
from pimsim.spec.mapping import load_mapping

REPO = Path(__file__).resolve().parents[2]
BATCH = 4


def _export(script: str, path: Path, **kwargs) -> Path:
    spec = importlib.util.spec_from_file_location(script, REPO / "benchmarks" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.export(path, **kwargs)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnn")
    return {
        "vgg8": _export("export_vgg8", d / "vgg8.onnx", width_divisor=8),
        "resnet18": _export("export_resnet18", d / "resnet18.onnx", width_divisor=8, image_size=32, num_classes=10),
    }


@pytest.mark.parametrize("name", ["vgg8", "resnet18"])
def test_export_compiles_checks_and_simulates_on_the_default_preset(models, name, tmp_path, capsys):
    """``--check`` compares the mapping's interpreter with onnxruntime (pimcompile fails past its tolerance); the
    simulator accepts the mapping the compiler wrote; the batch-4 run then has a latency, a steady-state rate and
    per-inference energy; the stream's throughput cannot beat the steady state it converges to from a fill.

    Steady completions (pimsim.report.throughput): of the 3 completions after the first, the largest multiple of
    the stream's period P not above 3.  The compiler gives one convolution of each network 64 weight copies in
    2 groups of 32 (vector-parallel replication) and no operator more groups, so P = 2 and 2 are counted."""
    mapping = tmp_path / "mapping.json"
    assert pimcompile([str(models[name]), "-o", str(mapping), "--check"]) == 0
    assert "check: largest |mapping - onnxruntime|" in capsys.readouterr().out
    assert pimsim(["run", str(mapping), "--batch", str(BATCH), "--json"]) == 0, capsys.readouterr().err
    r = json.loads(capsys.readouterr().out)
    assert r["latency_cycles"] > 0 and r["energy_per_inference_pj"] > 0
    period = replica_period(copy_groups(load_mapping(mapping)), BATCH)
    assert period == 2 and r["stats"]["steady_completions"] == 2
    assert r["throughput_inferences_per_s"] <= r["throughput_steady_inferences_per_s"]
    kinds = {op["op_type"] for op in r["operators"]}
    assert "MaxPool" in kinds and any("Im2Col" in k for k in kinds), "pooling and the lowered convolutions ran"
