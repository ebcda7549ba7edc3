"""DynamicQuantizeLinear's range on x86 (runtime_c/o2c_quant.h: running minima and
maxima sixteen floats at a time under AVX2) gives the portable C's scale, zero point
and bytes in every x86 build: against onnx's reference where it defines the result,
and against the portable build with NaNs and signed zeros in the data, which the
vector comparisons must skip and order exactly as the scalar ones do.  QuantizeLinear
by a constant scale (sixteen quotients at a time with AVX-512) gives the exact
reference's bytes, NaN, infinities, ties and values past the range included."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator

import onnx2c
from onnx2c.targets import get
from onnx2c.targets.run import run_model
from tests.conftest import graph_model
from tests.runtime.test_qkernels_x86 import BUILDS, PORTABLE, pytestmark  # noqa: F401


def _model(n):
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zero"])
    return graph_model([node], [("x", TP.FLOAT, (n,))],
                       [("y", TP.UINT8, (n,)), ("scale", TP.FLOAT, ()), ("zero", TP.UINT8, ())],
                       13)


def _outputs(model, feeds, build, folder):
    cc, flags = PORTABLE if build == "portable" else BUILDS[build]
    target = dataclasses.replace(get("host"), cc=cc, cflags=flags, stack_flags=())
    status, got = run_model(onnx2c.compile(model, folder, name="net"), target, feeds, timeout=120)
    assert status == 0
    return got


@pytest.mark.parametrize("n", [15, 16, 37, 1000])
def test_range_matches_the_reference_in_every_build(n, tmp_path):
    x = np.random.default_rng(n).normal(0, 3, n).astype(np.float32)
    x[n // 2] = -7.5 if n > 16 else x[n // 2]        # the minimum past the first vector
    model = _model(n)
    want = ReferenceEvaluator(model).run(None, {"x": x})
    for build in BUILDS:
        got = _outputs(model, {"x": x}, build, tmp_path / build)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w, err_msg=build)


@pytest.mark.parametrize("case", ["nan", "zeros", "positive"])
def test_nans_and_signed_zeros_give_the_portable_result(case, tmp_path):
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 5, 53).astype(np.float32)
    if case == "nan":
        x[[0, 9, 17, 40]] = np.nan
    elif case == "zeros":
        x[:] = np.where(rng.integers(0, 2, 53) == 0, -0.0, 0.0)
    else:
        x = np.abs(x) + 1
    model = _model(x.size)
    portable = _outputs(model, {"x": x}, "portable", tmp_path / "portable")
    for build in BUILDS:
        got = _outputs(model, {"x": x}, build, tmp_path / build)
        for g, w in zip(got, portable):
            assert g.tobytes() == w.tobytes(), build


@pytest.mark.parametrize("y_type", [TP.UINT8, TP.INT8], ids=["u8", "s8"])
@pytest.mark.parametrize("n", [7, 16, 53])
def test_quantize_matches_the_exact_reference_in_every_build(n, y_type, tmp_path):
    scale, zero = np.float32(0.25), (131 if y_type == TP.UINT8 else -5)
    rng = np.random.default_rng(n)
    x = rng.normal(0, 30, n).astype(np.float32)
    special = [np.nan, np.inf, -np.inf, 1e30, -1e30, 0.125, 0.375, -0.125, -0.375, -0.0]
    x[:min(n, len(special))] = special[:n]                  # ties: 0.5 and 1.5 steps
    z_type = np.uint8 if y_type == TP.UINT8 else np.int8
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])
    model = graph_model([node], [("x", TP.FLOAT, (n,))], [("y", y_type, (n,))], 13,
                        [("s", np.array(scale)), ("z", np.array(zero, z_type))])
    info = np.iinfo(z_type)
    q = np.rint(np.clip(np.nan_to_num(x / scale, nan=0.0), -1e9, 1e9))
    want = np.clip(q.astype(np.int64) + zero, info.min, info.max).astype(z_type)
    for build in (*BUILDS, "portable"):
        got = _outputs(model, {"x": x}, build, tmp_path / build)[0]
        np.testing.assert_array_equal(got, want, err_msg=build)
