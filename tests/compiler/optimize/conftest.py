"""Each test model compiled naive and optimized once per session, and simulated once (batch 16).

The project's baselines (``recsys export``) and the two published NASRec architectures
(``recsys supernet export --arch recsys_models/configs/nasrec/criteo_{small,full}.json``).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

MODELS = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "nasrec_criteo_small", "nasrec_criteo_full")
SIM_BATCH = 16
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def nasrec_models(tmp_path_factory) -> dict[str, Path]:
    from recsys_models.cli import main

    out = tmp_path_factory.mktemp("nasrec")
    models = {}
    for size in ("small", "full"):
        path = out / f"nasrec_criteo_{size}.onnx"
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["supernet", "export", "--arch", str(REPO / f"recsys_models/configs/nasrec/criteo_{size}.json"),
                         "-o", str(path)])
        if code != 0:
            pytest.fail(f"recsys supernet export --arch criteo_{size}.json failed (exit {code})")
        models[f"nasrec_criteo_{size}"] = path
    return models


@pytest.fixture(scope="session")
def compiled(project_models, nasrec_models, arch):
    """(model, strategy) -> (mapping, simulation report at SIM_BATCH)."""
    from compiler.api import compile_onnx
    from pimsim.api import simulate

    models = {**project_models, **nasrec_models}
    out = {}
    for name in MODELS:
        for strategy in ("naive", "optimized"):
            m = compile_onnx(models[name], arch, strategy=strategy)
            out[name, strategy] = (m, simulate(m, batch=SIM_BATCH))
    return out
