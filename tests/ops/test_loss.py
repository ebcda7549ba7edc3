"""NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss against onnxruntime, and target
classes outside [0, C) (other than ignore_index), which must give a negative status."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP

import onnx2c
from tests.conftest import O2C_ERR_INDEX, compile_host, run_and_compare, strict_compile
from tests.ops.test_attention import TOL, _model

rng = np.random.default_rng(2)
NLL, SCE = "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"


def _case(op, x_shape, dtype=TP.FLOAT, weight=False, log_prob=False, target=TP.INT64,
          ignore=None, **attrs):
    """Model and feeds: scores (N, C, d...), targets in [0, C) with every fourth one set to
    `ignore` (when given), and optional class weights."""
    np_dt = {TP.FLOAT: np.float32, TP.DOUBLE: np.float64, TP.FLOAT16: np.float16}[dtype]
    t_shape = [x_shape[0]] + list(x_shape[2:])
    t = rng.integers(0, x_shape[1], t_shape)
    if ignore is not None:
        t.reshape(-1)[::4] = ignore
        attrs["ignore_index"] = ignore
    inputs = [("x", dtype, list(x_shape)), ("t", target, t_shape)]
    feeds = dict(x=rng.standard_normal(x_shape).astype(np_dt),
                 t=t.astype(np.int64 if target == TP.INT64 else np.int32))
    if weight:
        inputs.append(("w", dtype, [x_shape[1]]))
        feeds["w"] = rng.random(x_shape[1]).astype(np_dt)
    outputs = [("y", dtype, None)] + ([("lp", dtype, None)] if log_prob else [])
    return _model(op, inputs, outputs, opset=13, **attrs), feeds


CASES = {
    "nll_nd_weight_ignore_mean": _case(NLL, (2, 4, 3, 5), weight=True, ignore=1),
    "nll_double_int32_sum": _case(NLL, (3, 6), TP.DOUBLE, target=TP.INT32, reduction="sum"),
    "nll_none_ignore_out_of_range": _case(NLL, (3, 5, 4), ignore=-100, reduction="none"),
    "sce_4d_weight_negative_ignore_log_prob": _case(SCE, (2, 3, 4, 2), weight=True,
                                                    log_prob=True, ignore=-1),
    "sce_f16_none": _case(SCE, (4, 7), TP.FLOAT16, reduction="none"),
    "sce_mean_no_weight_ignore": _case(SCE, (5, 3, 6), ignore=2, log_prob=True),
}


@pytest.mark.parametrize("name", CASES)
def test_against_onnxruntime(name, tmp_path):
    model, feeds = CASES[name]
    run_and_compare(model, feeds, tmp_path, "ort", **TOL)


@pytest.mark.parametrize("name", ["nll_nd_weight_ignore_mean", "nll_double_int32_sum",
                                  "sce_4d_weight_negative_ignore_log_prob", "sce_f16_none"])
def test_target_out_of_range_is_an_error(name, tmp_path):
    model, feeds = CASES[name]
    classes = feeds["x"].shape[1]
    _, host = compile_host(model, tmp_path)
    for bad in (classes, -2):
        t = feeds["t"].copy()
        t.reshape(-1)[-1] = bad
        status, _ = host.run({**feeds, "t": t})
        assert status == O2C_ERR_INDEX, f"target {bad} gave status {status}"


def test_generated_c_is_strict_c99(cc, tmp_path):
    for k, (model, _) in enumerate(CASES.values()):
        onnx2c.compile(model, tmp_path / "src", name=f"m{k}")
    strict_compile(cc, tmp_path / "src", tmp_path)
