"""Conv, ConvTranspose, Gemm, MatMul and their integer/quantized forms against onnxruntime
(bit-exact for the quantized ops), on the shapes, dtypes and kernel paths (im2col tiles,
pointwise GEMM, depthwise direct loop) that the ONNX node tests leave out."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onnx2c
from onnx2c.ops.conv_f32 import _TILE_BYTES, _TILE_MIN_COLS
from tests import quant_reference
from tests.conftest import build_and_run, check_against_ort, run_and_compare, strict_compile

RNG = np.random.default_rng(7)
NP = {TP.FLOAT: np.float32, TP.DOUBLE: np.float64, TP.FLOAT16: np.float16, TP.UINT8: np.uint8,
      TP.INT8: np.int8, TP.INT32: np.int32, TP.INT64: np.int64, TP.UINT32: np.uint32}


def _model(op, inputs, consts, opset=21, **attrs):
    """One-node model: inputs are (name, elem type, shape) graph inputs, consts
    (name, array) initializers; '' in either list omits an optional input."""
    names = [i if isinstance(i, str) else i[0] for i in inputs]
    node = helper.make_node(op, names, ["y"], **attrs)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info(*i) for i in inputs
                             if not isinstance(i, str) and i[0] not in dict(consts)],
        [helper.make_tensor_value_info("y", TP.UNDEFINED, None)],
        [numpy_helper.from_array(a, n) for n, a in consts])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(m, strict_mode=True)


def _rand(dtype, shape, lo=None, hi=None):
    t = NP[dtype]
    if np.issubdtype(t, np.floating):
        return RNG.standard_normal(shape).astype(t)
    info = np.iinfo(t)
    return RNG.integers(info.min if lo is None else lo, (info.max if hi is None else hi) + 1,
                        shape).astype(t)


CONVS = [  # x shape, w shape, attrs, bias
    ((1, 64, 10, 10), (16, 64, 3, 3), dict(pads=[1, 1, 1, 1]), True),      # several im2col tiles
    ((2, 8, 5, 5), (16, 8, 1, 1), {}, True),                                # pointwise, no im2col
    ((1, 8, 6, 6), (12, 4, 1, 1), dict(group=2, strides=[2, 2]), False),    # strided 1x1
    ((1, 8, 9, 9), (8, 1, 3, 3), dict(group=8, strides=[2, 2], auto_pad="SAME_UPPER"), True),
    ((1, 8, 9, 8), (16, 1, 3, 3), dict(group=8, dilations=[2, 2], pads=[2, 0, 1, 3]), True),
    ((1, 4, 11), (6, 4, 4), dict(strides=[2], auto_pad="SAME_LOWER"), True),
    ((2, 4, 5, 6, 7), (6, 2, 2, 3, 2), dict(group=2, pads=[1, 0, 1, 0, 2, 1]), True),
    ((1, 3, 7, 7), (4, 3, 3, 3), dict(auto_pad="VALID", dilations=[1, 2]), False),
]


@pytest.mark.parametrize("xs, ws, attrs, bias", CONVS, ids=lambda v: str(v))
def test_conv(xs, ws, attrs, bias, tmp_path):
    consts = [("w", _rand(TP.FLOAT, ws))] + ([("b", _rand(TP.FLOAT, ws[:1]))] if bias else [])
    m = _model("Conv", [("x", TP.FLOAT, xs), "w"] + (["b"] if bias else []), consts, **attrs)
    check_against_ort(m, tmp_path)


def test_conv_scratch_is_one_bounded_tile():
    m = _model("Conv", [("x", TP.FLOAT, (1, 256, 32, 32)), "w"],
               [("w", np.zeros((64, 256, 3, 3), np.float32))], pads=[1, 1, 1, 1])
    r = onnx2c.build(m, "m")
    scratch = [b.size for n, b in r.plan.buffers.items() if n.startswith("scratch:")]
    # a tile of _TILE_BYTES, or of _TILE_MIN_COLS positions when one position's column
    # (256 channels x 9 taps) is that long
    assert scratch and max(scratch) <= max(_TILE_BYTES, _TILE_MIN_COLS * 256 * 9 * 4)


@pytest.mark.parametrize("dtype", [TP.FLOAT16, TP.DOUBLE])
def test_conv_other_float_types(dtype, tmp_path):
    m = _model("Conv", [("x", dtype, (1, 4, 6, 5)), ("w", dtype, (6, 2, 3, 3)),
                        ("b", dtype, (6,))], [], group=2, pads=[1, 0, 1, 1], strides=[2, 1])
    feeds = {n: _rand(dtype, s) for n, s in (("x", (1, 4, 6, 5)), ("w", (6, 2, 3, 3)),
                                             ("b", (6,)))}
    run_and_compare(m, feeds, tmp_path, "ref", rtol=2e-3, atol=1e-5)


CONV_TRANSPOSES = [
    ((1, 2, 4, 3), (2, 3, 3, 3), dict(strides=[2, 3], output_shape=[10, 9])),
    ((2, 4, 3, 3), (4, 2, 3, 2), dict(group=2, strides=[2, 2], dilations=[2, 1],
                                      pads=[1, 0, 2, 1], output_padding=[1, 1])),
    ((1, 3, 5), (3, 2, 4), dict(strides=[3], pads=[1, 2])),
    ((1, 2, 3, 4, 2), (2, 1, 2, 3, 2), dict(strides=[2, 1, 2], pads=[0, 1, 0, 1, 0, 1])),
    ((1, 1, 4, 4), (1, 3, 3, 3), dict(strides=[2, 2], auto_pad="SAME_LOWER")),
]


@pytest.mark.parametrize("xs, ws, attrs", CONV_TRANSPOSES, ids=lambda v: str(v))
def test_conv_transpose(xs, ws, attrs, tmp_path):
    group = attrs.get("group", 1)
    consts = [("w", _rand(TP.FLOAT, ws)), ("b", _rand(TP.FLOAT, (ws[1] * group,)))]
    m = _model("ConvTranspose", [("x", TP.FLOAT, xs), "w", "b"], consts, **attrs)
    check_against_ort(m, tmp_path)


GEMMS = [  # A shape, B shape, C shape or None, attrs
    ((3, 5), (5, 4), (3, 1), {}),
    ((5, 3), (4, 5), (4,), dict(transA=1, transB=1, alpha=0.5, beta=2.0)),
    ((3, 5), (4, 5), (), dict(transB=1, beta=0.0)),
    ((3, 5), (5, 4), (3, 4), dict(alpha=-1.5)),
    ((3, 5), (5, 4), None, dict(transA=0)),
]


@pytest.mark.parametrize("dtype", [TP.FLOAT, TP.DOUBLE])
@pytest.mark.parametrize("a, b, c, attrs", GEMMS, ids=lambda v: str(v))
def test_gemm(a, b, c, attrs, dtype, tmp_path):
    ins = [("a", dtype, a), ("b", dtype, b)] + ([("c", dtype, c)] if c is not None else [])
    check_against_ort(_model("Gemm", ins, [], opset=13, **attrs), tmp_path)


MATMULS = [((2, 3, 4, 5), (5, 6)), ((5,), (3, 5, 2)), ((3, 1, 4, 5), (2, 5, 3)), ((4, 5), (5,)),
           ((1, 2, 3), (1, 3, 2))]


@pytest.mark.parametrize("dtype", [TP.FLOAT, TP.DOUBLE, TP.FLOAT16, TP.INT32, TP.INT64,
                                   TP.UINT32])
@pytest.mark.parametrize("a, b", MATMULS, ids=lambda v: str(v))
def test_matmul(a, b, dtype, tmp_path):
    m = _model("MatMul", [("a", dtype, a), ("b", dtype, b)], [], opset=13)
    feeds = {"a": _rand(dtype, a, -1000, 1000), "b": _rand(dtype, b, -1000, 1000)}
    if dtype == TP.INT32:   # products that overflow must wrap like onnxruntime's
        feeds["a"][..., 0] = np.int32(2 ** 30)
    run_and_compare(m, feeds, tmp_path, "ref" if dtype == TP.FLOAT16 else "ort", rtol=1e-3,
                    atol=1e-5)


# onnxruntime's u8 x s8 kernels add pairs of products in 16 bits on x86 CPUs without VNNI
# and saturate there, so the exact integer reference is the oracle over the full range, and
# onnxruntime is asked too only on weights small enough that no pair can saturate
# (255 * 63 * 2 < 32767): ±0 steps then on every CPU.
_NO_SATURATION = 63


@pytest.mark.parametrize("ta, tb", [(TP.UINT8, TP.INT8), (TP.UINT8, TP.UINT8)])
def test_matmul_integer(ta, tb, tmp_path):
    a, b = _rand(ta, (2, 3, 17)), _rand(tb, (17, 5))
    za, zb = _rand(ta, ()), _rand(tb, (5,))
    m = _model("MatMulInteger", [("a", ta, a.shape), ("b", tb, b.shape), "za", "zb"],
               [("za", za), ("zb", zb)], opset=10)
    _, got = build_and_run(m, {"a": a, "b": b}, tmp_path / "full")
    np.testing.assert_array_equal(got[0], quant_reference.matmul_integer(a, b, za, zb))
    small = _rand(tb, (17, 5), 0 if tb == TP.UINT8 else -_NO_SATURATION, _NO_SATURATION)
    m = _model("MatMulInteger", [("a", ta, a.shape), ("b", tb, b.shape), "za", "zb"],
               [("za", za), ("zb", np.zeros(5, NP[tb]))], opset=10)
    check_against_ort(m, tmp_path / "ort", feeds={"a": a, "b": small})


def test_conv_integer(tmp_path):
    x, w, zx = _rand(TP.UINT8, (1, 3, 7, 6)), _rand(TP.UINT8, (4, 3, 3, 2)), _rand(TP.UINT8, ())
    attrs = dict(pads=[1, 0, 1, 1], strides=[2, 1])
    m = _model("ConvInteger", [("x", TP.UINT8, x.shape), "w", "zx"], [("w", w), ("zx", zx)],
               opset=10, **attrs)
    _, got = build_and_run(m, {"x": x}, tmp_path)
    np.testing.assert_array_equal(got[0], quant_reference.conv_integer(x, w, zx, **attrs))
    check_against_ort(m, tmp_path / "ort", feeds={"x": x})     # u8 x u8: no pair saturates


@pytest.mark.parametrize("per_column", [False, True])
@pytest.mark.parametrize("qt", [TP.UINT8, TP.INT8])
def test_qlinear_matmul(qt, per_column, tmp_path):
    a, b = _rand(qt, (2, 4, 33)), _rand(qt, (2, 33, 6))
    n = (2, 1, 6) if per_column else ()    # per column of each batch
    consts = [("sa", np.float32(0.02)), ("za", _rand(qt, ())),
              ("sb", (RNG.random(n) * 0.02 + 0.005).astype(np.float32)), ("zb", _rand(qt, n)),
              ("sy", np.float32(0.09)), ("zy", _rand(qt, ()))]
    m = _model("QLinearMatMul", [("a", qt, a.shape), "sa", "za", ("b", qt, b.shape), "sb",
                                 "zb", "sy", "zy"], consts, opset=10)
    check_against_ort(m, tmp_path, feeds={"a": a, "b": b})


@pytest.mark.parametrize("xt, group", [(TP.UINT8, 1), (TP.INT8, 4), (TP.UINT8, 2)])
def test_qlinear_conv(xt, group, tmp_path):
    """Per-channel int8 weights and an int32 bias, requantized bit-exactly like onnxruntime."""
    x = _rand(xt, (1, 4, 9, 8))
    co = 8
    consts = [("sx", np.float32(0.05)), ("zx", _rand(xt, ())),
              ("w", _rand(TP.INT8, (co, 4 // group, 3, 3))),
              ("sw", (RNG.random(co) * 0.02 + 0.005).astype(np.float32)),
              ("zw", np.zeros(co, np.int8)), ("sy", np.float32(0.11)), ("zy", _rand(xt, ())),
              ("bias", _rand(TP.INT32, (co,), -5000, 5000))]
    m = _model("QLinearConv", [("x", xt, x.shape), "sx", "zx", "w", "sw", "zw", "sy", "zy",
                               "bias"], consts, opset=10, group=group, pads=[1, 1, 1, 1],
               strides=[2, 1])
    _, got = build_and_run(m, {"x": x}, tmp_path)
    c = dict(consts)
    want = quant_reference.qlinear_conv(x, c["sx"], c["zx"], c["w"], c["sw"], c["zw"], c["sy"],
                                        c["zy"], c["bias"], pads=[1, 1, 1, 1], strides=[2, 1],
                                        group=group)
    np.testing.assert_array_equal(got[0], want)


def test_every_kernel_path_builds_warning_free(cc, tmp_path):
    """im2col tiles, pointwise GEMM, depthwise, ConvTranspose, quantized and f16 loops."""
    models = [
        _model("Conv", [("x", TP.FLOAT, (1, 64, 10, 10)), ("w", TP.FLOAT, (16, 64, 3, 3)),
                        ("b", TP.FLOAT, (16,))], [], pads=[1, 1, 1, 1]),
        _model("Conv", [("x", TP.FLOAT, (1, 8, 5, 5)), ("w", TP.FLOAT, (4, 8, 1, 1))], []),
        _model("Conv", [("x", TP.FLOAT16, (1, 8, 9)), ("w", TP.FLOAT16, (8, 1, 3))], [],
               group=8, strides=[2], dilations=[2]),
        _model("ConvTranspose", [("x", TP.DOUBLE, (1, 4, 3, 3, 3)),
                                 ("w", TP.DOUBLE, (4, 1, 2, 2, 2))], [], group=2,
               strides=[2, 1, 2]),
        _model("QLinearMatMul", [("a", TP.INT8, (2, 3, 4)), ("sa", TP.FLOAT, ()),
                                 ("za", TP.INT8, ()), ("b", TP.INT8, (4, 5)),
                                 ("sb", TP.FLOAT, (5,)), ("zb", TP.INT8, (5,)),
                                 ("sy", TP.FLOAT, ()), ("zy", TP.INT8, ())], [], opset=21),
        _model("Gemm", [("a", TP.INT64, (3, 4)), ("b", TP.INT64, (5, 4)),
                        ("c", TP.INT64, (3, 1))], [], opset=13, transB=1),
    ]
    for k, m in enumerate(models):
        r = onnx2c.compile(m, tmp_path / f"m{k}", name="model")
        strict_compile(cc, r.out_dir, tmp_path)
