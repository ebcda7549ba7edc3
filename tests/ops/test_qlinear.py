"""The 8-bit operators (com.microsoft QLinear*, QGemm; ONNX QLinearConv with constant weights,
through the packed kernels) against the exact references of tests/quant_reference.py and
against onnxruntime, bit for bit, over random scales and zero points.

onnxruntime agrees with the references on every case here: u8 x s8 products with weights
up to 63 cannot saturate onnxruntime's 16-bit pair sums on CPUs without VNNI; the other
kernels do not depend on the CPU.
"""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.oracle import ort_session
from tests import quant_reference as ref
from tests.conftest import build_and_run, graph_model

RNG = np.random.default_rng(11)
MS = "com.microsoft"
NP = {TP.INT8: np.int8, TP.UINT8: np.uint8}


def _ort(model, feeds):
    return ort_session(model).run(None, feeds)


def _q8(dt, shape, lo=None, hi=None):
    info = np.iinfo(NP[dt])
    return RNG.integers(info.min if lo is None else lo, (info.max if hi is None else hi) + 1,
                        shape).astype(NP[dt])


def _scale(lo=0.002, hi=0.08):
    return np.float32(RNG.uniform(lo, hi))


def _model(op, inputs, consts, out_type, out_shape, domain=MS, onnx_opset=17, **attrs):
    """One `op` node; inputs are names (constants from consts) or (name, type, shape)."""
    names = [i if isinstance(i, str) else i[0] for i in inputs]
    node = helper.make_node(op, names, ["y"], domain=domain or None, **attrs)
    graph_inputs = [i for i in inputs if not isinstance(i, str)]
    opsets = {"": onnx_opset, MS: 1} if domain == MS else {"": onnx_opset}
    return graph_model([node], graph_inputs, [("y", out_type, list(out_shape))], opsets,
                       consts)


def _check(model, feeds, want, tmp_path, ort_too=True):
    status, got = build_and_run(model, feeds, tmp_path)
    assert status == 0
    np.testing.assert_array_equal(got[0], want)
    if ort_too:
        np.testing.assert_array_equal(got[0], _ort(model, feeds)[0])


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("shapes, scalar", [
    (((2, 3, 17), (2, 3, 17)), None),
    (((1, 4, 5, 6), (1, 4, 1, 1)), "b"),      # squeeze-and-excite: B a scalar per span
    (((1,), (3, 7)), "a"),
    (((2, 5), (5,)), None)])
@pytest.mark.parametrize("op", ["QLinearAdd", "QLinearMul"])
def test_qlinear_binary(op, shapes, scalar, dt, tmp_path):
    a, b = _q8(dt, shapes[0]), _q8(dt, shapes[1])
    p = [_scale(), _q8(dt, ()), _scale(), _q8(dt, ()), _scale(0.01, 0.2), _q8(dt, ())]
    m, want = binary_case(op, dt, a, b, p, scalar)
    _check(m, {"a": a, "b": b}, want, tmp_path)


def binary_case(op, dt, a, b, p, scalar=None):
    """A QLinearAdd or QLinearMul of inputs a and b, p = (sa, za, sb, zb, sy, zy) constant,
    and the exact reference's output (scalar: the operand that is a scalar per span)."""
    consts = list(zip(["sa", "za", "sb", "zb", "sy", "zy"], p))
    m = _model(op, [("a", dt, a.shape), "sa", "za", ("b", dt, b.shape), "sb", "zb", "sy",
                    "zy"], consts, dt, np.broadcast_shapes(a.shape, b.shape))
    if op == "QLinearAdd":
        return m, ref.qlinear_add(a, p[0], p[1], b, p[2], p[3], p[4], p[5], scalar)
    return m, ref.qlinear_mul(a, p[0], p[1], b, p[2], p[3], p[4], p[5])


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("op", ["QLinearAdd", "QLinearMul"])
def test_qlinear_binary_every_pair(op, dt, tmp_path):
    """All 65,536 pairs of 8-bit values, where a sum landing on a rounding tie shows how
    each float operation of onnxruntime's kernel rounds."""
    grid = np.arange(256, dtype=np.uint8).view(NP[dt])
    a, b = np.repeat(grid, 256), np.tile(grid, 256)
    for trial in range(4):
        p = [_scale(0.01, 0.2), _q8(dt, ()), _scale(0.01, 0.2), _q8(dt, ()), _scale(0.01, 0.2),
             _q8(dt, ())]
        consts = list(zip(["sa", "za", "sb", "zb", "sy", "zy"], p))
        m = _model(op, [("a", dt, a.shape), "sa", "za", ("b", dt, b.shape), "sb", "zb", "sy",
                        "zy"], consts, dt, a.shape)
        reference = ref.qlinear_add if op == "QLinearAdd" else ref.qlinear_mul
        _check(m, {"a": a, "b": b}, reference(a, *p[:2], b, *p[2:]), tmp_path / str(trial))


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("op, attrs", [("QLinearSigmoid", {}),
                                       ("QLinearLeakyRelu", {"alpha": 0.13})])
