"""Session-wide test models: the project's own exports (once per run) and the DeepCTR-Torch fixtures."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT_MODELS = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm")
DEEPCTR_MODELS = ("deepctr_deepfm", "deepctr_dcn", "deepctr_xdeepfm", "deepctr_autoint", "deepctr_deepfm_dynamo")


def _export(name: str, path: Path, exporter: str) -> Path:
    from recsys_models.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["export", name, "-o", str(path), "--exporter", exporter])
    if code != 0 or not path.exists():
        pytest.fail(f"recsys export {name} --exporter {exporter} failed (exit {code})")
    return path


@pytest.fixture(scope="session")
def project_models(tmp_path_factory) -> dict[str, Path]:
    """``recsys export`` of each registered model (TorchScript: ~0.3 s each) plus DLRM with dynamo (~8 s)."""
    out = tmp_path_factory.mktemp("exports")
    models = {name: _export(name, out / f"{name}.onnx", "torchscript") for name in PROJECT_MODELS}
    models["dlrm_dynamo"] = _export("dlrm", out / "dlrm_dynamo.onnx", "dynamo")
    return models


@pytest.fixture(scope="session")
def arch():
    from pimsim.spec.arch import load_arch

    return load_arch("default")


@pytest.fixture(scope="session")
def batched_arch():
    from pimsim.spec.arch import arch_from_dict

    from tests.compiler.helpers import batched_arch_dict

    return arch_from_dict(batched_arch_dict(), "default with 256 KiB tile buffers")
