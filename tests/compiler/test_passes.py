"""Passes one by one: tiling arithmetic, placement strategies, precision sources, the verifier, external data."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from compiler.api import compile_graph, compile_onnx
from compiler.ir.verify import IRError, verify
from compiler.passes.emit import to_mapping
from compiler.passes.tile import tile_matrix
from pimsim.spec.errors import SpecError
from tests.compiler.helpers import make_model

F = np.float32


def test_tiling_hand_calculation(arch):
    """300 x 20 weights, 8 bits, 2-bit cells, differential, 128 x 128 crossbars (default arch):
    4 slices x 2 sign columns = 8 columns per weight -> 16 weights per crossbar;
    rows 128 + 128 + 44, columns 16 + 4 -> 6 blocks."""
    blocks = tile_matrix(arch, 300, 20, 8)
    assert [(b.rows, b.cols, b.slice_count) for b in blocks] == [
        (128, 16, 4), (128, 4, 4), (128, 16, 4), (128, 4, 4), (44, 16, 4), (44, 4, 4)]
    assert sum(b.rows * b.cols * b.slice_count for b in blocks) == 300 * 20 * 4


def test_tiling_splits_slices_when_a_weight_is_wider_than_a_crossbar(arch):
    """16-bit weights on 1-bit cells of a 16-column crossbar, differential: 32 columns per weight do
    not fit, so each block holds 8 slices (16 columns) of one weight: 2 blocks per weight."""
    xbar = arch.pe.crossbar.model_copy(update={"cols": 16, "cell_bits": 1})
    small = arch.model_copy(update={"pe": arch.pe.model_copy(update={"crossbar": xbar, "adc": arch.pe.adc.model_copy(
        update={"per_crossbar": 1})})})
    blocks = tile_matrix(small, 4, 3, 16)
    assert len(blocks) == 3 * 2 and all(b.slice_count == 8 and b.cols == 1 for b in blocks)


def test_naive_puts_each_crossbar_operator_on_fresh_tiles(project_models, arch):
    """DLRM mvm blocks (hand count, see test_models): 32, 64, 8, 1, 96, 64, 2 = 267 crossbars.
    64 crossbars per tile (8 PEs x 8); naive starts every operator on a new tile at PE 0, crossbar 0:
    1+1+1+1+2+1+1 = 8 tiles, no replication.  (``optimized`` belongs to issue 6's optimizer.)"""
    graph, opts = compile_graph(str(project_models["dlrm"]), arch, strategy="naive", verify_each=True)
    mapping, _ = to_mapping(graph, arch, opts)
    mvm = [op for op in mapping.operators if op.kind == "mvm"]
    assert sum(len(op.blocks) for op in mvm) == 267 and all(op.replicas == 1 for op in mvm)
    assert [(op.blocks[0].pe, op.blocks[0].crossbar) for op in mvm] == [(0, 0)] * len(mvm)
    assert len({b.tile for op in mvm for b in op.blocks}) == 8


def test_precision_policy_and_naive_ignores_it(project_models, arch, tmp_path):
    """4-bit weights on the top MLP: 4 / 2-bit cells = 2 slices, so the 367 x 512 layer stores
    367 * 512 * 2 weight cell-slices per copy (8-bit: 4 slices); naive keeps the arch's 8 bits:
    2 sign x 4 slices = 8 columns per weight, 16 weights per crossbar -> 3 x 32 = 96 crossbars."""
    policy = tmp_path / "p.yaml"
    policy.write_text("operators:\n  '/inner/top/*': {weight_bits: 4}\n")
    for strategy, bits in (("optimized", 4), ("naive", 8)):
        mapping = compile_onnx(project_models["dlrm"], arch, strategy=strategy, precision_policy=str(policy))
        top0 = next(op for op in mapping.operators if op.name == "/inner/top/top.0/Gemm")
        assert top0.precision.weight_bits == bits
        first = [b for b in top0.blocks if b.replica == 0]
        assert sum(b.rows * b.cols * b.slice_count for b in first) == 367 * 512 * (bits // 2)
        if strategy == "naive":
            assert len(first) == 96


def test_values_carry_bits(project_models, arch):
    mapping = compile_onnx(project_models["dlrm"], arch)
    bits = {v.name: v.bits for v in mapping.values}
    assert bits["dense"] == 8 and bits["sparse"] == 32  # 8-bit activations; int64 ids moved as 32-bit
    assert mapping.value("dense").shape == [13] and mapping.value("dense").batch_axis == 0  # per query


def test_verifier_catches_broken_graphs(project_models, arch):
    graph, _ = compile_graph(str(project_models["deepfm"]), arch)
    verify(graph, "schedule")
    graph.nodes[3].precision = None
    with pytest.raises(IRError, match="no precision"):
        verify(graph, "schedule")
    graph, _ = compile_graph(str(project_models["deepfm"]), arch)
    graph.nodes[1], graph.nodes[5] = graph.nodes[5], graph.nodes[1]
    with pytest.raises(IRError, match="before it is produced"):
        verify(graph, "schedule")
    graph, _ = compile_graph(str(project_models["deepfm"]), arch)
    graph.nodes.append(graph.nodes[-1])
    with pytest.raises(IRError, match="produced twice"):
        verify(graph, "schedule")


def test_external_data_tables_are_not_loaded(tmp_path, arch):
    """A table in an external data file that is then deleted: an error by default; with shapes_only
    (``pimcompile --shapes-only``) the shapes still compile (the data is never read)."""
    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    n = helper.make_node("Gather", ["T", "i"], ["e"], name="lookup")
    r = helper.make_node("ReduceSum", ["e", "ax"], ["y"], name="pool", keepdims=0)
    path = make_model(tmp_path / "m.onnx", [n, r], [("i", np.int64, ["B", 3])], [("y", F, ["B", 16])],
                      [("T", np.ones((5000, 16), F)), ("ax", np.array([1], np.int64))])
    model = onnx.load(str(path))
    convert_model_to_external_data(model, location="m.onnx.data", size_threshold=1024)
    onnx.save(model, str(path))
    (tmp_path / "m.onnx.data").unlink()
    with pytest.raises(SpecError, match="external data file m.onnx.data is missing"):
        compile_onnx(path, arch)
    mapping = compile_onnx(path, arch, shapes_only=True)
    (op,) = mapping.operators
    assert (op.op_type, op.kind, op.rows, op.dim, op.lookups) == ("pim.EmbeddingBag", "embedding", 5000, 16, 3)


def test_table_over_2gib_in_absent_external_file(tmp_path, arch):
    """A 40M x 16 float32 table (2.56 GB, over protobuf's 2 GiB limit) referenced from an external file that
    does not exist: compiled from shapes alone (shapes_only).  At 8 bits it is 40e6 * 16 = 640 MB of embedding storage,
    placed in DRAM on the default architecture."""
    import onnx
    from onnx import TensorProto

    n = helper.make_node("Gather", ["T", "i"], ["y"], name="lookup")
    path = make_model(tmp_path / "big.onnx", [n], [("i", np.int64, ["B", 2])], [("y", F, ["B", 2, 16])])
    model = onnx.load(str(path))
    table = TensorProto(name="T", data_type=TensorProto.FLOAT, dims=[40_000_000, 16],
                        data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "big.onnx.data"), ("offset", "0"), ("length", str(40_000_000 * 16 * 4))):
        table.external_data.add(key=key, value=value)
    model.graph.initializer.append(table)
    onnx.save(model, str(path))
    graph, opts = compile_graph(str(path), arch, strategy="naive", verify_each=True, shapes_only=True)
    mapping, weights = to_mapping(graph, arch, opts)
    (op,) = mapping.operators
    assert (op.kind, op.rows, op.dim, op.lookups, op.storage) == ("embedding", 40_000_000, 16, 2, "dram")
    assert "T" not in weights and opts.notes.embedding_bytes == 640_000_000


def test_ir_interpreter_equals_mapping_execution(project_models, arch):
    """run_graph on the placed IR and run_ops on the emitted mapping compute the same outputs, bit for bit."""
    from compiler.check import random_feeds
    from compiler.ir.interpret import run_graph, run_ops

    graph, opts = compile_graph(str(project_models["xdeepfm"]), arch, batch=2, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    feeds = random_feeds(graph, seed=5)
    ir_out = run_graph(graph, feeds)
    map_out = run_ops(mapping.operators, {**weights, **feeds}, mapping.outputs)
    assert all(np.array_equal(ir_out[k], map_out[k]) for k in mapping.outputs)


def _qdq(name: str, x: str, lo: int, hi: int) -> list:
    """Brevitas' QCDQ form: int8 QuantizeLinear, Clip to [lo, hi] (its bit width), DequantizeLinear."""
    return [helper.make_node("QuantizeLinear", [x, "s", "zp"], [f"{name}.q"], name=f"{name}.Q"),
            helper.make_node("Clip", [f"{name}.q", f"{name}.lo", f"{name}.hi"], [f"{name}.c"], name=f"{name}.Clip"),
            helper.make_node("DequantizeLinear", [f"{name}.c", "s", "zp"], [name], name=f"{name}.DQ")]


def test_activation_qdq_is_seen_through_transpose_reshape_and_concat(tmp_path, arch):
    """An EFC-like token MatMul whose input was quantised (4 bits: Clip to [-8, 7], 16 levels) before a Transpose
    is mapped at 4 input bits; a Concat of a 4-bit and a 6-bit ([-32, 31]) tensor, each through a Reshape, at the
    wider 6; a Concat with a float part at the architecture's default (8 bits, test_values_carry_bits), as is every
    crossbar input under ``--strategy naive``. Before the QDQ view walk, the first two were mapped at 8 bits."""
    rng = np.random.default_rng(0)
    nodes = [*_qdq("xd", "x", -8, 7), *_qdq("zd", "z", -32, 31),
             helper.make_node("Transpose", ["xd"], ["xt"], perm=[0, 2, 1], name="efc.T"),
             helper.make_node("MatMul", ["xt", "w_tok"], ["y_tok"], name="efc.MatMul"),
             helper.make_node("Reshape", ["xd", "flat"], ["xf"], name="flat.Reshape"),
             helper.make_node("Flatten", ["zd"], ["zf"], name="z.Flatten"),
             helper.make_node("Concat", ["xf", "zf"], ["xz"], axis=1, name="cat.Concat"),
             helper.make_node("Gemm", ["xz", "w_cat"], ["y_cat"], name="cat.Gemm"),
             helper.make_node("Concat", ["xf", "z"], ["xzf"], axis=1, name="mixed.Concat"),
             helper.make_node("Gemm", ["xzf", "w_cat"], ["y_mixed"], name="mixed.Gemm")]
    inits = [("s", np.float32(0.1)), ("zp", np.int8(0)), ("flat", np.array([0, -1], np.int64)),
             ("w_tok", rng.standard_normal((3, 4)).astype(F)), ("w_cat", rng.standard_normal((21, 2)).astype(F)),
             *((f"{t}.{e}", np.int8(v)) for t, lo, hi in (("xd", -8, 7), ("zd", -32, 31))
               for e, v in (("lo", lo), ("hi", hi)))]
    path = make_model(tmp_path / "views.onnx", nodes, [("x", F, ["B", 3, 5]), ("z", F, ["B", 6])],
                      [("y_tok", F, ["B", 5, 4]), ("y_cat", F, ["B", 2]), ("y_mixed", F, ["B", 2])], inits)
    for strategy, expected in (("optimized", {"efc": 4, "cat": 6, "mixed": 8}),
                               ("naive", {"efc": 8, "cat": 8, "mixed": 8})):
        mapping = compile_onnx(path, arch, strategy=strategy)
        got = {src: next(op.precision.input_bits for op in mapping.operators
                         if op.kind == "mvm" and op.source_nodes[0].startswith(f"{src}.")) for src in expected}
        assert got == expected, strategy
