"""Conv and ConvTranspose over 1-D, 2-D and 3-D images (the integer forms: ops/qconv.py).

Float32 Conv and ConvTranspose, and their fused forms (domain onnx2c, with an epilogue:
passes/fuse_epilogue.py), run on the kernel library (conv_f32.py). The other dtypes use
a direct loop (templates/ops/conv.c.j2) that visits only the kernel taps which land
inside the input and accumulates as an `Accum` says.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ._util import inp, out
from .conv_f32 import lower_conv_f32
from .conv_geometry import ConvGeometry, geometry
from .epilogue import DOMAIN
from .matmul import Accum, plain_accum
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class ConvDirect:
    shape: ConvGeometry
    transpose: bool
    acc: Accum
    x: int          # node input index of the image
    w: int          # ... and of the weights
    bias: int | None    # ... and of the bias, whose element oc starts the sum (None: 0)
    plane: bool     # in place: each output channel goes through a one-plane scratch


def _direct(node, ctx, ix: int, iw: int, acc: Accum, transpose: bool = False) -> Kernel:
    s, y = geometry(node, ctx, ix, iw, transpose), out(node, ctx)
    bias = 2 if _has_bias(node, ctx, 2) else None
    # a depthwise conv whose output plane matches its input plane can run in place: each
    # output channel reads only its own input channel, so it is computed into a one-plane
    # scratch and copied over that channel once it is done (TinyEngine's trick)
    plane = not transpose and s.groups == s.in_c == s.out_c and s.in_size == s.out_size \
        and y.dtype.bits >= 8
    p = ConvDirect(s, transpose, acc, ix, iw, bias, plane)
    if plane:
        return Kernel("ops/conv.c.j2", p, scratch=s.out_plane * y.dtype.bits // 8, inplace=[ix])
    return Kernel("ops/conv.c.j2", p)


def _has_bias(node, ctx, i: int) -> bool:
    b, channels = inp(node, ctx, i), out(node, ctx).shape[1]
    if b is not None and b.shape != (channels,):
        raise CompileError(f"bias '{b.name}' has shape {list(b.shape)}, the output has "
                           f"{channels} channels", node, reason=f"{node.op_type}: bias shape")
    return b is not None


@op("Conv")
def lower_conv(node, ctx):
    if out(node, ctx).dtype == DType.FLOAT:
        return lower_conv_f32(node, ctx)
    return _direct(node, ctx, 0, 1, plain_accum(out(node, ctx)))


@op("ConvTranspose")
def lower_conv_transpose(node, ctx):
    if out(node, ctx).dtype == DType.FLOAT:
        return lower_conv_f32(node, ctx, transpose=True)
    return _direct(node, ctx, 0, 1, plain_accum(out(node, ctx)), transpose=True)


@op("Conv", domain=DOMAIN)
def lower_fused_conv(node, ctx):
    return lower_conv_f32(node, ctx)


@op("ConvTranspose", domain=DOMAIN)
def lower_fused_conv_transpose(node, ctx):
    return lower_conv_f32(node, ctx, transpose=True)