def test_qlinear_lookup_every_byte(op, attrs, dt, tmp_path):
    """All 256 inputs: the compile-time table is onnxruntime's (its float32 Sigmoid is a
    rational approximation evaluated with FMAs, which onnx2c reproduces exactly)."""
    x = np.arange(256, dtype=np.uint8).view(NP[dt])
    for trial in range(3):
        p = [_scale(0.01, 0.1), _q8(dt, ()), _scale(0.002, 0.01), _q8(dt, ())]
        consts = list(zip(["sx", "zx", "sy", "zy"], p))
        m = _model(op, [("x", dt, (256,)), "sx", "zx", "sy", "zy"], consts, dt, (256,),
                   **attrs)
        status, got = build_and_run(m, {"x": x}, tmp_path / str(trial))
        np.testing.assert_array_equal(got[0], _ort(m, {"x": x})[0])
        if op == "QLinearLeakyRelu":
            fn = lambda v: np.where(v >= 0, v, np.float32(0.13) * v).astype(np.float32)
            np.testing.assert_array_equal(got[0], ref.lookup(fn, x, *p))


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("lane", [16, 64])
def test_qlinear_softmax(lane, dt, tmp_path):
    x = _q8(dt, (3, lane))
    p = [_scale(0.01, 0.2), _q8(dt, ()), np.float32(1 / 256), _q8(dt, (), None, -100 if
                                                                   dt == TP.INT8 else 10)]
    consts = list(zip(["sx", "zx", "sy", "zy"], p))
    m = _model("QLinearSoftmax", [("x", dt, x.shape), "sx", "zx", "sy", "zy"], consts, dt,
               x.shape, axis=-1, opset=13)
    _check(m, {"x": x}, ref.qlinear_softmax(x, *p, lane, dt == TP.INT8), tmp_path)


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("op, attrs, out", [
    ("QLinearGlobalAveragePool", {}, (1, 6, 1, 1)),
    ("QLinearAveragePool", {"kernel_shape": [5, 3]}, (1, 6, 1, 1)),    # the whole image
    ("QLinearAveragePool", {"kernel_shape": [2, 2], "strides": [2, 1]}, (1, 6, 2, 2)),
    ("QLinearAveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}, (1, 6, 5, 3)),
    ("QLinearAveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1],
                            "count_include_pad": 1}, (1, 6, 5, 3))])
def test_qlinear_pool(op, attrs, out, dt, tmp_path):
    x = _q8(dt, (1, 6, 5, 3))
    p = [_scale(), _q8(dt, ()), _scale(), _q8(dt, ())]
    consts = list(zip(["sx", "zx", "sy", "zy"], p))
    m = _model(op, [("x", dt, x.shape), "sx", "zx", "sy", "zy"], consts, dt, out, **attrs)
    whole = op == "QLinearGlobalAveragePool" or attrs["kernel_shape"] == [5, 3]
    want = ref.qlinear_global_average_pool(x, *p) if whole else _ort(m, {"x": x})[0]
    _check(m, {"x": x}, want, tmp_path)


