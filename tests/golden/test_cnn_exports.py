"""The CNN benchmark exports (issue 18) compile as exported on the cited chip's tiles, pass ``--check`` and simulate.

``benchmarks/export_vgg8.py`` and ``benchmarks/export_resnet18.py`` (plain ``torch.onnx.export``) with every channel
count divided by 4 (ResNet-18 on a 96 x 96 image, 10 classes): the same graphs (Conv, Relu, MaxPool, Add,
GlobalAveragePool, Flatten, Gemm/MatMul) at a size a CI run compiles in seconds.  The full-size figures are
benchmarks (``benchmarks/cnn_scale.py``, docs/performance.md).

Chip: ``configs/neurosim_vgg8_chip.yaml`` with 36 tiles (a 6 x 6 mesh) instead of 144 -- every per-tile parameter
as cited, the 16 KiB tile buffer included.  Held whole (``--pipeline layer``) the first feature maps do not fit
that buffer: VGG-8/4's first convolution writes 32 x 32 x 32 words of 8 bits = 32,768 B, ResNet-18/4's image is
3 x 96 x 96 x 8 bits = 27,648 B.  The default pipeline for models with convolutions is ``element``
(``compiler.api.default_pipeline``): those values stream and only line buffers / rows are resident
(``pimsim.cost.streams``), decided for ``pimcompile`` and ``pimsim`` by the one capacity function
(``pimsim.cost.buffers.mapping_fit_error``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from compiler.cli import main as pimcompile
from compiler.cost.estimate import estimate
from compiler.ir.from_mapping import graph_from_mapping
from pimsim.cli import main as pimsim
from pimsim.spec.mapping import load_mapping

REPO = Path(__file__).resolve().parents[2]
BATCH = 64
TILES = 36
LAYER_ERROR = {
    "vgg8": "needs 262144 bits (32768 B) of buffer",  # 32 x 32 x 32 x 8 bits, the first conv's output
    "resnet18": "value image (graph input, read by",  # 3 x 96 x 96 x 8 = 221184 bits (27648 B)
}


def _export(script: str, path: Path, **kwargs) -> Path:
    spec = importlib.util.spec_from_file_location(script, REPO / "benchmarks" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.export(path, **kwargs)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnn")
    return {
        "vgg8": _export("export_vgg8", d / "vgg8.onnx", width_divisor=4),
        "resnet18": _export("export_resnet18", d / "resnet18.onnx", width_divisor=4, image_size=96, num_classes=10),
    }


@pytest.fixture(scope="module")
def small_chip(tmp_path_factory) -> Path:
    doc = yaml.safe_load((REPO / "configs" / "neurosim_vgg8_chip.yaml").read_text())
    doc["name"] = "neurosim_vgg8_chip_36"
    doc["chip"]["tiles"], doc["chip"]["mesh_cols"] = TILES, 6
    path = tmp_path_factory.mktemp("arch") / "neurosim_vgg8_chip_36.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize("name", ["vgg8", "resnet18"])
def test_export_compiles_checks_and_simulates_on_the_cited_tiles(models, small_chip, name, tmp_path, capsys):
    """Held whole the first feature map / the image does not fit (one-line error with the bits); by default it
    streams: ``--check`` compares the mapping's interpreter with onnxruntime (pimcompile fails past its
    tolerance), and the simulator accepts the mapping the compiler wrote at batch 1 and 64.  The stream's
    whole throughput cannot beat the steady state it converges to; the mapper's estimate of one image's latency
    is within the 10 % the recommender models are held to (tests/compiler/optimize/test_against_simulator.py;
    measured 0.0 % on the full-size networks, docs/mapping.md)."""
    mapping = tmp_path / "mapping.json"
    assert pimcompile([str(models[name]), "--arch", str(small_chip), "--pipeline", "layer", "-o", str(mapping)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and LAYER_ERROR[name] in err and "16384 B, tile.buffer.capacity_bytes" in err, err
    assert pimcompile([str(models[name]), "--arch", str(small_chip), "-o", str(mapping), "--check"]) == 0
    assert "check: largest |mapping - onnxruntime|" in capsys.readouterr().out
    m = load_mapping(mapping)
    assert m.pipeline == "element"
    reports = {}
    for batch in (1, BATCH):
        assert pimsim(["run", str(mapping), "--batch", str(batch), "--json"]) == 0, capsys.readouterr().err
        reports[batch] = json.loads(capsys.readouterr().out)
    one, many = reports[1], reports[BATCH]
    assert one["latency_cycles"] > 0 and many["energy_per_inference_pj"] > 0
    assert many["throughput_inferences_per_s"] <= many["throughput_steady_inferences_per_s"]
    kinds = {op["op_type"] for op in many["operators"]}
    assert "MaxPool" in kinds and any("Im2Col" in k for k in kinds), "pooling and the lowered convolutions ran"
    est = estimate(graph_from_mapping(m), m.arch, m.pipeline)
    assert est.latency_cycles == pytest.approx(one["latency_cycles"], rel=0.10)
