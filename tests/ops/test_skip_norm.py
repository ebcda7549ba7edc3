"""com.microsoft SkipLayerNormalization and SkipSimplifiedLayerNormalization against
onnxruntime's CPU kernels: every optional input and output, a skip shared by the batch;
the C builds under the strict flags with gcc and clang."""
from __future__ import annotations

import pytest
from onnx import TensorProto as TP
from onnx import helper

from tests.conftest import c_compilers, check_against_ort, strict_compile

SHAPE = [2, 5, 24]


def _check(model, tmp_path):
    result = check_against_ort(model, tmp_path)
    for cc in c_compilers():
        strict_compile(cc, result.out_dir, tmp_path)


def _model(op_type: str, inputs: dict, outputs: list[str], epsilon=None):
    attrs = {} if epsilon is None else {"epsilon": epsilon}
    node = helper.make_node(op_type, list(inputs), outputs, domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], op_type.lower(),
        [helper.make_tensor_value_info(n, TP.FLOAT, s) for n, s in inputs.items() if n],
        [helper.make_tensor_value_info(n, TP.FLOAT, None) for n in outputs if n])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)])


@pytest.mark.parametrize("beta, bias, skip, outputs", [
    (True, True, SHAPE, ["y", "mean", "inv_std", "sum"]),
    (False, False, SHAPE, ["y"]),
    (True, False, SHAPE[1:], ["y", "", "", "sum"]),     # skip (S, H) shared by the batch
    ("", True, [1] + SHAPE[1:], ["y", "mean", "inv_std"]),   # bias without beta
])
def test_skip_layer_norm(beta, bias, skip, outputs, tmp_path):
    hidden = SHAPE[-1]
    inputs = {"x": SHAPE, "skip": skip, "gamma": [hidden]}
    if beta:
        inputs["beta"] = [hidden]
    elif bias:
        inputs[""] = None           # beta omitted, bias given
    if bias:
        inputs["bias"] = [hidden]
    _check(_model("SkipLayerNormalization", inputs, outputs, 1e-5), tmp_path)


@pytest.mark.parametrize("bias, outputs", [(True, ["y", "mean", "inv_std", "sum"]),
                                           (False, ["y"])])
def test_skip_simplified_layer_norm(bias, outputs, tmp_path):
    hidden = SHAPE[-1]
    inputs = {"x": SHAPE, "skip": SHAPE, "gamma": [hidden]}
    if bias:
        inputs["bias"] = [hidden]
    _check(_model("SkipSimplifiedLayerNormalization", inputs, outputs), tmp_path)


@pytest.mark.parametrize("x, skip, message", [
    (SHAPE, [3, 24], "skip of shape"),
    ([2, 5, 0], [2, 5, 0], "empty tensor"),
])
def test_unsupported_shapes_are_refused(x, skip, message, tmp_path):
    from onnx2c.errors import CompileError
    import onnx2c
    model = _model("SkipLayerNormalization", {"x": x, "skip": skip, "gamma": [x[-1]]},
                   ["y"])
    with pytest.raises(CompileError, match=message):
        onnx2c.compile(model, tmp_path)
