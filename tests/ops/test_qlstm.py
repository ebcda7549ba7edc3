"""com.microsoft DynamicQuantizeLSTM (passes/qlstm.py, ops/qlstm.py) against onnxruntime.

The matrix products are onnxruntime's exactly (data quantized at run time, int32 sums);
the gates are the float LSTM's, whose sigmoid and tanh come from the C library while
onnxruntime has its own approximations, so the comparison is the float tolerance."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.oracle import ort_session
from tests.conftest import build_and_run, graph_model

RNG = np.random.default_rng(3)


def _model(steps, batch, size, hidden, direction, per_channel, extras):
    dirs = 2 if direction == "bidirectional" else 1
    scales = (dirs, 4 * hidden) if per_channel else (dirs,)
    inits = [("w", RNG.integers(-127, 128, (dirs, size, 4 * hidden)).astype(np.int8)),
             ("r", RNG.integers(-127, 128, (dirs, hidden, 4 * hidden)).astype(np.int8)),
             ("ws", RNG.uniform(0.002, 0.01, scales).astype(np.float32)),
             ("wz", np.zeros(scales, np.int8)),
             ("rs", RNG.uniform(0.002, 0.01, scales).astype(np.float32)),
             ("rz", np.zeros(scales, np.int8))]
    names = {"b": "", "h0": "", "c0": "", "p": ""}
    if "bias" in extras:
        inits.append(("b", RNG.uniform(-0.5, 0.5, (dirs, 8 * hidden)).astype(np.float32)))
        names["b"] = "b"
    if "states" in extras:
        inits += [("h0", RNG.uniform(-1, 1, (dirs, batch, hidden)).astype(np.float32)),
                  ("c0", RNG.uniform(-1, 1, (dirs, batch, hidden)).astype(np.float32))]
        names.update(h0="h0", c0="c0")
    if "peepholes" in extras:
        inits.append(("p", RNG.uniform(-0.5, 0.5, (dirs, 3 * hidden)).astype(np.float32)))
        names["p"] = "p"
    node = helper.make_node(
        "DynamicQuantizeLSTM", ["x", "w", "r", names["b"], "", names["h0"], names["c0"],
                                names["p"], "ws", "wz", "rs", "rz"], ["y", "yh", "yc"],
        domain="com.microsoft", hidden_size=hidden, direction=direction)
    outputs = [("y", TP.FLOAT, (steps, dirs, batch, hidden)),
               ("yh", TP.FLOAT, (dirs, batch, hidden)), ("yc", TP.FLOAT, (dirs, batch, hidden))]
    return graph_model([node], [("x", TP.FLOAT, (steps, batch, size))], outputs,
                       {"": 17, "com.microsoft": 1}, inits)


@pytest.mark.parametrize("direction, per_channel, extras", [
    ("forward", False, ()),
    ("forward", True, ("bias", "states")),
    ("reverse", False, ("bias", "peepholes")),
    ("bidirectional", True, ("bias", "states", "peepholes"))])
@pytest.mark.parametrize("batch", [1, 3])
def test_dynamic_quantize_lstm(direction, per_channel, extras, batch, tmp_path):
    model = _model(7, batch, 10, 6, direction, per_channel, extras)
    x = RNG.standard_normal((7, batch, 10)).astype(np.float32)
    status, got = build_and_run(model, {"x": x}, tmp_path)
    assert status == 0
    for g, w in zip(got, ort_session(model).run(None, {"x": x})):
        np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-5)
