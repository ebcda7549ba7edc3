"""The quantized test models (tests/models/quant/) and the ones whose float parts keep them
from matching onnxruntime bit for bit, with the reason; tests/models/test_quant_models.py
and tests/targets/test_models_on_targets.py share this list."""
from __future__ import annotations

from pathlib import Path

QUANT_DIR = Path(__file__).resolve().parent / "quant"
NAMES = sorted(p.stem for p in QUANT_DIR.glob("*.onnx"))

_DYNAMIC = ("quantize_dynamic quantizes only the matrix products: the operators between them "
            "(BatchNormalization, LayerNormalization, Softmax, the GRU and LSTM gates) are "
            "float, and where onnx2c's float kernels differ from onnxruntime's in the last "
            "bit, the next DynamicQuantizeLinear can choose another scale; the quantized "
            "products themselves are exact given the same input")
_UNET = ("a linear Resize between quantized tensors runs in float in onnxruntime (QDQ), or "
         "with its own integer interpolation (QOperator), with CPU-specific formulas "
         "(x86 and ARM NEON differ); onnx2c interpolates as onnx.reference, so single "
         "steps differ there and spread through the decoder's convolutions")
# name -> why it is compared with onnxruntime within tolerance, not bit for bit; between
# targets the C is compared bit for bit with the host's, except where LIBM says why not
NOT_BIT_EXACT = {**{n: _DYNAMIC for n in NAMES if n.endswith("_dyn")},
                 **{n: _UNET for n in NAMES if n.startswith("unet_")}}
# float parts that call the C library (expf, tanhf, erff...), whose last bits differ
# between glibc, newlib and wasi-libc: on the targets these compare with onnxruntime
# within tolerance
LIBM = {n for n in NAMES if n.endswith("_dyn")}
