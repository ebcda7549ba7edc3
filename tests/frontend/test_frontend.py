"""Loading: external data, local functions, shape pinning, folding of shape chains."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnx2c
from onnx2c.errors import CompileError
from onnx2c.frontend import load_graph
from tests.conftest import check_against_ort


def _mlp_with_weights():
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((64, 32))
                                .astype(np.float32), "w")
    g = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["y"])], "ext",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 32])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64, 32])],
                          initializer=[w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_external_data(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save_model(_mlp_with_weights(), str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    assert (tmp_path / "weights.bin").stat().st_size == 64 * 32 * 4
    check_against_ort(path, tmp_path / "out")


def test_local_functions_are_inlined(tmp_path):
    fn = helper.make_function("local", "AddRelu", ["a", "b"], ["c"],
                              [helper.make_node("Add", ["a", "b"], ["t"]),
                               helper.make_node("Relu", ["t"], ["c"])],
                              opset_imports=[helper.make_opsetid("", 17)])
    g = helper.make_graph([helper.make_node("AddRelu", ["x", "y"], ["z"], domain="local")], "f",
                          [helper.make_tensor_value_info(n, TensorProto.FLOAT, [3, 4])
                           for n in "xy"],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [3, 4])])
    m = helper.make_model(g, functions=[fn], opset_imports=[helper.make_opsetid("", 17),
                                                           helper.make_opsetid("local", 1)])
    check_against_ort(m, tmp_path)


def test_shape_chain_is_folded_away():
    # the exporters' Shape -> Gather -> Unsqueeze -> Concat -> Reshape flatten idiom
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"])]
    g = helper.make_graph(nodes, "chain",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b"])],
                          initializer=[numpy_helper.from_array(np.array(0, np.int64), "zero"),
                                       numpy_helper.from_array(np.array([0], np.int64), "zero1"),
                                       numpy_helper.from_array(np.array([-1], np.int64),
                                                               "minus1")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    r = onnx2c.build(m, "m")
    assert [n.op_type for n in r.graph.nodes] == ["Reshape"]
    assert r.graph.values["y"].shape == (2, 12)
    assert "Gather" not in r.files["m.c"] and "Concat" not in r.files["m.c"]


def test_symbolic_dimension_names_input_and_axis():
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "s",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(CompileError, match=r"'x' has unknown dimension 'batch' at axis 0.*--shape"):
        onnx2c.build(m, "m")
    assert onnx2c.build(m, "m", shapes={"x": (4, 8)}).inputs[0].shape == (4, 8)


def _custom_op_model(domain: str):
    """x (2x3) -> Twice (a custom op ONNX cannot type) -> Relu -> z, z declared [2, ?]."""
    nodes = [helper.make_node("Twice", ["x"], ["y"], domain=domain),
             helper.make_node("Relu", ["y"], ["z"])]
    return helper.make_model(
        helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, None])]),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)])


def test_type_rules_type_what_onnx_cannot_and_the_types_flow_on():
    from onnx2c.ir import DType
    from onnx2c.ir.optable import type_rule

    @type_rule("Twice", domain="test.type_rules")
    def _twice(node, inputs):       # (2, 3) -> (2, 6)
        x = inputs[0]
        return [(x.dtype, (x.shape[0], 2 * x.shape[1]))]

    g = load_graph(_custom_op_model("test.type_rules"))
    assert g.values["y"].shape == (2, 6) and g.values["z"].shape == (2, 6)
    assert g.values["z"].dtype == DType.FLOAT


def test_an_op_nobody_can_type_is_named_not_blamed_on_inputs():
    with pytest.raises(CompileError) as e:
        load_graph(_custom_op_model("test.no_rule"))
    assert "no shape rule for Twice" in str(e.value) and "--freeze" not in str(e.value)
