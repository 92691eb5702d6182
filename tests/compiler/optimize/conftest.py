"""Each test model compiled naive and optimized once per session, and simulated once (batch 16)."""

from __future__ import annotations

import pytest

MODELS = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm")
SIM_BATCH = 16


@pytest.fixture(scope="session")
def compiled(project_models, arch):
    """(model, strategy) -> (mapping, simulation report at SIM_BATCH)."""
    from compiler.api import compile_onnx
    from pimsim.api import simulate

    out = {}
    for name in MODELS:
        for strategy in ("naive", "optimized"):
            m = compile_onnx(project_models[name], arch, strategy=strategy, weights=False)
            out[name, strategy] = (m, simulate(m, batch=SIM_BATCH))
    return out
