"""The IR verifier on the typed operator records (``compiler.ir.verify``, ``compiler.ir.records``).

Each test compiles a fixture model (``tests/compiler/fixtures/deepctr_autoint.onnx``: embeddings, Gemm
layers, attention products, views) with the verifier after every pass, then breaks one field of one
record and expects a one-line ``IRError`` naming the node and the field.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from compiler.api import compile_graph
from compiler.ir.records import CopyWork, MvmShape, ViewLayout
from compiler.ir.verify import IRError, verify

MODEL = Path(__file__).parent / "fixtures" / "deepctr_autoint.onnx"


@pytest.fixture
def graph(arch):
    g, _ = compile_graph(str(MODEL), arch, verify_each=True)
    verify(g, "schedule")  # the compiled graph is sound: every failure below comes from the one broken field
    return g


def _first(graph, kind):
    return next(n for n in graph.nodes if n.kind == kind)


def _fails(graph, node, field: str) -> str:
    with pytest.raises(IRError) as err:
        verify(graph, "schedule")
    message = str(err.value)
    assert "\n" not in message and f"node {node.name} " in message and field in message, message
    return message


def test_a_record_of_another_kind_is_refused(graph):
    node = _first(graph, "mvm")
    node.params = ViewLayout("alias")
    assert _fails(graph, node, "params").endswith("params is ViewLayout, a mvm needs MvmShape")


def test_sizes_must_be_positive_integers(graph):
    node = _first(graph, "dynamic_mvm")
    node.params = replace(node.params, k=0)
    assert _fails(graph, node, "params.k").endswith("params.k=0 is not an integer >= 1")
    node.params = replace(node.params, k=2.5)
    _fails(graph, node, "params.k=2.5")


def test_an_mvm_record_must_match_its_weight_matrix(graph):
    node = _first(graph, "mvm")
    p = node.params
    assert isinstance(p, MvmShape)
    node.params = replace(p, n=p.n + 1)
    assert _fails(graph, node, "params k x n").endswith(
        f"params k x n = {p.k} x {p.n + 1} but its weights {node.inputs[1]} are {p.k} x {p.n}")


def test_view_layout_and_vector_counts_are_checked(graph):
    view = _first(graph, "view")
    view.params = ViewLayout("diagonal")
    _fails(graph, view, "params.layout='diagonal'")
    view.params = ViewLayout("alias")
    vec = _first(graph, "vector")
    vec.params = replace(vec.params, ops={**vec.params.ops, "add": -1})
    _fails(graph, vec, "params.ops['add']=-1")


def test_precision_ranges_and_weight_bits_only_on_mvm(graph):
    mvm, vec = _first(graph, "mvm"), _first(graph, "vector")
    mvm.precision = replace(mvm.precision, input_bits=33)
    assert _fails(graph, mvm, "precision.input_bits").endswith("precision.input_bits=33 is not an integer in 1..32")
    mvm.precision = replace(mvm.precision, input_bits=8, weight_bits=None)
    _fails(graph, mvm, "precision.weight_bits=None")
    mvm.precision = replace(mvm.precision, weight_bits=8)
    vec.precision = replace(vec.precision, weight_bits=8)
    assert _fails(graph, vec, "precision.weight_bits").endswith("(only mvm nodes have weight bits)")


def test_copies_must_be_consistent(graph):
    """replicas 3 with copies_per_query 2: 3 is not a multiple of 2; blocks of copy 0 only, with replicas 1
    but a block of replica 1; and a non-mvm copied."""
    mvm = _first(graph, "mvm")
    mvm.replicas, mvm.copies_per_query = 3, 2
    _fails(graph, mvm, "copies_per_query=2 does not divide replicas=3")
    mvm.replicas, mvm.copies_per_query = 1, 1
    mvm.blocks = [*mvm.blocks, replace(mvm.blocks[0], replica=1)]
    _fails(graph, mvm, "replica 1 but replicas=1")
    mvm.blocks = mvm.blocks[:-1]
    vec = _first(graph, "vector")
    vec.replicas = 2
    _fails(graph, vec, "replicas=2")


def test_blocks_must_lie_inside_the_weights(graph):
    mvm = _first(graph, "mvm")
    mvm.blocks[0] = replace(mvm.blocks[0], row_start=mvm.params.k)
    _fails(graph, mvm, "blocks[0]")


def test_blocks_must_be_block_records(graph):
    """A crossbar block written as the mapping's dict (the IR's old representation) is refused by name."""
    mvm = _first(graph, "mvm")
    mvm.blocks[1] = mvm.blocks[1].to_mapping()
    _fails(graph, mvm, "blocks[1] is a dict, not a Block record")


def test_product_implementation_blocks_and_vector_units(graph):
    prod = _first(graph, "dynamic_mvm")
    assert prod.implementation == "vector" and not prod.blocks  # docs/mapping.md: AutoInt's products stay there
    prod.implementation = "systolic"
    _fails(graph, prod, "implementation='systolic'")
    prod.implementation = "crossbar_write"
    _fails(graph, prod, "implementation=crossbar_write with 0 crossbar blocks")
    prod.implementation = "vector"
    prod.vector_tiles = [prod.tile]
    _fails(graph, prod, "vector_tiles")


def test_embedding_storage_is_checked(graph):
    emb = _first(graph, "embedding")
    emb.storage = "disk"
    _fails(graph, emb, "storage='disk'")


def test_copy_work_may_be_zero_but_not_negative(graph):
    node = _first(graph, "vector")
    node.kind, node.params = "copy", CopyWork(0)
    verify(graph, "schedule")
    node.params = CopyWork(-1)
    _fails(graph, node, "params.bits_elements=-1")
