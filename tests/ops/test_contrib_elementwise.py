"""com.microsoft elementwise activations against onnxruntime's contrib kernels."""
from __future__ import annotations

import pytest
from onnx import TensorProto as TP
from onnx import helper

from tests.conftest import check_against_ort


@pytest.mark.parametrize("alpha", [None, 0.5])
def test_quick_gelu(alpha, tmp_path):
    attrs = {} if alpha is None else {"alpha": alpha}
    node = helper.make_node("QuickGelu", ["x"], ["y"], domain="com.microsoft", **attrs)
    graph = helper.make_graph([node], "quick_gelu",
                              [helper.make_tensor_value_info("x", TP.FLOAT, [3, 17])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, [3, 17])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    check_against_ort(model, tmp_path)


@pytest.mark.parametrize("op_type, bias", [("FastGelu", True), ("FastGelu", False),
                                           ("BiasGelu", True)])    # BiasGelu's bias is required
def test_bias_gelu(op_type, bias, tmp_path):
    inputs = [helper.make_tensor_value_info("x", TP.FLOAT, [2, 3, 16])]
    if bias:
        inputs.append(helper.make_tensor_value_info("b", TP.FLOAT, [16]))
    node = helper.make_node(op_type, [i.name for i in inputs], ["y"], domain="com.microsoft")
    graph = helper.make_graph([node], op_type.lower(), inputs,
                              [helper.make_tensor_value_info("y", TP.FLOAT, [2, 3, 16])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    check_against_ort(model, tmp_path)
