"""Conv, ConvInteger, QLinearConv and ConvTranspose over 1-D, 2-D and 3-D images.

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
from .matmul import Accum, plain_accum, qparam, requant
from .registry import Kernel, op


@dataclass(frozen=True)
class ConvDirect:
    shape: ConvGeometry
    transpose: bool
    acc: Accum
    x: int          # node input index of the image
    w: int          # ... and of the weights
    plane: bool     # in place: each output channel goes through a one-plane scratch


def _direct(node, g, ix: int, iw: int, acc: Accum, transpose: bool = False) -> Kernel:
    s, y = geometry(node, g, ix, iw, transpose), out(node, g)
    # a depthwise conv whose output plane matches its input plane can run in place: each
    # output channel reads only its own input channel, so it is computed into a one-plane
    # scratch and copied over that channel once it is done (TinyEngine's trick)
    plane = not transpose and s.groups == s.in_c == s.out_c and s.in_size == s.out_size \
        and y.dtype.bits >= 8
    p = ConvDirect(s, transpose, acc, ix, iw, plane)
    if plane:
        return Kernel("ops/conv.c.j2", p, scratch=s.out_plane * y.dtype.bits // 8, inplace=[ix])
    return Kernel("ops/conv.c.j2", p)


def _bias(node, g, i: int) -> str:
    b = inp(node, g, i)
    return qparam(node, g, i, "oc") if b is not None else "0"


@op("Conv")
def lower_conv(node, g):
    if out(node, g).dtype == DType.FLOAT:
        return lower_conv_f32(node, g)
    acc = plain_accum(out(node, g))
    acc.init = _bias(node, g, 2)
    return _direct(node, g, 0, 1, acc)


@op("ConvTranspose")
def lower_conv_transpose(node, g):
    if out(node, g).dtype == DType.FLOAT:
        return lower_conv_f32(node, g, transpose=True)
    acc = plain_accum(out(node, g))
    acc.init = _bias(node, g, 2)
    return _direct(node, g, 0, 1, acc, transpose=True)


@op("Conv", domain=DOMAIN)
def lower_fused_conv(node, g):
    return lower_conv_f32(node, g)


@op("ConvTranspose", domain=DOMAIN)
def lower_fused_conv_transpose(node, g):
    return lower_conv_f32(node, g, transpose=True)


def _per_channel(node, g, i: int, per_channel: bool = True) -> str:
    """Element of a per-tensor (or, if allowed, per-output-channel) quantization input."""
    v, channels = inp(node, g, i), out(node, g).shape[1]
    if v is not None and v.size != 1 and not (per_channel and v.size == channels):
        kind = f"one value or {channels}" if per_channel else "one value"
        raise CompileError(f"'{v.name}' has {v.size} values, expected {kind}", node,
                           reason=f"{node.op_type}: quantization parameter shape")
    return qparam(node, g, i, "0" if v is None or v.size == 1 else "oc")


@op("ConvInteger", since=10)
def lower_conv_integer(node, g):
    za = _per_channel(node, g, 2, False) if inp(node, g, 2) is not None else ""
    zb = _per_channel(node, g, 3) if inp(node, g, 3) is not None else ""
    return _direct(node, g, 0, 1, Accum("int32_t", za, zb))


@op("QLinearConv", since=10)
def lower_qlinear_conv(node, g):
    tensor = lambda i: _per_channel(node, g, i, False)
    scale = f"({tensor(1)} * {_per_channel(node, g, 4)}) / {tensor(6)}"
    acc = Accum("int32_t", tensor(2), _per_channel(node, g, 5),
                requant(node, out(node, g), scale, tensor(7)), init=_bias(node, g, 8))
    return _direct(node, g, 0, 3, acc)
