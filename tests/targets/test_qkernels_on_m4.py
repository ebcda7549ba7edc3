"""The Cortex-M4 DSP paths of the int8 kernels (runtime_c/o2c_q*_arm.h and the DSP
branches of o2c_qim2col.h / o2c_qrequant.h) on the board in QEMU, bit for bit against the
exact integer references: every conv shape of tests/ops/test_qlinear.py (pointwise tiles
of 4, 4 and 1 columns, odd row counts, (c, kh, kw) columns with a padded kernel width,
depthwise rows of every group/pair/single mix at strides 1, 2 and 3), int8 with
per-channel and uint8 with per-tensor scales; and QuantizeLinear of float32 inputs whose
length is not a multiple of 4, with ties and values beyond int32."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP

import onnx2c
from onnx2c.targets import get
from onnx2c.targets.run import run_model
from tests import quant_reference as ref
from tests.conftest import one_node_model
from tests.ops.test_qlinear import CONVS, conv_case
from tests.targets.board import run_cases

TARGET = get("cortex-m4")
CASES = [(name, dt, dt == TP.INT8) for name in sorted(CONVS) for dt in (TP.INT8, TP.UINT8)]
QUANTIZE = [(TP.INT8, 7), (TP.UINT8, 13)]
ALL = CASES + QUANTIZE


def _quantize_case(dt, n):
    np_type = np.int8 if dt == TP.INT8 else np.uint8
    scale, zero = np.float32(0.5), np_type(3)
    x = np.linspace(-200.0, 200.0, n).astype(np.float32)
    x[:4] = [0.25, 0.75, 3e9, -3e9]         # ties of x / 0.5 = 0.5, 1.5; beyond int32
    m = one_node_model("QuantizeLinear", [("x", TP.FLOAT, [n]), ("s", TP.FLOAT, []),
                                          ("z", dt, [])], [("y", dt, [n])], 13,
                       inits=[("s", scale), ("z", zero)])
    return m, {"x": x}, ref.quantize(x, scale, zero, np_type)


def _run(case, folder):
    model, feeds, want = conv_case(*case) if case[0] in CONVS else _quantize_case(*case)
    r = onnx2c.compile(model, folder, name="net")
    status, got = run_model(r, TARGET, feeds, timeout=120)
    return status, got, want


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_cases(TARGET, ALL, _run, tmp_path_factory, "qm4")


@pytest.mark.parametrize("case", ALL, ids=lambda c: "-".join(map(str, c)))
def test_int8_kernel_on_cortex_m4(case, results):
    status, got, want = results[case]
    assert status == 0
    np.testing.assert_array_equal(got[0], want)
