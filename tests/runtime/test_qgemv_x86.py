"""The single-row integer GEMM (o2c_qgemm.h's o2c_qgemv; x86 VNNI kernel in
runtime_c/o2c_qgemv_x86.h): quantize_dynamic's batch-1 MatMulInteger with a run-time
zero point of A, in every x86 build and with the portable C forced, against the exact
int64 product. Shapes cover a block of sixteen rows, fewer, an odd last row, the row
pair's 64-byte steps with and without a masked tail, and A of two and three rows."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from tests.conftest import graph_model
from tests.runtime.test_qkernels_x86 import BUILDS, _extremes, _run, pytestmark  # noqa: F401

SHAPES = [(1, 5, 3), (1, 32, 16), (1, 37, 9), (1, 64, 33), (1, 100, 40), (2, 128, 17),
          (3, 7, 50), (1, 640, 128)]


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
def test_single_row_products_are_exact_in_every_build(shape, extremes, tmp_path):
    model, feeds, want = _case(*shape, extremes)
    for build in (*BUILDS, "portable"):
        got = _run(model, feeds, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)
    assert "o2c_qgemm(" in (tmp_path / "portable" / "net.c").read_text()
