"""Pow with a constant scalar exponent of 2 or 3 is a product, as in onnxruntime, whose
outputs it matches bit for bit; other exponents still go through pow()."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.oracle import ort_session
from tests.conftest import graph_model

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5])
@pytest.mark.parametrize("dtype, np_type", [(TP.FLOAT, np.float32), (TP.DOUBLE, np.float64)])
def test_pow_by_a_constant_exponent(exponent, dtype, np_type, build, tmp_path):
    node = helper.make_node("Pow", ["x", "e"], ["y"])
    m = graph_model([node], [("x", dtype, (3, 33))], [("y", dtype, (3, 33))], 17,
                    [("e", np.array(exponent, np_type))])
    x = (RNG.standard_normal((3, 33)) * 40).astype(np_type)
    x[0, :3] = [0.0, -0.0, 1e20]
    if exponent == 0.5:
        x = np.abs(x)
    runner = build(m)
    status, got = runner.run({"x": x})
    assert status == 0
    c = (tmp_path / "src" / "model.c").read_text()
    assert ("pow" in c) == (exponent == 0.5)
    want = ort_session(m).run(None, {"x": x})[0]
    if exponent == 0.5:
        np.testing.assert_allclose(got[0], want, rtol=1e-6)
    else:
        assert got[0].tobytes() == want.tobytes()
