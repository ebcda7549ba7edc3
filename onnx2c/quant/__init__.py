"""Compile-time arithmetic of the integer (int8) path: onnxruntime's float32 constants,
weight packing and lookup tables. Shared by the QDQ passes and the quantized op
lowerings; it imports neither."""
from __future__ import annotations

import numpy as np

from ..ir import DType
from ..ir.optable import COMPILER_DOMAIN

# the private domain of the integer ops the passes emit (QConv, QGemm, QLookup, ...)
DOMAIN = COMPILER_DOMAIN + ".int8"

EIGHT_BIT = (DType.INT8, DType.UINT8)


def qrange(dtype: DType) -> tuple[int, int]:
    """The value range of an 8-bit quantized type."""
    info = np.iinfo(dtype.np)
    return int(info.min), int(info.max)
