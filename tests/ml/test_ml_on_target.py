"""Every test model of tests/ml/models on the Cortex-M4 board in QEMU (arm-none-eabi-gcc,
single-precision FPU, newlib's libm) matches onnxruntime on the host as closely as the
host build does: labels exactly, scores within rtol 1e-5, atol 1e-6."""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

import onnx2c
from onnx2c.harness.verify import as_tensor, compare
from onnx2c.targets import get
from onnx2c.targets.run import run_model
from tests.ml.test_ml_models import ATOL, MODELS, RTOL, feeds_for
from tests.targets.board import run_cases

TARGET = get("cortex-m4")


def _run(name: str, folder):
    model, feeds = feeds_for(name)
    r = onnx2c.compile(model, folder, name="net",
                       shapes={k: v.shape for k, v in feeds.items()})
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = [as_tensor(w, o) for w, o in zip(sess.run([o.name for o in r.outputs], feeds),
                                            r.outputs)]
    status, got = run_model(r, TARGET, feeds, timeout=120)
    return status, got, want


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_cases(TARGET, MODELS, _run, tmp_path_factory, "m4")


@pytest.mark.parametrize("name", MODELS)
def test_ml_model_on_cortex_m4(name, results):
    status, got, want = results[name]
    assert status == 0
    for g, w in zip(got, want):
        ok, err_abs, err_rel = compare(g, np.asarray(w), RTOL, ATOL)
        assert ok, f"{name}: max abs err {err_abs}, max rel err {err_rel}"
