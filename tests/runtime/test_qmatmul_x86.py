"""quantize_dynamic's MatMulInteger (uint8 A with a run-time zero point, constant int8
B) through the packed int8 GEMM in every x86 build and with the portable C forced,
against the exact int64 product. One row of A takes o2c_qgemm.h's o2c_qgemv (the x86
VNNI kernel of runtime_c/o2c_qgemv_x86.h): a block of sixteen rows, fewer, an odd last
row, the row pair's 64-byte steps with and without a masked tail, A of two and three
rows. Four rows and more take runtime_c/o2c_qgemm_bcast_x86.h: bands of 64 rows of B
(several, the last partial or odd), four rows of A at a time (the last partial), an odd
count of k quads and a partial last quad; a K past its stack band (2050) takes the
column tile as VNNI byte quads into the int32 epilogue, as ConvInteger does.
QLinearMatMul with a constant B requantizes in the same kernels: per-tensor and
per-column scales, to uint8 and int8."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from tests import quant_reference
from tests.conftest import graph_model
from tests.runtime.test_qkernels_x86 import BUILDS, _extremes, _run, pytestmark  # noqa: F401

SHAPES = [(1, 5, 3), (1, 32, 16), (1, 37, 9), (1, 64, 33), (1, 100, 40), (2, 128, 17),
          (3, 7, 50), (1, 640, 128), (4, 64, 64), (5, 37, 9), (16, 128, 33), (7, 200, 3),
          (6, 40, 130), (9, 21, 70), (5, 2050, 7)]


def _case(m, k, n, extremes):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    b[0], b[-1] = 127, -128
    a = rng.integers(0, 256, (m, k)).astype(np.uint8)
    if extremes:
        a = _extremes(a)
    node = helper.make_node("MatMulInteger", ["a", "b", "za"], ["y"])
    model = graph_model([node], [("a", TP.UINT8, (m, k)), ("za", TP.UINT8, ())],
                        [("y", TP.INT32, (m, n))], 17, [("b", b)])
    zero = int(rng.integers(0, 256))
    want = (a.astype(np.int64) - zero) @ b.astype(np.int64)
    return model, {"a": a, "za": np.array(zero, np.uint8)}, want.astype(np.int32)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("extremes", [False, True], ids=["random", "extremes"])
def test_products_are_exact_in_every_build(shape, extremes, tmp_path):
    model, feeds, want = _case(*shape, extremes)
    for build in (*BUILDS, "portable"):
        got = _run(model, feeds, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)
    assert "o2c_qgemm(" in (tmp_path / "portable" / "net.c").read_text()


@pytest.mark.parametrize("group", [1, 2])
def test_conv_integer_tiles_are_exact_in_every_build(group, tmp_path):
    """ConvInteger with uint8 x and constant int8 w: the packed conv's column tiles, as
    VNNI byte quads, into the int32 epilogue (padding holds x's zero point)."""
    rng = np.random.default_rng(7 + group)
    x = rng.integers(0, 256, (1, 6, 7, 9)).astype(np.uint8)
    w = rng.integers(-128, 128, (4, 6 // group, 3, 3)).astype(np.int8)
    attrs = dict(pads=[1, 1, 0, 1], strides=[1, 2], group=group)
    node = helper.make_node("ConvInteger", ["x", "w", "zx"], ["y"], **attrs)
    model = graph_model([node], [("x", TP.UINT8, x.shape)], [("y", TP.INT32, None)], 10,
                        [("w", w), ("zx", np.array(131, np.uint8))])
    want = quant_reference.conv_integer(x, w, 131, **attrs)
    for build in (*BUILDS, "portable"):
        got = _run(model, {"x": x}, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)
    assert "o2c_qconv(" in (tmp_path / "portable" / "net.c").read_text()


REQUANT_SHAPES = [(4, 64, 64), (16, 64, 128), (5, 37, 9), (7, 200, 70), (3, 40, 20)]


@pytest.mark.parametrize("shape", REQUANT_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("per_column", [False, True], ids=["tensor", "column"])
@pytest.mark.parametrize("y_type", [np.uint8, np.int8], ids=["u8", "s8"])
def test_requantized_products_are_exact_in_every_build(shape, per_column, y_type, tmp_path):
    """QLinearMatMul, uint8 A by constant int8 B, against the exact reference; the
    scales put most outputs inside the range and some at either end."""
    m, k, n = shape
    rng = np.random.default_rng(m * 1000 + k * 10 + n + per_column)
    a = rng.integers(0, 256, (m, k)).astype(np.uint8)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    sa, za = np.float32(0.02), np.uint8(rng.integers(0, 256))
    sb = (rng.uniform(0.5, 2.0, n) if per_column else np.array(1.3)).astype(np.float32) * 0.01
    zb = np.zeros(sb.shape, np.int8)
    sy = np.float32(0.03 * np.sqrt(k))
    zy = y_type(rng.integers(np.iinfo(y_type).min, np.iinfo(y_type).max + 1))
    node = helper.make_node("QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"],
                            ["y"])
    y_tp = TP.UINT8 if y_type == np.uint8 else TP.INT8
    model = graph_model([node], [("a", TP.UINT8, (m, k))], [("y", y_tp, (m, n))], 21,
                        [("sa", sa), ("za", za), ("b", b), ("sb", sb), ("zb", zb),
                         ("sy", sy), ("zy", zy)])
    want = quant_reference.qlinear_matmul(a, sa, za, b, sb, zb, sy, zy)
    info = np.iinfo(y_type)
    assert 0 < np.count_nonzero((want == info.min) | (want == info.max)) < want.size // 2
    for build in (*BUILDS, "portable"):
        got = _run(model, {"a": a}, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)
    assert "o2c_qgemm(" in (tmp_path / "portable" / "net.c").read_text()
