"""Bad input gives one line ``error: <file>: <problem>``, a non-zero exit and no output file."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from compiler.cli import main
from tests.compiler.helpers import make_model

F = np.float32


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err.strip()
    return code, err


def relu_model(path, opset=20, shape=("B", 3)):
    return make_model(path, [helper.make_node("Relu", ["x"], ["y"], name="r")], [("x", F, list(shape))],
                      [("y", F, list(shape))], opset=opset)


def test_unsupported_op_names_node_op_opset_and_lists_supported(tmp_path, capsys):
    n = helper.make_node("Frobnicate", ["x"], ["y"], name="weird_node", domain="acme")
    path = make_model(tmp_path / "m.onnx", [n], [("x", F, [2, 3])], [("y", F, [2, 3])], domains=("acme",))
    code, err = run(capsys, str(path), "-o", str(tmp_path / "out.json"))
    assert code == 2 and err.count("\n") == 0
    assert "node weird_node: op acme::Frobnicate (opset 20) is not supported" in err
    assert "supported ops:" in err and "Gemm" in err and "pim::EmbeddingBag" in err
    assert not (tmp_path / "out.json").exists()


def test_loop_is_unrolled_when_its_trip_count_folds(tmp_path, capsys):
    """A counting Loop (3 iterations of v += 1) unrolls: 3 Add operators, and y = x + 3 (hand calculation)."""
    i = helper.make_tensor_value_info
    body = helper.make_graph([helper.make_node("Identity", ["c_in"], ["c_out"]),
                              helper.make_node("Add", ["v_in", "one"], ["v_out"])], "body",
                             [i("it", 7, []), i("c_in", 9, []), i("v_in", 1, [1])],
                             [i("c_out", 9, []), i("v_out", 1, [1])],
                             [helper.make_tensor("one", 1, [1], [1.0])])
    n = helper.make_node("Loop", ["M", "", "x"], ["y"], name="bag_loop", body=body)
    path = make_model(tmp_path / "loop.onnx", [n], [("x", F, [1])], [("y", F, [1])],
                      [("M", np.array(3, np.int64))])
    out = tmp_path / "loop.json"
    code, err = run(capsys, str(path), "-o", str(out), "--check")
    assert code == 0, err
    from pimsim.spec.mapping import load_mapping

    assert [op.op_type for op in load_mapping(out).operators].count("Add") == 3


def test_not_onnx_and_truncated(tmp_path, capsys):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\xff\xfe this is not a protobuf \x00\x01" * 10)
    code, err = run(capsys, str(junk))
    assert code == 2 and err.startswith(f"error: {junk}: not an ONNX model")
    good = relu_model(tmp_path / "good.onnx")
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    code, err = run(capsys, str(cut))
    assert code == 2 and str(cut) in err and err.count("\n") == 0
    code, err = run(capsys, str(tmp_path / "missing.onnx"))
    assert code == 2 and "no such file" in err


def test_checker_failure(tmp_path, capsys):
    # Relu with two inputs violates the schema (onnx.checker)
    n = helper.make_node("Relu", ["x", "x"], ["y"], name="r")
    path = make_model(tmp_path / "bad.onnx", [n], [("x", F, [2])], [("y", F, [2])])
    code, err = run(capsys, str(path))
    assert code == 2 and "fails onnx.checker" in err


@pytest.mark.parametrize("opset", [10, 29])
def test_opset_outside_11_to_28(tmp_path, capsys, opset):
    path = relu_model(tmp_path / "old.onnx", opset=opset)
    code, err = run(capsys, str(path))
    assert code == 2 and "not supported: opset outside 11-28" in err and f"uses opset {opset};" in err


def test_unbound_symbolic_dimension_names_input_and_offers_dim(tmp_path, capsys):
    path = relu_model(tmp_path / "dyn.onnx", shape=("B", "L"))
    code, err = run(capsys, str(path))
    assert code == 2 and "input x dimension 1 (L) is symbolic: bind it with --dim L=N, --dim 'x[1]=N'" in err
    code, err = run(capsys, str(path), "--dim", "L=5", "--batch", "2")
    assert code == 0


def test_model_larger_than_chip_says_needed_and_available(tmp_path, capsys):
    """A 4096 x 4096 Gemm at 8 bits, 2-bit cells, differential: 4 slices x 2 = 8 columns per weight,
    so 16 weights per 128-column crossbar: 32 row blocks x 256 column blocks = 8192 crossbars
    (hand calculation) > the default chip's 64 x 8 x 8 = 4096."""
    n = helper.make_node("Gemm", ["x", "W"], ["y"], name="big")
    path = make_model(tmp_path / "big.onnx", [n], [("x", F, [1, 4096])], [("y", F, [1, 4096])],
                      [("W", np.zeros((4096, 4096), F))])
    for strategy in ("naive",):  # the optimized strategy's message is issue 6's (tests/compiler/optimize)
        code, err = run(capsys, str(path), "-o", str(tmp_path / "big.json"), "--strategy", strategy)
        assert code == 2 and "8192 crossbars" in err and "4096" in err and err.count("\n") == 0
        assert not (tmp_path / "big.json").exists()


