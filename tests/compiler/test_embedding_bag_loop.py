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


def test_dynamo_embedding_bag_is_unrolled(arch):
    """The dynamo form (Loop + sequence ops + If per bag, fixtures/make_embedding_bag.py) is unrolled
    per bag; at batch 3 that is 3 iterations.  One embedding lookup of 4 ids per query remains."""
    from tests.compiler.conftest import FIXTURES

    path = FIXTURES / "embedding_bag_dynamo.onnx"
    graph, opts = compile_graph(str(path), arch, batch=3, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    err, _ = compare_with_onnxruntime(str(path), graph, mapping, weights, seed=4)
    assert err <= 1e-5
    (lookup,) = [op for op in mapping.operators if op.kind == "embedding"]
    assert (lookup.rows, lookup.dim, lookup.lookups) == (50, 8, 4)
    assert sum(op.op_type == "ReduceSum" for op in mapping.operators) == 3  # one pooling per bag


def test_loop_with_data_dependent_condition_is_refused(tmp_path, capsys):
    import numpy as np
    from onnx import helper

    from compiler.cli import main
    from tests.compiler.helpers import make_model

    i = helper.make_tensor_value_info
    body = helper.make_graph([helper.make_node("Less", ["v_in", "x"], ["c_out"]),
                              helper.make_node("Add", ["v_in", "one"], ["v_out"])], "body",
                             [i("it", 7, []), i("c_in", 9, []), i("v_in", 1, [1])],
                             [i("c_out", 9, [1]), i("v_out", 1, [1])],
                             [helper.make_tensor("one", 1, [1], [1.0])])
    n = helper.make_node("Loop", ["", "", "z"], ["y"], name="while_loop", body=body)
    path = make_model(tmp_path / "loop.onnx", [n], [("x", np.float32, [1])], [("y", np.float32, [1])],
                      [("z", np.zeros(1, np.float32))])
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert ("node while_loop (Loop): not supported: data-dependent trip count (its continuation condition depends "
            "on data; for embedding bags write Embedding(...).sum(1)") in err
