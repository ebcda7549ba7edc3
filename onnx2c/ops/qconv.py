"""Integer convolutions: the private QConv (passes/qprepare.py: constant weights, packed)
and ONNX QLinearConv / ConvInteger with run-time weights (reference loops), over 1-D and
2-D NCHW images, on runtime_c/o2c_qconv.h.

QConv keeps the float path's memory tricks: a pointwise conv with as many outputs as
inputs, and a depthwise conv whose plane keeps its size, may write over their input.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op
from ..quant import DOMAIN, qrange
from ..quant.packing import TILE_COLUMNS, conv_k
from ._util import inp, out
from .conv_geometry import check_shapes


def tile_bytes(k: int) -> int:
    """o2c_qgemm_tile_bytes: a column tile of TILE_COLUMNS columns of k (padded to 4) int16."""
    return TILE_COLUMNS * (-(-k // 4) * 4) * 2


@dataclass(frozen=True)
class ConvShape:
    """o2c_qconv_shape's fields, in its order."""
    batch: int
    in_c: int
    in_h: int
    in_w: int
    out_c: int
    out_h: int
    out_w: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    pad_top: int
    pad_left: int
    groups: int

    def fields(self) -> list[int]:
        return list(self.__dict__.values())


def conv_shape(node, x, kernel, y) -> ConvShape:
    """The geometry of node (Conv attributes, auto_pad resolved) as a 2-D conv."""
    k = list(kernel)
    r = len(k)
    if r not in (1, 2):
        raise CompileError(f"{r}-D integer convolution is not supported (1-D and 2-D are)",
                           node, reason=f"{node.op_type}: {r}-D")
    s = list(node.attrs.get("strides") or [1] * r)
    d = list(node.attrs.get("dilations") or [1] * r)
    begin = list(node.attrs.get("pads") or [0] * 2 * r)[:r]
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        begin = [0] * r
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        for a in range(r):
            total = max(0, (y.shape[2 + a] - 1) * s[a] + (k[a] - 1) * d[a] + 1 - x.shape[2 + a])
            begin[a] = total // 2 if auto == "SAME_UPPER" else total - total // 2
    lift = lambda v, one: [one] * (2 - r) + list(v)
    ih, iw = lift(x.shape[2:], 1)
    oh, ow = lift(y.shape[2:], 1)
    kh, kw = lift(k, 1)
    (sh, sw), (dh, dw), (pt, pl) = lift(s, 1), lift(d, 1), lift(begin, 0)
    return ConvShape(x.shape[0], x.shape[1], ih, iw, y.shape[1], oh, ow, kh, kw, sh, sw,
                     dh, dw, pt, pl, int(node.attrs.get("group", 1)))


def _dw_scratch(s: ConvShape) -> int:
    """o2c_qdwconv_scratch_bytes: the padded channel plane and the slack its loads read."""
    rows = max((s.out_h - 1) * s.stride_h + (s.k_h - 1) * s.dil_h + 1, s.pad_top + s.in_h)
    cols = max((s.out_w - 1) * s.stride_w + (s.k_w - 1) * s.dil_w + 1, s.pad_left + s.in_w)
    return (rows + s.stride_h) * (cols + 1) + 68


@dataclass(frozen=True)
class QConv:
    shape: ConvShape
    depthwise: bool
    x_signed: bool
    x_zero: int
    mode: str              # "requant", "int32"
    fixed: bool            # requantize with Q31 multipliers (--requant fixed)
    per_channel: bool
    y_zero: int
    lo: int
    hi: int
    bias: bool
    scratch: bool = True   # the kernel gets scratch (a column tile; a plane in place)


@op("QConv", domain=DOMAIN)
def lower_qconv(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    s = conv_shape(node, x, node.attrs["kernel_shape"], y)
    mode = node.attrs["mode"]
    lo, hi = qrange(y.dtype) if mode == "requant" else (0, 0)
    scale = inp(node, ctx, 3)
    fixed = node.attrs.get("requant") == "fixed"
    per_channel = scale is not None and scale.shape[0] > 1
    p = QConv(s, node.attrs["depthwise"], x.dtype == DType.INT8, node.attrs["x_zero"], mode,
              fixed, per_channel, node.attrs.get("y_zero", 0), lo, hi,
              inp(node, ctx, 2) is not None)
    same_bytes = x.nbytes == y.nbytes
    if p.depthwise:
        inplace = same_bytes and (s.in_h, s.in_w) == (s.out_h, s.out_w)
        return Kernel("ops/qconv.c.j2", p, scratch=_dw_scratch(s),
                      inplace=[0] if inplace else [])
    pointwise = (s.k_h, s.k_w, s.stride_h, s.stride_w, s.pad_top, s.pad_left) == \
        (1, 1, 1, 1, 0, 0) and s.groups == 1 and same_bytes
    k = conv_k(s.in_c // s.groups, s.k_h, s.k_w)
    return Kernel("ops/qconv.c.j2", p, scratch=tile_bytes(k),
                  inplace=[0] if pointwise else [])


@dataclass(frozen=True)
class QConvRef:
    shape: ConvShape
    x_signed: bool
    w_signed: bool
    integer: bool          # ConvInteger: int32 sums, no requantization
    w_zeros: int           # values in the weight zero point (1 or out_c), 0 if omitted
    lo: int
    hi: int
    scales: int            # weight scales (1 or out_c)


@op("QLinearConv", since=10)
@op("ConvInteger", since=10)
def lower_qlinear_conv(node, ctx):
    integer = node.op_type == "ConvInteger"
    x, w, y = inp(node, ctx, 0), inp(node, ctx, 1 if integer else 3), out(node, ctx)
    if not integer and y.dtype not in (DType.INT8, DType.UINT8):
        raise CompileError(f"QLinearConv to {y.dtype.onnx_name} is not supported", node,
                           reason="QLinearConv: dtype")
    check_shapes(node, x, w, y, node.attrs.get("group", 1), transpose=False)
    wz = inp(node, ctx, 3 if integer else 5)
    lo, hi = qrange(y.dtype) if not integer else (0, 0)
    p = QConvRef(conv_shape(node, x, w.shape[2:], y), x.dtype == DType.INT8, w.dtype == DType.INT8,
                 integer, wz.size if wz is not None else 0, lo, hi,
                 1 if integer else inp(node, ctx, 4).size)
    return Kernel("ops/qconv_ref.c.j2", p, scratch=0 if integer else 4 * y.shape[1])
