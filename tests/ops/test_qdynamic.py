"""Dynamic quantization's contrib ops against onnxruntime: DynamicQuantizeMatMul (A
quantized at run time, constant B packed by passes/qprepare.py) and MatMulIntegerToFloat
(run-time scales; B constant or not). Both end in float32 outputs compared bit for bit:
the products are exact integers and the scaling onnxruntime's sequence of float steps."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.oracle import ort_session
from tests.conftest import build_and_run, graph_model

RNG = np.random.default_rng(21)
MS = {"": 17, "com.microsoft": 1}


def _check(model, feeds, tmp_path):
    status, got = build_and_run(model, feeds, tmp_path)
    assert status == 0
    want = ort_session(model).run(None, feeds)[0]
    assert got[0].tobytes() == want.tobytes(), np.abs(got[0] - want).max()


@pytest.mark.parametrize("per_column, bias, a_shape", [
    (False, False, (5, 19)), (True, True, (2, 3, 19)), (True, False, (1, 19))])
def test_dynamic_quantize_matmul(per_column, bias, a_shape, tmp_path):
    b = RNG.integers(-127, 128, (19, 7)).astype(np.int8)
    inits = [("b", b), ("bs", RNG.uniform(0.001, 0.01, 7 if per_column else ()).astype(
        np.float32)), ("bz", np.zeros(7 if per_column else (), np.int8))]
    names = ["a", "b", "bs", "bz"]
    if bias:
        inits.append(("bias", RNG.standard_normal(7).astype(np.float32)))
        names.append("bias")
    node = helper.make_node("DynamicQuantizeMatMul", names, ["y"], domain="com.microsoft")
    m = graph_model([node], [("a", TP.FLOAT, a_shape)], [("y", TP.FLOAT, a_shape[:-1] + (7,))],
                    MS, inits)
    _check(m, {"a": (RNG.standard_normal(a_shape) * 3).astype(np.float32)}, tmp_path)


@pytest.mark.parametrize("b_constant", [True, False])
def test_matmul_integer_to_float_with_run_time_scales(b_constant, tmp_path):
    """As onnxruntime fuses DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul -> Add."""
    b = RNG.integers(-127, 128, (11, 6)).astype(np.int8)
    inits = [("bs", RNG.uniform(0.001, 0.01, 6).astype(np.float32)),
             ("bz", np.zeros(6, np.int8)), ("bias", RNG.standard_normal(6).astype(np.float32))]
    inputs = [("a", TP.UINT8, (4, 11)), ("sa", TP.FLOAT, ()), ("za", TP.UINT8, ())]
    feeds = {"a": RNG.integers(0, 256, (4, 11)).astype(np.uint8), "sa": np.array(0.023, np.float32),
             "za": np.array(131, np.uint8)}
    if b_constant:
        inits.append(("b", b))
    else:
        inputs.append(("b", TP.INT8, b.shape))
        feeds["b"] = b
    node = helper.make_node("MatMulIntegerToFloat", ["a", "b", "sa", "bs", "za", "bz", "bias"],
                            ["y"], domain="com.microsoft")
    m = graph_model([node], inputs, [("y", TP.FLOAT, (4, 6))], MS, inits)
    _check(m, feeds, tmp_path)
