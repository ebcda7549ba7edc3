"""The int8 models built for this CPU (-O3 -march=native: the AVX2 / AVX-512 / VNNI paths
of runtime_c/o2c_q*_x86.h on an x86-64 host, NEON on aarch64) give the same output bytes
as the portable C (-DO2C_PORTABLE). test_quant_models.py compares the portable build with
onnxruntime; the kernels alone are checked in tests/runtime/test_qkernels_x86.py."""
from __future__ import annotations

import numpy as np
import pytest

import onnx2c
from onnx2c.harness.build import build_host
from onnx2c.harness.verify import random_input
from tests.models.quant_cases import QUANT_DIR

# one u8 x s8 and one s8 x s8 per-channel model of each conv architecture, and a dynamic one
MODELS = ("dscnn_ts_qdq_u8s8", "dscnn_ts_qop_s8s8_pc", "mobilenetv1_dynamo_qop_u8s8",
          "resnet8_ts_qdq_u8s8", "resnet8_dynamo_qdq_s8s8_pc", "autoencoder_ts_dyn")


@pytest.mark.parametrize("name", MODELS)
def test_native_build_gives_the_portable_bytes(name, tmp_path):
    r = onnx2c.compile(QUANT_DIR / f"{name}.onnx", tmp_path / "src", name="net")
    rng = np.random.default_rng(1)
    feeds = {i.name: random_input(i.dtype, i.shape, rng) for i in r.inputs}
    outputs = {}
    for label, flags in (("native", ["-O3", "-march=native"]),
                         ("portable", ["-O3", "-DO2C_PORTABLE"])):
        status, outputs[label] = build_host(r, tmp_path / label, flags).run(feeds)
        assert status == 0, label
    for info, native, portable in zip(r.outputs, outputs["native"], outputs["portable"]):
        assert native.tobytes() == portable.tobytes(), info.name
