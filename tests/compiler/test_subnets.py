"""Supernet subnets exported with per-operator QDQ precision (recsys_models.supernet.export_subnet_onnx).

Brevitas-style QCDQ (QuantizeLinear -> Clip -> DequantizeLinear, onnx_qdq.py's docstring) must become
per-operator bit widths below 8, and the model must still match onnxruntime.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiler.api import compile_graph
from compiler.check import compare_with_onnxruntime
from compiler.passes.emit import to_mapping


@pytest.fixture(scope="module")
def subnets(tmp_path_factory):
    supernet = pytest.importorskip("recsys_models.supernet", reason="supernet package not available")
    from recsys_models.space import get_space, sample_arch

    out = tmp_path_factory.mktemp("subnets")
    paths = []
    for seed in (0,):
        arch = sample_arch(get_space("full"), np.random.default_rng(seed))
        path = supernet.export_subnet_onnx(arch, "criteo", out / f"subnet{seed}.onnx", hash_size=1000, verify=False)
        paths.append((path, supernet.count_qdq(path)))
    return paths


def test_subnets_compile_with_qdq_precision(subnets, arch):
    for path, counts in subnets:
        graph, opts = compile_graph(str(path), arch, batch=2, verify_each=True)
        mapping, weights = to_mapping(graph, arch, opts)
        err, scale = compare_with_onnxruntime(str(path), graph, mapping, weights, seed=0)
        assert err <= 1e-5 * max(1.0, scale), path
        mvm = [op for op in mapping.operators if op.kind == "mvm"]
        assert counts["DequantizeLinear"] > 0 and counts["Clip"] > 0
        # a Clip between Q and DQ means fewer than 8 bits somewhere (weights or inputs of a crossbar op)
        assert any(op.precision.weight_bits < 8 or op.precision.input_bits < 8 for op in mvm), path
