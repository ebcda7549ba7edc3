"""passes/qprepare.py: integer convolutions and products with constant weights become the
kernels' private ops, with the constants onnxruntime computes (checked here in plain numpy
from its documented formulas; the kernels' results are tests/ops/test_qlinear.py's)."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.frontend import load_graph
from onnx2c.passes.qprepare import prepare_integer_ops
from onnx2c.quant import DOMAIN
from tests.conftest import graph_model

RNG = np.random.default_rng(5)


def _qlinear_conv(weights_constant=True):
    w = RNG.integers(-100, 100, (4, 6, 3, 3)).astype(np.int8)
    inits = [("sx", np.float32(0.037)), ("zx", np.int8(-7)), ("sw", RNG.uniform(
        0.001, 0.01, 4).astype(np.float32)), ("zw", np.zeros(4, np.int8)),
        ("sy", np.float32(0.21)), ("zy", np.int8(2)),
        ("b", RNG.integers(-500, 500, 4).astype(np.int32))]
    inputs = [("x", TP.INT8, (1, 6, 5, 5))]
    if weights_constant:
        inits.append(("w", w))
    else:
        inputs.append(("w", TP.INT8, w.shape))
    node = helper.make_node("QLinearConv", ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"],
                            ["y"], pads=[1, 1, 1, 1])
    return graph_model([node], inputs, [("y", TP.INT8, (1, 4, 5, 5))], 13, inits), w, \
        dict(inits)


def _prepared(model, requant="float"):
    g = load_graph(model)
    prepare_integer_ops(g, requant)
    return g, g.nodes[-1]


def test_qlinearconv_constants_are_onnxruntimes():
    model, w, k = _qlinear_conv()
    g, node = _prepared(model)
    assert (node.domain, node.op_type) == (DOMAIN, "QConv")
    x, weights, bias, scale = (g.values[i] for i in node.inputs)
    # the data's zero point folded into the bias: b - zx * sum(w) per output channel
    want_bias = k["b"].astype(np.int64) - int(k["zx"]) * w.reshape(4, -1).astype(
        np.int64).sum(1)
    np.testing.assert_array_equal(bias.data, want_bias)
    # (x_scale * w_scale[i]) / y_scale in float32
    np.testing.assert_array_equal(scale.data, (k["sx"] * k["sw"]) / k["sy"])
    assert scale.data.dtype == np.float32
    # the packed weights are the same int8 values (padding aside), still int8, in flash
    assert weights.dtype.np == np.int8 and weights.is_const
    assert sorted(weights.data[weights.data != 0]) == sorted(w[w != 0])
    assert node.attrs["x_zero"] == -7 and node.attrs["y_zero"] == 2


def test_fixed_point_mode_stores_q31_multipliers():
    model, _, k = _qlinear_conv()
    g, node = _prepared(model, "fixed")
    pairs = g.values[node.inputs[3]].data.reshape(4, 2).astype(np.float64)
    assert node.attrs["requant"] == "fixed"
    represented = pairs[:, 0] * 2.0 ** -31 * 2.0 ** -pairs[:, 1]
    want = ((k["sx"] * k["sw"]) / k["sy"]).astype(np.float64)
    assert (pairs[:, 0] >= 2 ** 30).all()
    np.testing.assert_allclose(represented, want, rtol=2.0 ** -30)


def test_run_time_weights_keep_the_reference_kernel():
    model, _, _ = _qlinear_conv(weights_constant=False)
    g, node = _prepared(model)
    assert node.op_type == "QLinearConv"


def test_matmulinteger_bias_folds_both_zero_points():
    a_zero, b_zero = np.uint8(9), np.int8(3)
    b = RNG.integers(-50, 50, (7, 5)).astype(np.int8)
    node = helper.make_node("MatMulInteger", ["a", "b", "za", "zb"], ["y"])
    model = graph_model([node], [("a", TP.UINT8, (2, 7))], [("y", TP.INT32, (2, 5))], 13,
                        [("b", b), ("za", a_zero), ("zb", b_zero)])
    g, prepared = _prepared(model)
    assert (prepared.op_type, prepared.attrs["mode"]) == ("QGemm", "int32")
    bias = g.values[prepared.inputs[2]].data
    np.testing.assert_array_equal(bias, -9 * (b.astype(np.int64) - 3).sum(0))


def test_dynamic_quantize_lstm_rows_sums_and_scales():
    """passes/qlstm.py: W [dirs, input, 4H] becomes 4H rows of input values per direction,
    minus the zero point, with each row's sum and scale."""
    hidden, size = 2, 3
    w = RNG.integers(-50, 50, (1, size, 4 * hidden)).astype(np.int8)
    r = RNG.integers(-50, 50, (1, hidden, 4 * hidden)).astype(np.int8)
    w_scale = RNG.uniform(0.01, 0.02, (1, 4 * hidden)).astype(np.float32)
    node = helper.make_node("DynamicQuantizeLSTM", ["x", "w", "r", "", "", "", "", "", "ws",
                                                    "wz", "rs", "rz"], ["y"],
                            domain="com.microsoft", hidden_size=hidden)
    model = graph_model([node], [("x", TP.FLOAT, (4, 1, size))],
                        [("y", TP.FLOAT, (4, 1, 1, hidden))], {"": 17, "com.microsoft": 1},
                        [("w", w), ("r", r), ("ws", w_scale), ("wz", np.full((1, 8), 0, np.int8)),
                         ("rs", np.float32([0.5])), ("rz", np.int8([0]))])
    g, prepared = _prepared(model)
    assert (prepared.domain, prepared.op_type) == (DOMAIN, "QLSTM")
    sums, scales = (g.values[prepared.inputs[i]].data for i in (8, 9))
    np.testing.assert_array_equal(sums, w[0].astype(np.int64).sum(0))     # per gate unit
    np.testing.assert_array_equal(scales, w_scale.reshape(-1))
    np.testing.assert_array_equal(g.values[prepared.inputs[11]].data, np.float32([0.5] * 8))
    rows = g.values[prepared.inputs[1]].data
    assert sorted(rows[rows != 0]) == sorted(w[w != 0])