def test_tables_over_onchip_capacity_without_dram(tmp_path, capsys):
    """ISAAC-like chip with tables on chip and no DRAM: a 100000 x 16 table at 8 bits is 1.6 MB."""
    import yaml
    from pimsim.spec.arch import load_arch

    data = load_arch("default").model_dump(mode="json")
    data["embedding"] = {"location": "onchip", "onchip_capacity_bytes": 1_000_000, "dram": None}
    arch_path = tmp_path / "arch.yaml"
    arch_path.write_text(yaml.safe_dump(data))
    n = helper.make_node("Gather", ["T", "i"], ["y"], name="lookup")
    path = make_model(tmp_path / "emb.onnx", [n], [("i", np.int64, ["B", 1])], [("y", F, ["B", 1, 16])],
                      [("T", np.zeros((100_000, 16), F))])
    code, err = run(capsys, str(path), "--arch", str(arch_path))
    assert code == 2 and "need 1600000 bytes" in err and "1000000" in err


@pytest.mark.parametrize("policy_text, message", [
    ("default: {weight_bits: 40}", "default.weight_bits=40: must be an integer from 1 to 16"),
    ("operators: {'*': {wbits: 4}}", "operators.*.wbits: unknown key"),
])
def test_bad_precision_policy(tmp_path, capsys, policy_text, message):
    policy = tmp_path / "p.yaml"
    policy.write_text(policy_text)
    code, err = run(capsys, str(relu_model(tmp_path / "m.onnx")), "--precision", str(policy))
    assert code == 2 and message in err


def test_float_gather_indices_are_a_type_error(tmp_path, capsys):
    """ONNX Gather takes int32/int64 indices (Tind); float indices would be truncated silently, so they are bad input.
    The same table with int64 indices compiles.  The expected line is strict shape inference's type check
    (``onnx.defs.get_schema("Gather", 20).type_constraints``: Tind in tensor(int32), tensor(int64)), restated by
    ``compiler.frontend.validate`` with the value's name."""
    table = np.arange(12, dtype=F).reshape(4, 3)
    n = helper.make_node("Gather", ["table", "idx"], ["y"], name="lookup")
    for dtype, ok in ((F, False), (np.int64, True)):
        path = make_model(tmp_path / f"g_{np.dtype(dtype).name}.onnx", [n], [("idx", dtype, [1, 2])],
                          [("y", F, [1, 2, 3])], [("table", table)])
        out = tmp_path / f"g_{np.dtype(dtype).name}.json"
        code, err = run(capsys, str(path), "-o", str(out))
        if ok:
            assert code == 0, err
        else:
            assert code == 2 and err == (f"error: {path}: node lookup (Gather): fails the ONNX type check: input "
                                         "'idx' (indices) is tensor(float); Gather-13 allows Tind in tensor(int32), "
                                         "tensor(int64)")
            assert not out.exists()
