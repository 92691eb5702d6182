"""compiler.frontend.validate: the line each kind of invalid ONNX gets (one case per check and per way of naming).

The six cases of issue 20's "invalid ONNX compiled" row run through ``pimcompile`` in
``tests/robustness/test_issue20_classes.py``; here the models are checked in-process, for what those do not
show: the node named when several share an op type and have no name, nodes inside subgraphs, the two
type-check messages of ONNX's shape inference, float-list attributes and the external-data declarations.
ONNX's wording (``Invalid value(5) ...``) is that of the pinned onnx 1.23.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from pimsim.spec.errors import SpecError

from compiler.frontend.validate import validate_model
from tests.robustness.models import F, build, tiny_proto


def refusal(model) -> str:
    with pytest.raises(SpecError) as err:
        validate_model(model, "m.onnx")
    return err.value.message


def test_valid_models_pass():
    validate_model(tiny_proto(), "m.onnx")  # Gather, Flatten, Gemm, Relu with a symbolic batch


def test_the_failing_one_of_several_unnamed_nodes_is_named_by_its_output():
    """Two unnamed Relu nodes; only the second takes a bool.  ONNX's message says "(op_type:Relu)" alone."""
    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Relu", ["flag"], ["b"])]
    model = build(nodes, [("x", F, [2]), ("flag", np.bool_, [2])], [("a", F, [2]), ("b", np.bool_, [2])])
    assert refusal(model).startswith("node b (Relu): fails the ONNX type check: input 'flag' (X) is tensor(bool); "
                                     "Relu-14 allows T in tensor(float),")


def test_a_node_inside_a_subgraph_names_its_parent():
    then = helper.make_graph([helper.make_node("Relu", ["x"], ["z"])], "then", [],
                             [helper.make_tensor_value_info("z", TensorProto.BOOL, [2])])
    other = helper.make_graph([helper.make_node("Identity", ["x"], ["w"])], "else", [],
                              [helper.make_tensor_value_info("w", TensorProto.BOOL, [2])])
    node = helper.make_node("If", ["c"], ["y"], name="branch", then_branch=then, else_branch=other)
    model = build([node], [("c", np.bool_, []), ("x", np.bool_, [2])], [("y", np.bool_, [2])])
    assert refusal(model).startswith("node z (Relu) inside node branch (If): fails the ONNX type check: input 'x' "
                                     "(X) is tensor(bool)")


def test_operands_of_one_type_variable_must_agree():
    """Gemm's A and B share T: a float activation against int32 weights."""
    model = build([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc")], [("x", F, [2, 3])], [("y", F, [2, 4])],
                  [("W", np.zeros((3, 4), np.int32))])
    assert refusal(model) == ("node fc (Gemm): fails the ONNX type check: input 'W' (B) is tensor(int32), unlike "
                              "the node's other T values (Gemm-13 gives them one type)")


def test_a_declared_shape_that_is_not_the_inferred_one():
    """Conv of a 5 x 6 image, 2 x 2 kernel, dilations [1, 2], pads [0, 1, 0, 1]: width 6 + 2 - (2 - 1) * 2 - 1 + 1
    = 6, not the 4 declared."""
    conv = helper.make_node("Conv", ["x", "W"], ["y"], name="conv", dilations=[1, 2], pads=[0, 1, 0, 1])
    model = build([conv], [("x", F, [1, 2, 5, 6])], [("y", F, [1, 3, 4, 4])], [("W", np.ones((3, 2, 2, 2), F))])
    assert refusal(model) == ("node conv (Conv): fails ONNX shape inference: Inferred shape and existing shape "
                              "differ in dimension 3: (6) vs (4)")


def test_the_checker_names_the_node_of_a_schema_violation():
    model = build([helper.make_node("Relu", ["x"], ["y"], name="act", slope=1.0)], [("x", F, [2])], [("y", F, [2])])
    assert refusal(model) == "node act (Relu): fails onnx.checker: Unrecognized attribute: slope for operator Relu"


@pytest.mark.parametrize("value, says", [
    (helper.make_attribute("value_floats", [1.0, float("inf"), float("-inf")]),
     "attribute value_floats holds 0 NaN and 2 Inf value(s)"),
    (helper.make_attribute("value", helper.make_tensor("v", TensorProto.DOUBLE, [3], [0.0, float("nan"), 1.0])),
     "attribute value holds 1 NaN and 0 Inf value(s)"),
])
def test_constants_must_be_finite(value, says):
    const = helper.make_node("Constant", [], ["c"], name="k")
    const.attribute.append(value)
    model = build([const], [], [("c", np.float32 if "floats" in says else np.float64, [3])])
    assert refusal(model) == f"node k (Constant): {says}; attribute values must be finite"


def test_a_float_attribute_inside_a_subgraph_must_be_finite():
    body = helper.make_graph([helper.make_node("LeakyRelu", ["x"], ["z"], alpha=float("inf"))], "then", [],
                             [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])])
    node = helper.make_node("If", ["c"], ["y"], name="branch", then_branch=body, else_branch=body)
    model = build([node], [("c", np.bool_, []), ("x", F, [2])], [("y", F, [2])])
    assert refusal(model) == "node z (LeakyRelu) inside node branch (If): attribute alpha is inf; attribute values " \
                             "must be finite"


def _external(**declared):
    """A model whose 8 x 8 float32 weight W (256 bytes) is declared to live in an external file."""
    weight = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[8, 8])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in declared.items():
        weight.external_data.add(key=key, value=value)
    model = build([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc")], [("x", F, [1, 8])], [("y", F, [1, 8])])
    model.graph.initializer.append(weight)
    return model


def test_an_external_declaration_in_bytes_passes():
    validate_model(_external(location="w.data", offset="512", length="256"), "m.onnx")
    validate_model(_external(location="w.data"), "m.onnx")  # offset 0, length from dims and type


@pytest.mark.parametrize("declared, says", [
    ({"location": "w.data", "offset": "8.0"}, "offset='8.0': must be a non-negative integer (bytes)"),
    ({"location": "w.data", "length": "-256"}, "length='-256': must be a non-negative integer (bytes)"),
    ({"location": "w.data", "length": "128"},
     "length=128, but a FLOAT tensor of shape [8, 8] has 256 bytes"),  # 8 * 8 * 4 bytes
    ({"offset": "0"}, "has no location"),
])
def test_external_declarations(declared, says):
    assert refusal(_external(**declared)) == f"initializer W: external data {says}"
