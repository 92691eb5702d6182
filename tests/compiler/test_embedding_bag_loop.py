"""torch.nn.EmbeddingBag exports as a Loop (onnx_and_ecosystem.md 1.5.4); the TorchScript form is recognised.

Reference: onnxruntime on the same file (it runs the Loop), at batch 3, to 1e-5.
"""

from __future__ import annotations

import pytest

from compiler.api import compile_graph
from compiler.check import compare_with_onnxruntime
from compiler.passes.emit import to_mapping


@pytest.fixture(scope="module")
def bag_models(tmp_path_factory):
    import warnings

    import torch

    out = tmp_path_factory.mktemp("bags")
    paths = {}
    for mode in ("sum", "mean", "max"):
        class Bag(torch.nn.Module):
            def __init__(self):
                super().__init__()
                torch.manual_seed(0)
                self.bag = torch.nn.EmbeddingBag(50, 8, mode=mode)

            def forward(self, ids):
                return torch.sigmoid(self.bag(ids))

        path = out / f"bag_{mode}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Bag().eval(), (torch.randint(0, 50, (2, 5)),), str(path), dynamo=False,
                              input_names=["ids"], output_names=["y"], dynamic_axes={"ids": {0: "B"}, "y": {0: "B"}},
                              opset_version=20)
        paths[mode] = path
    return paths


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_torchscript_embedding_bag_loop(bag_models, arch, mode):
    graph, opts = compile_graph(str(bag_models[mode]), arch, batch=3, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    err, _ = compare_with_onnxruntime(str(bag_models[mode]), graph, mapping, weights, seed=2)
    assert err <= 1e-5
    (bag,) = [op for op in mapping.operators if op.kind == "embedding"]
    # 3 queries x 5 ids each: 5 lookups per query in a 50 x 8 table
    assert (bag.op_type, bag.attrs["mode"], bag.rows, bag.dim, bag.lookups) == ("pim.EmbeddingBag", mode, 50, 8, 5)
