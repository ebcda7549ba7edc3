"""The x86-64 paths of the int8 kernels (runtime_c/o2c_q*_x86.h: AVX2, AVX-512BW, VNNI)
give the same bytes as the portable C: every conv shape of tests/ops/test_qlinear.py
(pointwise, im2col, depthwise at strides 1, 2 and 3, rows of fewer and more than eight
outputs), int8 per channel and uint8 per tensor, built for this CPU with gcc and clang,
for AVX2 without AVX-512, and with the portable C forced (O2C_PORTABLE).  Random inputs
are checked against the exact integer reference; inputs of only the type's extremes
(-128/127, 0/255) against the portable build, whose sums they push furthest."""
from __future__ import annotations

import dataclasses
import platform
import shutil
import subprocess

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import numpy_helper

import onnx2c
from onnx2c.targets import get
from onnx2c.targets.run import run_model
from tests.ops.test_qlinear import CONVS, NP, conv_case
from tests.ops.test_qlinear import _model as qlinear_model, _ort as qlinear_ort

BUILDS = {   # name: (compiler, flags)
    "gcc-native": ("gcc", ("-O3", "-march=native")),
    "clang-native": ("clang", ("-O3", "-march=native")),
    "gcc-avx2": ("gcc", ("-O3", "-mavx2", "-mfma")),
}
PORTABLE = ("gcc", ("-O3", "-march=native", "-DO2C_PORTABLE"))
# tap-major shapes the x86 column words meet that CONVS has no case of: stride 2 with an
# even and an odd channel count (a row tile's masked loads at the border, the even bytes
# of two loads inside), and rows wide enough for inside tiles between border ones
X86_CONVS = {
    "3x3_s2_even": ((1, 4, 9, 17), (5, 4, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    "3x3_s2_odd": ((1, 5, 7, 19), (3, 5, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    "3x3_wide": ((1, 4, 5, 21), (3, 4, 3, 3), {"pads": [1, 1, 1, 1]}),
    # the uint8 VNNI conv (o2c_qconv_vnni.h): stride 3 (bytes one by one) over more than
    # eight rows, tiles over several output rows, the (c, kh, kw) order at stride 3, a
    # K of one quad with a last tile of one column, a strided 1x1
    "vnni_s3": ((1, 8, 11, 13), (11, 8, 3, 3), {"pads": [1, 1, 1, 1], "strides": [3, 3]}),
    "vnni_narrow": ((1, 4, 9, 3), (5, 4, 3, 3), {"pads": [1, 1, 1, 1]}),
    "vnni_rows_s3": ((1, 1, 10, 14), (4, 1, 3, 3), {"pads": [1, 1, 1, 1], "strides": [1, 3]}),
    "vnni_pointwise_c4": ((1, 4, 5, 5), (9, 4, 1, 1), {}),
    "vnni_1x1_s2": ((1, 8, 9, 9), (6, 8, 1, 1), {"strides": [2, 2]}),
    "vnni_bands": ((1, 256, 3, 3), (140, 256, 1, 1), {}),   # rows in two weight bands
    # (c, kh, kw) order read as kernel-row windows (o2c_qconv_vnni_phases.h): several
    # windows per kernel row, at strides 4 and 2, 1-D and 2-D
    "windows_1d_k80_s4": ((1, 1, 403), (5, 1, 80), {"strides": [4], "pads": [2, 3]}),
    "windows_3x7_s2": ((1, 3, 9, 23), (4, 3, 3, 7), {"strides": [2, 2], "pads": [1, 3, 1, 3]}),
    "windows_2x8_s4": ((1, 1, 6, 50), (3, 1, 2, 8), {"strides": [1, 4], "pads": [0, 1, 1, 2]}),
    # the AVX-512 depthwise plane (sixteen lanes over the flattened channel): dilated,
    # and stride 2 with uneven padding over several vectors and the masked last loads
    "depthwise_x512_dilated": ((1, 3, 11, 12), (3, 1, 3, 3),
                               {"group": 3, "dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    "depthwise_x512_s2": ((1, 2, 17, 19), (2, 1, 3, 3),
                          {"group": 2, "strides": [2, 2], "pads": [1, 0, 1, 1]}),
    # kernel rows of five and seven taps: two quads per row (uint8 with VNNI and VBMI)
    "depthwise_x512_5x5_s2": ((1, 3, 13, 17), (3, 1, 5, 5),
                              {"group": 3, "strides": [2, 2], "pads": [2, 2, 2, 2]}),
    "depthwise_x512_3x7": ((1, 2, 9, 11), (2, 1, 3, 7), {"group": 2, "pads": [1, 3, 1, 3]}),
}
CASES = [(name, dt, dt == TP.INT8) for name in sorted({**CONVS, **X86_CONVS})
         for dt in (TP.INT8, TP.UINT8)]
# the paths extreme inputs stress: the GEMM (pointwise, 10x4 columns) and depthwise rows
EXTREME = [c for c in CASES if c[0].startswith(("pointwise", "depthwise", "10x4", "3x3_s2", "vnni"))]


def _host_has_avx2() -> bool:
    if platform.machine() not in ("x86_64", "AMD64") or not shutil.which("gcc"):
        return False
    p = subprocess.run(["gcc", "-march=native", "-dM", "-E", "-"], input="",
                       capture_output=True, text=True)
    return "__AVX2__" in p.stdout


pytestmark = pytest.mark.skipif(not _host_has_avx2(), reason="needs an x86-64 host with AVX2")


def _run(model, feeds, build, folder):
    cc, flags = PORTABLE if build == "portable" else BUILDS[build]
    if not shutil.which(cc):
        pytest.skip(f"no {cc}")
    target = dataclasses.replace(get("host"), cc=cc, cflags=flags, stack_flags=())
    r = onnx2c.compile(model, folder, name="net")
    status, got = run_model(r, target, feeds, timeout=120)
    assert status == 0
    return got[0]


def _extremes(x: np.ndarray) -> np.ndarray:
    info = np.iinfo(x.dtype)
    pick = np.random.default_rng(5).integers(0, 3, x.shape)
    return np.where(pick == 0, info.min, np.where(pick == 1, info.max, 0)).astype(x.dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_int8_kernels_match_the_reference_in_every_build(case, tmp_path, monkeypatch):
    if case[0] in X86_CONVS:
        monkeypatch.setitem(CONVS, case[0], X86_CONVS[case[0]])
    model, feeds, want = conv_case(*case)
    for build in BUILDS:
        got = _run(model, feeds, build, tmp_path / build)
        np.testing.assert_array_equal(got, want, err_msg=build)


@pytest.mark.parametrize("case", EXTREME, ids=lambda c: "-".join(map(str, c)))
def test_extreme_inputs_give_the_portable_bytes(case, tmp_path, monkeypatch):
    if case[0] in X86_CONVS:
        monkeypatch.setitem(CONVS, case[0], X86_CONVS[case[0]])
    model, feeds, _ = conv_case(*case)
    feeds = {"x": _extremes(feeds["x"])}
    assert feeds["x"].dtype == NP[case[1]]
    portable = _run(model, feeds, "portable", tmp_path / "portable")
    np.testing.assert_array_equal(_run(model, feeds, "gcc-native", tmp_path / "native"),
                                  portable)


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("dt", [TP.INT8, TP.UINT8])
def test_lookup_in_every_build(dt, build, tmp_path):
    """o2c_qlookup's 64-byte permutes (AVX-512 VBMI) over every byte value, with
    a last block of 44 bytes: onnxruntime's bytes."""
    x = np.resize(np.arange(256, dtype=np.uint8), (2, 3, 50)).view(NP[dt])
    p = [np.float32(0.05), np.asarray(7, NP[dt]), np.float32(1 / 256),
         np.asarray(-128 if dt == TP.INT8 else 0, NP[dt])]
    m = qlinear_model("QLinearSigmoid", [("x", dt, x.shape), "sx", "zx", "sy", "zy"],
                      list(zip(["sx", "zx", "sy", "zy"], p)), dt, x.shape)
    np.testing.assert_array_equal(_run(m, {"x": x}, build, tmp_path),
                                  qlinear_ort(m, {"x": x})[0])


@pytest.mark.parametrize("name", ["pointwise", "3x3_rgb_s2", "depthwise_s1", "depthwise_5x5"])
def test_infinite_and_nan_scales_give_the_portable_bytes(name, tmp_path):
    """The VNNI conv and AVX-512 depthwise skip the NaN step of the requantization where a
    channel's scale is finite: channels whose weight scale is inf, -inf or NaN (products
    of inf, or NaN) still give the portable C's bytes."""
    model, feeds, _ = conv_case(name, TP.UINT8, True)
    sw = next(t for t in model.graph.initializer if t.name == "sw")
    scales = numpy_helper.to_array(sw).copy()
    scales[:3] = [np.inf, -np.inf, np.nan]
    sw.CopyFrom(numpy_helper.from_array(scales, "sw"))
    portable = _run(model, feeds, "portable", tmp_path / "portable")
    np.testing.assert_array_equal(_run(model, feeds, "gcc-native", tmp_path / "native"),
                                  portable)
