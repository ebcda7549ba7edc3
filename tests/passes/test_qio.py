"""passes/qio.py (--quantized-io): the 8-bit tensors behind a quantized model's
QuantizeLinear inputs and DequantizeLinear outputs become its inputs and outputs. The C
fed onnxruntime's own quantization of an input returns the integers whose dequantization
is onnxruntime's float output, bit for bit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

from onnx2c.harness.oracle import ort_session
from onnx2c.harness.verify import dequantize
from tests.conftest import compile_host, graph_model

QUANT = Path(__file__).resolve().parents[1] / "models" / "quant"


def _ort_quantize(x: np.ndarray, scale: float, zero: int, dtype) -> np.ndarray:
    """onnxruntime's QuantizeLinear of x: the independent oracle for the input bytes."""
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"])
    zero_arr = np.array(zero, dtype)
    m = graph_model([node], [("x", TP.FLOAT, x.shape)],
                    [("q", helper.np_dtype_to_tensor_dtype(zero_arr.dtype), x.shape)], 19,
                    [("s", np.float32(scale)), ("z", zero_arr)])
    return ort_session(m).run(None, {"x": x})[0]


@pytest.mark.parametrize("name", ["dscnn_dynamo_qdq_s8s8_pc", "lenet5_ts_qop_s8s8_pc",
                                  "resnet8_ts_qdq_u8s8"])
def test_quantized_io_matches_onnxruntime(name, tmp_path):
    path = QUANT / f"{name}.onnx"
    r, host = compile_host(path, tmp_path, name="net", quantized_io=True)
    floats, _ = compile_host(path, tmp_path / "float", name="net")
    assert all(i.quant and i.dtype.np.itemsize == 1 for i in r.inputs + r.outputs)
    assert [i.nbytes * 4 for i in r.inputs] == [i.nbytes for i in floats.inputs]
    header = (r.out_dir / "net.h").read_text()
    assert f"real = {r.inputs[0].quant[0]:.9g} * (q - ({r.inputs[0].quant[1]}))" in header
    rng = np.random.default_rng(1)
    x = {i.name: rng.standard_normal(i.shape).astype(np.float32) for i in floats.inputs}
    feeds = {i.name: _ort_quantize(x[i.name], *i.quant, i.dtype.np) for i in r.inputs}
    status, got = host.run(feeds)
    assert status == 0
    want = ort_session(path).run([o.name for o in r.outputs], x)
    for g, w, info in zip(got, want, r.outputs):
        assert dequantize(g, info).tobytes() == w.tobytes()


def test_float_model_keeps_float_io(tmp_path):
    m = graph_model([helper.make_node("Relu", ["x"], ["y"])], [("x", TP.FLOAT, (3,))],
                    [("y", TP.FLOAT, (3,))])
    r, _ = compile_host(m, tmp_path, quantized_io=True)
    assert [(i.dtype.onnx_name, i.quant) for i in r.inputs + r.outputs] == \
        [("float", None), ("float", None)]
