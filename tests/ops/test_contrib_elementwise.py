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
