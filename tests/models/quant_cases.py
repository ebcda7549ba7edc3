"""The quantized test models (tests/models/quant/) and the ones whose float parts keep them
from matching onnxruntime bit for bit, with the reason; tests/models/test_quant_models.py
and tests/targets/test_models_on_targets.py share this list."""
from __future__ import annotations

from pathlib import Path

QUANT_DIR = Path(__file__).resolve().parent / "quant"
NAMES = sorted(p.stem for p in QUANT_DIR.glob("*.onnx"))

_GRU = ("the GRU stays float (quantize_dynamic leaves it), and onnx2c's float sigmoid and "
        "tanh differ from onnxruntime's approximations in the last bit; the quantized "
        "MatMul after it is exact given the same input")
_UNET = ("a linear Resize between quantized tensors runs in float in onnxruntime (QDQ), or "
         "with its own integer interpolation (QOperator), with CPU-specific formulas "
         "(x86 and ARM NEON differ); onnx2c interpolates as onnx.reference, so single "
         "steps differ there and spread through the decoder's convolutions")
# name -> why it is compared with onnxruntime within tolerance, not bit for bit; between
# targets the C is compared bit for bit with the host's, except where LIBM says why not
NOT_BIT_EXACT = {"gru_ts_dyn": _GRU, "gru_dynamo_dyn": _GRU, "unet_ts_qdq_u8s8": _UNET,
                 "unet_dynamo_qdq_s8s8_pc": _UNET, "unet_ts_qop_s8s8_pc": _UNET,
                 "unet_dynamo_qop_u8s8": _UNET}
# float parts that call the C library's expf/tanhf, whose last bits differ between glibc,
# newlib and wasi-libc: on the targets, these compare with onnxruntime within tolerance
LIBM = {"gru_ts_dyn", "gru_dynamo_dyn"}