@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
def test_qlinear_concat(dt, tmp_path):
    a, b, c = _q8(dt, (1, 2, 3, 4)), _q8(dt, (1, 3, 3, 4)), _q8(dt, (1, 1, 3, 4))
    sy, zy = _scale(), _q8(dt, ())
    consts = [("sy", sy), ("zy", zy), ("sa", _scale()), ("za", _q8(dt, ())),
              ("sb", sy), ("zb", zy), ("sc", _scale()), ("zc", _q8(dt, ()))]   # b: a copy
    m = _model("QLinearConcat", ["sy", "zy", ("a", dt, a.shape), "sa", "za",
                                 ("b", dt, b.shape), "sb", "zb", ("c", dt, c.shape), "sc", "zc"],
               consts, dt, (1, 6, 3, 4), axis=1)
    k = dict(consts)
    identity = lambda v: v
    want = np.concatenate([ref.lookup(identity, a, k["sa"], k["za"], sy, zy), b,
                           ref.lookup(identity, c, k["sc"], k["zc"], sy, zy)], axis=1)
    _check(m, {"a": a, "b": b, "c": c}, want, tmp_path)


@pytest.mark.parametrize("requant_out", [True, False])
@pytest.mark.parametrize("dt, weights, trans_b, alpha", [
    (TP.UINT8, TP.INT8, 0, 1.0), (TP.INT8, TP.INT8, 1, 0.75),
    (TP.UINT8, TP.UINT8, 1, 1.0)])      # uint8 weights far off their zero point: unpacked
def test_qgemm(dt, weights, trans_b, alpha, requant_out, tmp_path):
    a = _q8(dt, (5, 37))
    if weights == TP.INT8:
        b, zb = _q8(TP.INT8, (9, 37) if trans_b else (37, 9), -63, 63), np.zeros(9, np.int8)
    else:
        b, zb = _q8(TP.UINT8, (9, 37) if trans_b else (37, 9)), np.full(9, 30, np.uint8)
    bias = RNG.integers(-3000, 3000, (9,)).astype(np.int32)
    sb = RNG.uniform(0.002, 0.02, 9).astype(np.float32)      # per column
    consts = [("sa", _scale()), ("za", _q8(dt, ())), ("b", b), ("sb", sb), ("zb", zb),
              ("c", bias)]
    names = [("a", dt, a.shape), "sa", "za", "b", "sb", "zb", "c"]
    if requant_out:
        consts += [("sy", _scale(0.05, 0.3)), ("zy", _q8(dt, ()))]
        names += ["sy", "zy"]
    m = _model("QGemm", names, consts, dt if requant_out else TP.FLOAT, (5, 9),
               transB=trans_b, alpha=alpha)
    k = dict(consts)
    want = ref.qgemm(a, k["sa"], k["za"], b, sb, zb, bias, k.get("sy"), k.get("zy"), alpha,
                     bool(trans_b))
    _check(m, {"a": a}, want, tmp_path)


