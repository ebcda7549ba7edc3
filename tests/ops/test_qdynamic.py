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


@pytest.mark.parametrize("b_type, zero", [(TP.INT8, 0), (TP.INT8, 255), (TP.UINT8, 131)])
def test_matmul_integer_with_a_run_time_zero_point(b_type, zero, build, tmp_path):
    """quantize_dynamic's DynamicQuantizeLinear -> MatMulInteger: A's zero point is run-time
    data, B constant, so the packed GEMM folds the zero point into the bias as it runs.
    Compared exactly with an int64 reference (onnxruntime's u8 x s8 kernels saturate
    differently on CPUs without VNNI)."""
    k, n = 37, 9
    np_b = np.int8 if b_type == TP.INT8 else np.uint8
    info = np.iinfo(np_b)
    bz = (np.zeros(n, np_b) if b_type == TP.INT8 else
          RNG.integers(100, 156, n).astype(np_b))
    # B minus its zero point fits int8 (else B is not packed), its extremes included
    delta = RNG.integers(-128, 128, (k, n))
    delta[0], delta[1] = 127, -128
    b = np.clip(bz.astype(np.int64) + delta, info.min, info.max).astype(np_b)
    node = helper.make_node("MatMulInteger", ["a", "b", "za", "bz"], ["y"])
    m = graph_model([node], [("a", TP.UINT8, (2, 5, k)), ("za", TP.UINT8, ())],
                    [("y", TP.INT32, (2, 5, n))], 17, [("b", b), ("bz", bz)])
    a = RNG.integers(0, 256, (2, 5, k)).astype(np.uint8)
    a[0, 0], a[0, 1] = 0, 255
    za = np.array(zero, np.uint8)
    runner = build(m)
    assert "o2c_qgemm(" in (tmp_path / "src" / "model.c").read_text()   # not the reference loops
    status, got = runner.run({"a": a, "za": za})
    assert status == 0
    want = (a.astype(np.int64) - zero) @ (b.astype(np.int64) - bz.astype(np.int64))
    np.testing.assert_array_equal(got[0], want.astype(np.int32))


@pytest.mark.parametrize("a_shape, bias, cast_is_output", [
    ((1, 24), True, False), ((6, 24), True, False), ((6, 24), False, False),
    ((6, 24), True, True)])
def test_quantize_dynamic_chain_to_float(a_shape, bias, cast_is_output, tmp_path):
    """quantize_dynamic's DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(a_scale *
    b_scale) -> Add(bias): passes/qfloat_epilogue.py folds Cast, Mul and Add into the
    QGemm's float epilogue (not when the Cast's output is also a graph output), bit for
    bit onnxruntime's result, whose steps are the same."""
    b = RNG.integers(-128, 128, (24, 10)).astype(np.int8)
    nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "sa", "za"]),
             helper.make_node("MatMulInteger", ["q", "b", "za"], ["acc"]),
             helper.make_node("Cast", ["acc"], ["f"], to=TP.FLOAT),
             helper.make_node("Mul", ["sa", "bs"], ["s"]),
             helper.make_node("Mul", ["f", "s"], ["scaled" if bias else "y"])]
    inits = [("b", b), ("bs", np.float32(0.0037))]
    if bias:
        nodes.append(helper.make_node("Add", ["bias", "scaled"], ["y"]))
        inits.append(("bias", RNG.standard_normal(10).astype(np.float32)))
    outputs = [("y", TP.FLOAT, a_shape[:-1] + (10,))]
    if cast_is_output:
        outputs.append(("f", TP.FLOAT, a_shape[:-1] + (10,)))
    m = graph_model(nodes, [("x", TP.FLOAT, a_shape)], outputs, 17, inits)
    x = (RNG.standard_normal(a_shape) * 2).astype(np.float32)
    status, got = build_and_run(m, {"x": x}, tmp_path)
    assert status == 0
    for g, w in zip(got, ort_session(m).run(None, {"x": x})):
        assert g.tobytes() == w.tobytes(), np.abs(g - w).max()
    fused = "O2C_QEPI_FLOAT" in (tmp_path / "src" / "model.c").read_text()
    assert fused != cast_is_output
