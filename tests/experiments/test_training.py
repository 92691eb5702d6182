"""The experiment's recipe: NASRec-Full designs are trained and priced with LayerNorm, NASRec-Small and hand-crafted
ones without (``experiments.codesign.training.standalone_layernorm``; why: its module docstring)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from experiments.codesign.designs import load_design
from experiments.codesign.training import ModelSpec, _build, export_onnx, standalone_layernorm

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "designs"


def _spec(directory: Path) -> ModelSpec:
    d = load_design(directory)
    return ModelSpec(d.dataset, d.name, d.arch, d.space, d.menus)


@pytest.mark.parametrize(("directory", "layernorm"), [
    (REPO / "results/designs/criteo-full-codesigned", True),
    (FIXTURE / "criteo-small-codesigned", False),
])
def test_layernorm_follows_the_space_in_training_and_export(directory, layernorm, tmp_path):
    spec = _spec(directory)
    assert standalone_layernorm(spec) is layernorm
    model, _ = _build(spec, seed=0)
    trained = any(type(m).__name__ == "LayerNorm" for m in model.modules())
    exported = {n.op_type for n in onnx.load(str(export_onnx(spec, tmp_path / "m.onnx"))).graph.node}
    assert trained is layernorm and ("LayerNormalization" in exported) is layernorm


def test_hand_crafted_models_have_no_layernorm_setting():
    assert standalone_layernorm(ModelSpec("criteo", "dlrm")) is False
