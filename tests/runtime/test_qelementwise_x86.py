"""QLinearAdd and QLinearMul spans sixteen at a time with AVX-512
(runtime_c/o2c_qelementwise.h's o2c_qbinary_span) give the exact reference's bytes in
every x86 build and with the portable C forced: all 65,536 pairs of 8-bit values
(rounding ties included), as two operands and as a span with a scalar, spans with a tail of fewer than sixteen, a broadcast operand
that steps along the span, and one that is a scalar for the span (either side)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP

from tests.ops.test_qlinear import NP, binary_case
from tests.runtime.test_qkernels_x86 import BUILDS, _run, pytestmark  # noqa: F401

# (sa, za, sb, zb, sy, zy); the uint8 ones put a sum inside the range where fused and
# unfused multiply-adds round apart
PARAMS = {TP.UINT8: [0.14749849, 253, 0.16368033, 92, 0.039044354, 182],
          TP.INT8: [0.021, -7, 0.052, 11, 0.037, -3]}
SHAPES = [((65536,), (65536,), None),          # filled in with every pair
          ((256, 256), (256, 1), "b"),         # every pair, b the scalar of a span
          ((3, 37), (3, 37), None),            # spans of 37: two vectors and a tail
          ((4, 40), (40,), None),              # b steps along the span, repeats per row
          ((2, 5, 19), (2, 5, 1), "b"),        # b a scalar per span
          ((2, 1, 1), (2, 3, 33), "a")]        # a a scalar per span


def _case(op, dt, shapes):
    a_shape, b_shape, scalar = shapes
    info = np.iinfo(NP[dt])
    if a_shape == (65536,):
        grid = np.arange(256, dtype=np.uint8).view(NP[dt])
        a, b = np.repeat(grid, 256), np.tile(grid, 256)
    elif b_shape == (256, 1):
        grid = np.arange(256, dtype=np.uint8).view(NP[dt])
        a, b = np.tile(grid, (256, 1)), grid[:, None].copy()
    else:
        rng = np.random.default_rng(len(a_shape) * 100 + a_shape[-1])
        a = rng.integers(info.min, info.max + 1, a_shape).astype(NP[dt])
        b = rng.integers(info.min, info.max + 1, b_shape).astype(NP[dt])
    sa, za, sb, zb, sy, zy = PARAMS[dt]
    p = [np.float32(sa), NP[dt](za), np.float32(sb), NP[dt](zb), np.float32(sy), NP[dt](zy)]
    model, want = binary_case(op, dt, a, b, p, scalar)
    return model, {"a": a, "b": b}, want


@pytest.mark.parametrize("shapes", SHAPES, ids=lambda s: "x".join(map(str, s[0])))
@pytest.mark.parametrize("dt", [TP.UINT8, TP.INT8], ids=["u8", "s8"])
@pytest.mark.parametrize("op", ["QLinearAdd", "QLinearMul"])
def test_spans_match_the_reference_in_every_build(op, dt, shapes, tmp_path):
    model, feeds, want = _case(op, dt, shapes)
    info = np.iinfo(NP[dt])
    assert np.any(want == info.min) and np.any(want == info.max) or want.size < 1000
    for build in (*BUILDS, "portable"):
        got = _run(model, feeds, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)
