"""Each lowering against onnx.reference.ReferenceEvaluator on random inputs (as ONNX's own node tests do).

Every case is a one- or two-node ONNX model; the compiled mapping is executed
with ``pimsim.spec.semantics`` and must match the reference to 1e-5 (the
issue's bound).  The expected operator class is asserted too, so a lowering
that silently becomes something cheaper fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from compiler.api import compile_graph
from compiler.check import random_feeds
from compiler.ir.interpret import run_ops
from compiler.passes.emit import to_mapping
from tests.compiler.helpers import make_model

R = np.random.default_rng(7)
F = np.float32


def w(*shape):
    return R.standard_normal(shape).astype(F)


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=f"n_{op}", **attrs)


# (id, nodes, inputs, outputs, initializers, opset, expected kinds of the operators)
CASES = [
    ("gemm_transB_alpha_beta", [node("Gemm", ["x", "W", "b"], ["y"], transB=1, alpha=0.5, beta=2.0)],
     [("x", F, [3, 5])], [("y", F, [3, 4])], [("W", w(4, 5)), ("b", w(4))], 20, {"mvm"}),
    ("gemm_transA", [node("Gemm", ["x", "W"], ["y"], transA=1)],
     [("x", F, [5, 3])], [("y", F, [3, 4])], [("W", w(5, 4))], 20, {"view", "mvm"}),
    ("gemm_full_c_activation", [node("Gemm", ["x", "W", "c"], ["y"], beta=0.5)],
     [("x", F, [3, 5]), ("c", F, [3, 4])], [("y", F, [3, 4])], [("W", w(5, 4))], 20, {"mvm", "vector"}),
    ("gemm_dynamic", [node("Gemm", ["x", "z"], ["y"], transB=1)],
     [("x", F, [3, 5]), ("z", F, [4, 5])], [("y", F, [3, 4])], [], 20, {"dynamic_mvm"}),
    ("matmul_const", [node("MatMul", ["x", "W"], ["y"])],
     [("x", F, [2, 3, 6])], [("y", F, [2, 3, 4])], [("W", w(6, 4))], 20, {"mvm"}),
    ("matmul_const_left", [node("MatMul", ["W", "x"], ["y"])],
     [("x", F, [2, 6, 3])], [("y", F, [2, 4, 3])], [("W", w(4, 6))], 20, {"view", "mvm"}),
    ("matmul_batched_dynamic", [node("MatMul", ["a", "b"], ["y"])],
     [("a", F, [2, 3, 4]), ("b", F, [2, 4, 5])], [("y", F, [2, 3, 5])], [], 20, {"dynamic_mvm"}),
    ("einsum_linear", [node("Einsum", ["x", "W"], ["y"], equation="bij,jk->bik")],
     [("x", F, [2, 3, 6])], [("y", F, [2, 3, 4])], [("W", w(6, 4))], 20, {"mvm"}),
    ("einsum_linear_permuted", [node("Einsum", ["W", "x"], ["y"], equation="kj,bjn->bkn")],
     [("x", F, [2, 6, 3])], [("y", F, [2, 4, 3])], [("W", w(4, 6))], 20, {"view", "mvm"}),
    ("einsum_dynamic", [node("Einsum", ["a", "b"], ["y"], equation="bnd,bmd->bnm")],
     [("a", F, [2, 3, 4]), ("b", F, [2, 5, 4])], [("y", F, [2, 3, 5])], [], 20, {"dynamic_mvm"}),
    ("einsum_outer", [node("Einsum", ["a", "b"], ["y"], equation="bhd,bmd->bhmd")],
     [("a", F, [2, 3, 4]), ("b", F, [2, 5, 4])], [("y", F, [2, 3, 5, 4])], [], 20, {"vector"}),
    ("conv1d", [node("Conv", ["x", "W", "b"], ["y"], pads=[1, 1], strides=[2])],
     [("x", F, [2, 3, 9])], [("y", F, [2, 4, 5])], [("W", w(4, 3, 3)), ("b", w(4))], 20, {"mvm", "view"}),
    ("conv2d", [node("Conv", ["x", "W"], ["y"], dilations=[1, 2], pads=[0, 1, 0, 1])],
     [("x", F, [1, 2, 5, 6])], [("y", F, [1, 3, 4, 6])], [("W", w(3, 2, 2, 2))], 20, {"mvm", "view"}),
    ("gather_table", [node("Gather", ["T", "i"], ["y"])],
     [("i", np.int64, [2, 3])], [("y", F, [2, 3, 4])], [("T", w(10, 4))], 20, {"embedding"}),
    ("gather_activation", [node("Gather", ["x", "i"], ["y"], axis=1)],
     [("x", F, [2, 5])], [("y", F, [2, 2])], [("i", np.array([4, 0], np.int64))], 20, {"copy"}),
    ("gather_nd", [node("GatherND", ["x", "i"], ["y"], batch_dims=1)],
     [("x", F, [2, 4, 4])], [("y", F, [2, 3])], [("i", np.array([[[1, 0], [2, 0], [2, 1]]] * 2, np.int64))], 20,
     {"copy"}),
    ("gather_elements", [node("GatherElements", ["x", "i"], ["y"], axis=1)],
     [("x", F, [2, 4])], [("y", F, [2, 2])], [("i", np.array([[3, 1], [0, 0]], np.int64))], 20, {"copy"}),
    ("embedding_sum", [node("Gather", ["T", "i"], ["g"]), node("ReduceSum", ["g", "ax"], ["y"], keepdims=0)],
     [("i", np.int64, [2, 3])], [("y", F, [2, 4])], [("T", w(10, 4)), ("ax", np.array([1], np.int64))], 20,
     {"embedding"}),
    ("embedding_mean_keep", [node("Gather", ["T", "i"], ["g"]), node("ReduceMean", ["g"], ["y"], axes=[-2])],
     [("i", np.int64, [2, 3])], [("y", F, [2, 1, 4])], [("T", w(10, 4))], 17, {"embedding"}),
    ("reduce_sum", [node("ReduceSum", ["x", "ax"], ["y"])],
     [("x", F, [2, 3, 4])], [("y", F, [2, 1, 4])], [("ax", np.array([1], np.int64))], 20, {"vector"}),
    ("reduce_mean_attr", [node("ReduceMean", ["x"], ["y"], axes=[2], keepdims=0)],
     [("x", F, [2, 3, 4])], [("y", F, [2, 3])], [], 13, {"vector"}),
    ("reduce_max_18", [node("ReduceMax", ["x", "ax"], ["y"])],
     [("x", F, [2, 3, 4])], [("y", F, [2, 3, 1])], [("ax", np.array([-1], np.int64))], 18, {"vector"}),
    ("opset21_reduce_softmax", [node("ReduceSum", ["x", "ax"], ["s"]), node("Softmax", ["s"], ["y"], axis=-1)],
     [("x", F, [2, 3, 4])], [("y", F, [2, 1, 4])], [("ax", np.array([1], np.int64))], 21, {"vector"}),
    ("concat", [node("Concat", ["x", "c"], ["y"], axis=1)],
     [("x", F, [2, 3])], [("y", F, [2, 5])], [("c", w(2, 2))], 20, {"copy"}),
    ("split_13", [node("Split", ["x", "s"], ["y", "z"], axis=1)],
     [("x", F, [2, 5])], [("y", F, [2, 2]), ("z", F, [2, 3])], [("s", np.array([2, 3], np.int64))], 13, {"view"}),
    ("split_18_num_outputs", [node("Split", ["x"], ["y", "z"], axis=1, num_outputs=2)],
     [("x", F, [2, 5])], [("y", F, [2, 3]), ("z", F, [2, 2])], [], 18, {"view"}),
    ("slice_negative_step", [node("Slice", ["x", "s", "e", "a", "t"], ["y"])],
     [("x", F, [2, 6])], [("y", F, [2, 3])],
     [("s", np.array([-1], np.int64)), ("e", np.array([0], np.int64)), ("a", np.array([1], np.int64)),
      ("t", np.array([-2], np.int64))], 20, {"copy"}),
    ("reshape_zero_minus_one", [node("Reshape", ["x", "s"], ["y"])],
     [("x", F, [2, 3, 4])], [("y", F, [2, 12])], [("s", np.array([0, -1], np.int64))], 20, {"view"}),
    ("flatten", [node("Flatten", ["x"], ["y"], axis=1)], [("x", F, [2, 3, 4])], [("y", F, [2, 12])], [], 20,
     {"view"}),
    ("transpose", [node("Transpose", ["x"], ["y"], perm=[0, 2, 1])],
     [("x", F, [2, 3, 4])], [("y", F, [2, 4, 3])], [], 20, {"view"}),
    ("squeeze_unsqueeze", [node("Unsqueeze", ["x", "a"], ["u"]), node("Squeeze", ["u", "a"], ["y"])],
     [("x", F, [2, 3])], [("y", F, [2, 3])], [("a", np.array([1], np.int64))], 20, {"view"}),
    ("cast", [node("Cast", ["x"], ["y"], to=7)], [("x", F, [2, 3])], [("y", np.int64, [2, 3])], [], 20, {"vector"}),
    ("add_sub_mul_div_pow", [node("Add", ["x", "c"], ["a"]), node("Sub", ["a", "x"], ["s"]),
                             node("Mul", ["s", "x"], ["m"]), node("Div", ["m", "c"], ["d"]),
                             node("Pow", ["d", "p"], ["y"])],
     [("x", F, [2, 3])], [("y", F, [2, 3])], [("c", np.array([1.5, 2.0, 3.0], F)), ("p", np.array(2.0, F))], 20,
     {"vector"}),
    ("nonlinear", [node("Relu", ["x"], ["r"]), node("Sigmoid", ["r"], ["s"]), node("Tanh", ["s"], ["t"]),
                   node("Softmax", ["t"], ["y"], axis=-1)],
     [("x", F, [2, 5])], [("y", F, [2, 5])], [], 20, {"vector"}),
    ("layer_norm", [node("LayerNormalization", ["x", "g", "b"], ["y"], epsilon=1e-5)],
     [("x", F, [2, 3, 8])], [("y", F, [2, 3, 8])], [("g", w(8)), ("b", w(8))], 20, {"vector"}),
    ("identity_output", [node("Identity", ["x"], ["y"])], [("x", F, [2, 3])], [("y", F, [2, 3])], [], 20,
     {"view"}),
    ("where_expand_erf_sqrt", [node("Greater", ["x", "z"], ["c"]), node("Abs", ["x"], ["a"]),
                               node("Sqrt", ["a"], ["q"]), node("Erf", ["x"], ["e"]),
                               node("Where", ["c", "q", "e"], ["v"]), node("Expand", ["v", "s"], ["y"])],
     [("x", F, [2, 1, 3])], [("y", F, [2, 4, 3])], [("z", np.array(0.0, F)), ("s", np.array([2, 4, 3], np.int64))],
     20, {"vector", "copy"}),
    ("pad_clip_omitted_inputs", [node("Pad", ["x", "p", "", "ax"], ["q"], mode="constant"),
                                 node("Clip", ["q", "", "hi"], ["y"])],
     [("x", F, [2, 3])], [("y", F, [2, 6])],
     [("p", np.array([1, 2], np.int64)), ("ax", np.array([1], np.int64)), ("hi", np.array(0.5, F))], 20,
     {"copy", "vector"}),
    ("pad_edge", [node("Pad", ["x", "p"], ["y"], mode="edge")],
     [("x", F, [2, 3])], [("y", F, [2, 5])], [("p", np.array([0, 1, 0, 1], np.int64))], 20, {"copy"}),
    # NASRec Gating/Sum zero-pad the narrower input (recsys_search_space.md A.4); pads of zero are a free view
    ("pad_zero_width_view", [node("Pad", ["x", "p"], ["y"], mode="constant")],
     [("x", F, [2, 3])], [("y", F, [2, 3])], [("p", np.array([0, 0, 0, 0], np.int64))], 18, {"view"}),
    ("pad13_constant_value", [node("Pad", ["x", "p", "v"], ["y"], mode="constant")],
     [("x", F, [2, 3, 4])], [("y", F, [2, 6, 5])],
     [("p", np.array([0, 1, 0, 0, 2, 1], np.int64)), ("v", np.array(1.5, F))], 13, {"copy"}),
    ("pad_reflect_negative_axis", [node("Pad", ["x", "p", "", "ax"], ["y"], mode="reflect")],
     [("x", F, [2, 5])], [("y", F, [2, 8])], [("p", np.array([2, 1], np.int64)), ("ax", np.array([-1], np.int64))],
     18, {"copy"}),
    ("pad19_wrap", [node("Pad", ["x", "p"], ["y"], mode="wrap")],
     [("x", F, [2, 4])], [("y", F, [2, 7])], [("p", np.array([0, 2, 0, 1], np.int64))], 19, {"copy"}),
    ("pad21_int64_data", [node("Pad", ["x", "p", "v"], ["y"], mode="constant")],
     [("x", np.int64, [2, 3])], [("y", np.int64, [2, 4])],
     [("p", np.array([0, 0, 0, 1], np.int64)), ("v", np.array(-1, np.int64))], 21, {"copy"}),
    # opset 11 (the reference DLRM's export): Squeeze/Unsqueeze-11 take axes as an attribute
    ("squeeze_unsqueeze11_attrs", [node("Unsqueeze", ["x"], ["u"], axes=[1, -1]), node("Squeeze", ["u"], ["y"], axes=[1])],
     [("x", F, [2, 3])], [("y", F, [2, 3, 1])], [], 11, {"view"}),
    ("shape_constantofshape_folded",
     [node("Shape", ["x"], ["sh"]), node("ConstantOfShape", ["sh"], ["o"],
                                         value=helper.make_tensor("v", 1, [1], [2.0])),
      node("Mul", ["x", "o"], ["y"])],
     [("x", F, [2, 3])], [("y", F, [2, 3])], [], 20, {"vector"}),
]


def _run_case(tmp_path, nodes, inputs, outputs, inits, opset, batch=None):
    from onnx.reference import ReferenceEvaluator
    from pimsim.spec.arch import load_arch

    path = make_model(tmp_path / "m.onnx", nodes, inputs, outputs, inits, opset)
    arch = load_arch("default")
    graph, opts = compile_graph(str(path), arch, batch=batch, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    feeds = random_feeds(graph, seed=3)
    ours = run_ops(mapping.operators, {**weights, **feeds}, mapping.outputs)
    ref = ReferenceEvaluator(str(path)).run(None, feeds)
    return mapping, ours, dict(zip([o[0] for o in outputs], ref))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_lowering_matches_reference(tmp_path, case):
    _, nodes, inputs, outputs, inits, opset, kinds = case
    mapping, ours, ref = _run_case(tmp_path, nodes, inputs, outputs, inits, opset)
    for name in ref:
        assert ours[name].shape == ref[name].shape
        assert np.max(np.abs(ours[name].astype(np.float64) - ref[name]), initial=0.0) <= 1e-5
    assert {op.kind for op in mapping.operators} == kinds


def test_if_with_constant_condition_is_inlined(tmp_path):
    """Legacy DCN's If: the condition folds once shapes are fixed; only the taken branch remains."""
    then_g = helper.make_graph([node("Relu", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", 1, [2, 3])])
    else_g = helper.make_graph([node("Neg", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", 1, [2, 3])])
    nodes = [node("Shape", ["x"], ["s"]), node("ReduceSum", ["s"], ["n"], keepdims=0),
             node("Greater", ["n", "k"], ["c"]), node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)]
    mapping, ours, ref = _run_case(tmp_path, nodes, [("x", F, [2, 3])], [("y", F, [2, 3])],
                                   [("k", np.array(4, np.int64))], 20)
    assert np.array_equal(ours["y"], ref["y"])
    assert [op.op_type for op in mapping.operators] == ["Relu", "Identity"]  # 2+3 > 4: then-branch


def test_qdq_weight_folds_and_sets_precision(tmp_path):
    """A DequantizeLinear'd int8 weight folds into a float constant and gives the MatMul 8-bit weights,
    overriding a 4-bit architecture default (precision from QDQ > arch default)."""
    from onnx.reference import ReferenceEvaluator
    from pimsim.spec.arch import load_arch

    wq = R.integers(-127, 128, (6, 4)).astype(np.int8)
    nodes = [node("DequantizeLinear", ["Wq", "sc"], ["W"]), node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]), node("MatMul", ["xd", "W"], ["y"])]
    inits = [("Wq", wq), ("sc", np.array(0.02, F)), ("xs", np.array(0.05, F)), ("xz", np.array(0, np.uint8))]
    path = make_model(tmp_path / "q.onnx", nodes, [("x", F, [2, 6])], [("y", F, [2, 4])], inits, 20)
    arch = load_arch("default")
    arch = arch.model_copy(update={"precision": arch.precision.model_copy(update={"weight_bits": 4})})
    graph, opts = compile_graph(str(path), arch, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    mvm = [op for op in mapping.operators if op.kind == "mvm"]
    assert len(mvm) == 1 and mvm[0].precision.weight_bits == 8 and mvm[0].precision.input_bits == 8
    feeds = {"x": np.abs(R.standard_normal((2, 6))).astype(F)}
    ours = run_ops(mapping.operators, {**weights, **feeds}, ["y"])
    assert np.max(np.abs(ours["y"] - ReferenceEvaluator(str(path)).run(None, feeds)[0])) <= 1e-5


def test_custom_embedding_bag(tmp_path):
    """pim::EmbeddingBag (recsys export's custom op), checked against a hand computation of
    torch.nn.EmbeddingBag(mode='sum') semantics: row sums of the selected table rows."""
    from pimsim.spec.arch import load_arch

    table = w(6, 3)
    n = helper.make_node("EmbeddingBag", ["T", "i"], ["y"], domain="pim", name="bag", mode="sum")
    path = make_model(tmp_path / "e.onnx", [n], [("i", np.int64, [2, 2])], [("y", F, [2, 3])], [("T", table)],
                      20, domains=("pim",))
    arch = load_arch("default")
    graph, opts = compile_graph(str(path), arch, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    idx = np.array([[0, 5], [2, 2]], np.int64)
    ours = run_ops(mapping.operators, {**weights, "i": idx}, ["y"])["y"]
    expected = np.stack([table[0] + table[5], table[2] + table[2]])
    assert np.allclose(ours, expected, atol=1e-6)
    (op,) = mapping.operators
    assert (op.kind, op.rows, op.dim, op.lookups) == ("embedding", 6, 3, 2)


def test_pad_negative_pads_crop(tmp_path):
    """Negative pads remove elements (ONNX Pad-18); onnx.reference's np.pad rejects them, so onnxruntime is
    the reference here."""
    from compiler.check import onnxruntime_outputs

    nodes = [node("Pad", ["x", "p"], ["y"], mode="constant")]
    pads = [("p", np.array([0, -1, 0, 2], np.int64))]
    path = make_model(tmp_path / "m.onnx", nodes, [("x", F, [2, 4])], [("y", F, [2, 5])], pads, 18)
    from pimsim.spec.arch import load_arch

    arch = load_arch("default")
    graph, opts = compile_graph(str(path), arch, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    feeds = random_feeds(graph, seed=3)
    ours = run_ops(mapping.operators, {**weights, **feeds}, ["y"])["y"]
    ref = onnxruntime_outputs(str(path), feeds, ["y"])["y"]
    assert ours.shape == ref.shape == (2, 5) and np.max(np.abs(ours - ref)) <= 1e-5
    assert [op.kind for op in mapping.operators] == ["copy"]

@pytest.mark.parametrize("mode, pads_input, message", [
    ("mirror", False, "node n_Pad: Pad mode 'mirror' is not supported (supported: constant, reflect, edge, wrap)"),
    ("constant", True, "node n_Pad (Pad): not supported: run-time pads (pads (p) are computed at run time"),
])
def test_pad_rejections_name_node_and_reason(tmp_path, mode, pads_input, message):
    """An unknown mode, or pads computed at run time (the output shape would be a guess), is a one-line error."""
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError

    inputs = [("x", F, [2, 3])] + ([("p", np.int64, [4])] if pads_input else [])
    inits = [] if pads_input else [("p", np.array([0, 1, 0, 1], np.int64))]
    path = make_model(tmp_path / "m.onnx", [node("Pad", ["x", "p"], ["y"], mode=mode)], inputs,
                      [("y", F, [2, 5])], inits, 18)
    with pytest.raises(SpecError) as err:
        compile_graph(str(path), load_arch("default"))
    assert message in str(err.value) and "\n" not in str(err.value)

def _abs_then(op, **attrs):
    """Positive inputs for ops with a restricted domain (Log, Sqrt, Reciprocal, Pow's base)."""
    return [node("Abs", ["x"], ["a"]), node("Add", ["a", "eps"], ["p"]), node(op, ["p"], ["y"], **attrs)]


EPS = [("eps", np.array(0.1, F))]
UNARY = ["Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Abs", "Erf", "Floor", "Ceil", "Sign", "Softplus", "Identity",
         "Elu", "HardSigmoid", "Gelu", "Dropout"]
BINARY = ["Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean"]
COMPARE = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]
BREADTH = (
    [(f"unary_{op}", [node(op, ["x"], ["y"])], [("x", F, [2, 5])], [("y", F, [2, 5])], [], 20) for op in UNARY]
    + [(f"positive_{op}", _abs_then(op), [("x", F, [2, 5])], [("y", F, [2, 5])], EPS, 20)
       for op in ("Log", "Sqrt", "Reciprocal")]
    + [(f"binary_{op}", [node(op, ["x", "z"], ["y"])], [("x", F, [2, 5]), ("z", F, [1, 5])], [("y", F, [2, 5])],
        [], 20) for op in BINARY]
    + [(f"compare_{op}", [node(op, ["x", "z"], ["y"])], [("x", F, [2, 5]), ("z", F, [2, 5])],
        [("y", np.bool_, [2, 5])], [], 20) for op in COMPARE]
    + [
        ("logic", [node("Greater", ["x", "z"], ["g"]), node("Less", ["x", "z"], ["l"]), node("Not", ["g"], ["n"]),
                   node("And", ["n", "l"], ["a"]), node("Or", ["a", "g"], ["y"])],
         [("x", F, [2, 5]), ("z", F, [2, 5])], [("y", np.bool_, [2, 5])], [], 20),
        ("pow_mod", _abs_then("Pow")[:2] + [node("Pow", ["p", "x"], ["q"]), node("Mod", ["q", "m"], ["y"], fmod=1)],
         [("x", F, [2, 5])], [("y", F, [2, 5])], EPS + [("m", np.array(0.7, F))], 20),
        ("prelu_gelu_tanh", [node("PRelu", ["x", "s"], ["p"]), node("Gelu", ["p"], ["y"], approximate="tanh")],
         [("x", F, [2, 5])], [("y", F, [2, 5])], [("s", w(5))], 20),
        ("leaky_logsoftmax", [node("LeakyRelu", ["x"], ["r"], alpha=0.2), node("LogSoftmax", ["r"], ["y"], axis=1)],
         [("x", F, [2, 5])], [("y", F, [2, 5])], [], 20),
        ("batchnorm", [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
         [("x", F, [2, 3, 4])], [("y", F, [2, 3, 4])],
         [("s", w(3)), ("b", w(3)), ("m", w(3)), ("v", np.abs(w(3)) + 0.5)], 20),
        ("reduce_min_prod_l2_argmax",
         [node("ReduceMin", ["x", "ax"], ["a"]), node("ReduceProd", ["x", "ax"], ["b"]),
          node("ReduceL2", ["x", "ax"], ["c"]), node("ArgMax", ["x"], ["i"], axis=1), node("Cast", ["i"], ["d"], to=1),
          node("Concat", ["a", "b", "c", "d"], ["y"], axis=1)],
         [("x", F, [2, 5])], [("y", F, [2, 4])], [("ax", np.array([1], np.int64))], 20),
        ("tile_cumsum_castlike", [node("Tile", ["x", "r"], ["t"]), node("CumSum", ["t", "ax"], ["c"], reverse=1),
                                  node("CastLike", ["c", "x"], ["y"])],
         [("x", F, [2, 3])], [("y", F, [2, 6])], [("r", np.array([1, 2], np.int64)), ("ax", np.array(1, np.int64))],
         20),
    ]
)


@pytest.mark.parametrize("case", BREADTH, ids=[c[0] for c in BREADTH])
def test_breadth_matches_reference(tmp_path, case):
    _, nodes, inputs, outputs, inits, opset = case
    mapping, ours, ref = _run_case(tmp_path, nodes, inputs, outputs, inits, opset)
    for name in ref:
        assert ours[name].shape == ref[name].shape and ours[name].dtype == ref[name].dtype
        assert np.max(np.abs(ours[name].astype(np.float64) - ref[name]), initial=0.0) <= 1e-5
    assert all(op.kind in ("vector", "copy", "view") for op in mapping.operators)


@pytest.mark.parametrize("op, attrs, kinds", [("Softmax", {"axis": 1}, {"vector", "view"}),
                                              ("LogSoftmax", {}, {"vector", "view"}),
                                              ("Softmax", {"axis": 2}, {"vector"})])
def test_softmax11_coerces_to_2d(tmp_path, op, attrs, kinds):
    """Softmax-11/LogSoftmax-11 normalise over every axis from ``axis`` (default 1) on.  onnxruntime is the
    reference: onnx.reference 1.23 evaluates an opset-11 Softmax with the opset-13 definition (measured: 0.55 off
    onnxruntime on a [2, 3, 4] input with axis 1)."""
    from pimsim.spec.arch import load_arch

    from compiler.check import onnxruntime_outputs

    path = make_model(tmp_path / "s.onnx", [node(op, ["x"], ["y"], **attrs)], [("x", F, [2, 3, 4])],
                      [("y", F, [2, 3, 4])], [], 11)
    arch = load_arch("default")
    graph, opts = compile_graph(str(path), arch, verify_each=True)
    mapping, weights = to_mapping(graph, arch, opts)
    feeds = random_feeds(graph, seed=3)
    ours = run_ops(mapping.operators, {**weights, **feeds}, ["y"])["y"]
    ref = onnxruntime_outputs(str(path), feeds, ["y"])["y"]
    # float32 (eps 6e-8): a 12-term sum and one exp/log per element, outputs within 10 in magnitude for normal
    # inputs: |error| <= ~12 x 6e-8 x 10 < 1e-5 on any IEEE-754 machine; 1e-5 is --check's bound
    assert ours.shape == ref.shape and np.max(np.abs(ours - ref)) <= 1e-5
    assert {o.kind for o in mapping.operators} == kinds