CONVS = {   # name: (input shape, weight shape, attributes) - every kernel path
    "pointwise": ((1, 8, 5, 7), (8, 8, 1, 1), {}),
    "pointwise_odd": ((1, 5, 6, 3), (6, 5, 1, 1), {}),
    "pointwise_3x3": ((1, 8, 3, 3), (6, 8, 1, 1), {}),            # tiles of 4, 4 and 1
    "3x3_even": ((1, 6, 7, 9), (4, 6, 3, 3), {"pads": [1, 1, 1, 1]}),
    "3x3_rgb_s2": ((1, 3, 9, 8), (5, 3, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    "3x3_rgb_wide": ((1, 3, 6, 21), (4, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    "3x3_mono": ((1, 1, 7, 13), (3, 1, 3, 3), {"pads": [0, 1, 0, 1]}),
    "10x4_mono": ((1, 1, 13, 10), (4, 1, 10, 4), {"pads": [5, 1, 5, 1], "strides": [2, 2]}),
    "dilated": ((1, 4, 9, 9), (3, 4, 3, 3), {"dilations": [2, 1], "pads": [0, 1, 2, 1]}),
    "grouped": ((1, 8, 6, 6), (6, 4, 3, 3), {"group": 2, "pads": [1, 0, 1, 0]}),
    "depthwise_s1": ((1, 6, 7, 5), (6, 1, 3, 3), {"group": 6, "pads": [1, 1, 1, 1]}),
    "depthwise_s1_7": ((1, 3, 4, 7), (3, 1, 3, 3), {"group": 3, "pads": [1, 1, 1, 1]}),
    "depthwise_s1_narrow": ((1, 2, 5, 2), (2, 1, 3, 3), {"group": 2, "pads": [1, 1, 1, 1]}),
    "depthwise_s1_one": ((1, 2, 4, 3), (2, 1, 3, 3), {"group": 2}),
    "depthwise_s2": ((1, 4, 8, 9), (4, 1, 3, 3), {"group": 4, "pads": [1, 1, 1, 1],
                                                  "strides": [2, 2]}),
    "depthwise_s2_wide": ((1, 3, 5, 13), (3, 1, 3, 3), {"group": 3, "pads": [0, 1, 1, 1],
                                                        "strides": [1, 2]}),
    "depthwise_s3": ((1, 3, 8, 10), (3, 1, 3, 3), {"group": 3, "pads": [1, 1, 1, 1],
                                                   "strides": [3, 3]}),
    "depthwise_5x5": ((1, 3, 9, 9), (3, 1, 5, 5), {"group": 3, "pads": [2, 2, 2, 2]}),
    "1d": ((1, 4, 21), (6, 4, 5), {"strides": [2], "pads": [2, 1]}),
    "1d_mono": ((1, 1, 17), (5, 1, 3), {"pads": [1, 1]}),
}


def conv_case(name, dt, per_channel):
    """A QLinearConv model of CONVS[name] with random constant weights, scales and zero
    points, its input, and the exact reference's output."""
    xs, ws, attrs = CONVS[name]
    x, w = _q8(dt, xs), _q8(TP.INT8, ws, -63, 63)
    co = ws[0]
    sw = RNG.uniform(0.002, 0.02, co if per_channel else ()).astype(np.float32)
    consts = [("sx", _scale()), ("zx", _q8(dt, ())), ("w", w), ("sw", sw),
              ("zw", np.zeros(co if per_channel else (), np.int8)), ("sy", _scale(0.05, 0.4)),
              ("zy", _q8(dt, ())), ("bias", RNG.integers(-4000, 4000, (co,)).astype(np.int32))]
    m = _model("QLinearConv", [("x", dt, xs), "sx", "zx", "w", "sw", "zw", "sy", "zy", "bias"],
               consts, dt, (), domain="", onnx_opset=13, **attrs)
    k = dict(consts)
    want = ref.qlinear_conv(x, k["sx"], k["zx"], w, sw, k["zw"], k["sy"], k["zy"], k["bias"],
                            pads=attrs.get("pads"), strides=attrs.get("strides"),
                            dilations=attrs.get("dilations"), group=attrs.get("group", 1))
    m.graph.output[0].type.tensor_type.shape.Clear()
    for d in want.shape:
        m.graph.output[0].type.tensor_type.shape.dim.add().dim_value = d
    return m, {"x": x}, want


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
@pytest.mark.parametrize("name", sorted(CONVS))
def test_qlinear_conv_packed(name, dt, per_channel, tmp_path):
    """Constant weights go through passes/qprepare.py and the packed kernels."""
    m, feeds, want = conv_case(name, dt, per_channel)
    _check(m, feeds, want, tmp_path)


def test_fixed_point_requantization_is_within_one_step(tmp_path):
    """--requant fixed: Q31 multipliers and shifts, no floating point in the kernels; not
    bit-exact with onnxruntime, but never more than one step from it."""
    xs, ws, attrs = CONVS["3x3_even"]
    x, w = _q8(TP.INT8, xs), _q8(TP.INT8, ws, -63, 63)
    sw = RNG.uniform(0.002, 0.02, ws[0]).astype(np.float32)
    consts = [("sx", np.float32(0.05)), ("zx", np.int8(3)), ("w", w), ("sw", sw),
              ("zw", np.zeros(ws[0], np.int8)), ("sy", np.float32(0.3)), ("zy", np.int8(-5))]
    m = _model("QLinearConv", [("x", TP.INT8, xs), "sx", "zx", "w", "sw", "zw", "sy", "zy"],
               consts, TP.INT8, (1, 4, 7, 9), domain="", onnx_opset=13, **attrs)
    status, got = build_and_run(m, {"x": x}, tmp_path, requant="fixed")
    want = _ort(m, {"x": x})[0]
    assert status == 0
    assert np.abs(got[0].astype(int) - want.astype(int)).max() <= 1
    assert (got[0] == want).mean() > 0.95
