"""Reading the scales and zero points of quantized ops: compile-time scalars (the integer
kernels fold them into constants), with one error naming the input otherwise."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ..ir import DType
from ..quant import EIGHT_BIT, qrange
from ._util import const, inp, out


@dataclass(frozen=True)
class QParam:
    """One tensor's quantization: scale (float32) and zero point, and its 8-bit range."""
    scale: np.float32
    zero: int
    lo: int
    hi: int
    signed: bool


def scalar(node, ctx, i: int, what: str, default=None):
    """Input i of node as a compile-time scalar (default when the input is omitted)."""
    if inp(node, ctx, i) is None:
        if default is None:
            raise CompileError(f"input {i} ({what}) is required", node,
                               reason=f"{node.op_type}: missing {what}")
        return default
    v = const(node, ctx, i, f"the {what} the integer kernel is built for")
    if v.size != 1:
        raise CompileError(f"{what} must be one value (per-tensor), not {v.shape}", node,
                           reason=f"{node.op_type}: per-axis {what}")
    return v.reshape(-1)[0]


def eight_bit(node, dtype: DType) -> DType:
    if dtype not in EIGHT_BIT:
        raise CompileError(f"{node.op_type} of {dtype.onnx_name} is not supported (int8 "
                           "and uint8 are)", node, reason=f"{node.op_type}: dtype")
    return dtype


def qparam(node, ctx, scale_i: int, zero_i: int, dtype: DType) -> QParam:
    """The (scale, zero point) input pair at scale_i, zero_i for a tensor of dtype."""
    lo, hi = qrange(eight_bit(node, dtype))
    return QParam(np.float32(scalar(node, ctx, scale_i, "scale")),
                  int(scalar(node, ctx, zero_i, "zero point", 0)), lo, hi,
                  dtype == DType.INT8)


def output_param(node, ctx, scale_i: int, zero_i: int) -> QParam:
    return qparam(node, ctx, scale_i, zero_i, out(node, ctx).dtype)
