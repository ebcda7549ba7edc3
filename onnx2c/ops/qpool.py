"""com.microsoft QLinearGlobalAveragePool, QLinearAveragePool and QLinearSoftmax, with
onnxruntime's arithmetic, and the pools' type rules.

Global pooling (and an average pool whose window is the whole unpadded image, which
onnxruntime routes to it) sums the integers and requantizes the sum with
x_scale / (y_scale * count). Other average pools dequantize, sum each window in float
(rows, then columns) and quantize the mean. QLinearSoftmax uses onnxruntime's table of
exp values, built at compile time with the same double-precision exp.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ..ir.optable import Kernel, op, type_rule
from ._qparams import output_param, qparam
from ._util import Lanes, inp, lane_loops, norm_axis, out

MS = "com.microsoft"


def _pool_shape(node, shape):
    """Output shape of an average pool (NCHW), onnxruntime's rules for pads and ceil."""
    k = list(node.attrs["kernel_shape"])
    r = len(k)
    s = list(node.attrs.get("strides") or [1] * r)
    pads = list(node.attrs.get("pads") or [0] * 2 * r)
    auto = node.attrs.get("auto_pad", "NOTSET")
    dims = []
    for a in range(r):
        i = shape[2 + a]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            dims.append(-(-i // s[a]))
        else:
            total = 0 if auto == "VALID" else pads[a] + pads[a + r]
            rounding = math.ceil if node.attrs.get("ceil_mode", 0) else math.floor
            dims.append(int(rounding((i + total - k[a]) / s[a])) + 1)
    return tuple(shape[:2]) + tuple(dims)


@type_rule("QLinearGlobalAveragePool", "QLinearAveragePool", domain=MS)
def _pool_type(node, inputs):
    x = inputs[0]
    if node.attrs.get("channels_last", 0):
        return [None]
    if node.op_type == "QLinearGlobalAveragePool":
        return [(x.dtype, tuple(x.shape[:2]) + (1,) * (len(x.shape) - 2))]
    return [(x.dtype, _pool_shape(node, x.shape))]


@dataclass(frozen=True)
class QPool:
    channels: int                # batch x channels planes
    global_pool: bool
    plane: int                   # global: elements summed per channel
    x_zero: int
    scale: np.float32            # global: x_scale / (y_scale * plane)
    y_zero: int
    lo: int
    hi: int
    # window path (2-D, in NCHW): geometry, the dequantizing scale, and y_scale
    in_hw: tuple = (1, 1)
    out_hw: tuple = (1, 1)
    kernel: tuple = (1, 1)
    stride: tuple = (1, 1)
    pad: tuple = (0, 0)
    count_pad: bool = False
    x_scale: np.float32 = np.float32(1)
    y_scale: np.float32 = np.float32(1)


def _check_layout(node):
    if node.attrs.get("channels_last", 0):
        raise CompileError("channels_last pooling is not supported", node,
                           reason=f"{node.op_type}: channels_last")


@op("QLinearGlobalAveragePool", "QLinearAveragePool", domain=MS)
def lower_qlinear_pool(node, ctx):
    _check_layout(node)
    x, y = inp(node, ctx, 0), out(node, ctx)
    px, py = qparam(node, ctx, 1, 2, x.dtype), output_param(node, ctx, 3, 4)
    channels, spatial = x.shape[0] * x.shape[1], tuple(x.shape[2:])
    kernel = tuple(node.attrs.get("kernel_shape", spatial))
    r = len(spatial)
    pads = tuple(node.attrs.get("pads") or [0] * 2 * r)
    whole = node.op_type == "QLinearGlobalAveragePool" or (
        kernel == spatial and not any(pads) and
        node.attrs.get("auto_pad", "NOTSET") in ("NOTSET", "VALID"))
    plane = int(np.prod(spatial, dtype=np.int64))
    if whole:
        scale = px.scale / (py.scale * np.float32(plane))
        return Kernel("ops/qpool.c.j2", QPool(channels, True, plane, px.zero, scale,
                                              py.zero, py.lo, py.hi), inputs=[0])
    if r > 2 or node.attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or \
            any(d != 1 for d in node.attrs.get("dilations") or []):
        raise CompileError("QLinearAveragePool beyond 2-D windows with explicit pads is "
                           "not supported", node, reason="QLinearAveragePool: geometry")
    lift = lambda t: (1,) * (2 - len(t)) + tuple(t)
    strides = tuple(node.attrs.get("strides") or [1] * r)
    p = QPool(channels, False, plane, px.zero, np.float32(1), py.zero, py.lo, py.hi,
              lift(spatial), lift(y.shape[2:]), lift(kernel), lift(strides),
              lift(pads[:r]), bool(node.attrs.get("count_include_pad", 0)),
              px.scale, py.scale)
    return Kernel("ops/qpool.c.j2", p, inputs=[0])


@dataclass(frozen=True)
class QSoftmax:
    lanes: Lanes
    table: np.ndarray           # float32[256], indexed by the shifted byte
    y_scale: np.float32         # floor(1 / y_scale)
    y_zero: int
    hi: int
    signed: bool


def softmax_table(x_scale: np.float32, lane: int, signed: bool) -> np.ndarray:
    """onnxruntime's QLinearSoftmax table: exp((i - 255 + shift) * x_scale) in double,
    the shift keeping a lane's sum finite, stored as float32 at byte (i - 128 if signed)."""
    shift = math.log(float(np.finfo(np.float32).max) / lane)
    shift = max(0.0, shift - 5) / float(x_scale)
    table = np.zeros(256, np.float32)
    for i in range(256):
        table[(i - 128) & 0xFF if signed else i] = np.float32(
            math.exp((float(i) - 255 + shift) * float(x_scale)))
    return table


@op("QLinearSoftmax", domain=MS)
def lower_qlinear_softmax(node, ctx):
    x = inp(node, ctx, 0)
    px, py = qparam(node, ctx, 1, 2, x.dtype), output_param(node, ctx, 3, 4)
    rank, opset = len(x.shape), int(node.attrs.get("opset", 13))
    axis = norm_axis(node.attrs.get("axis", 1 if opset < 13 else -1), rank, node)
    shape = x.shape
    if opset < 13:      # the lanes are everything from axis on, flattened
        shape = tuple(x.shape[:axis]) + (int(np.prod(x.shape[axis:], dtype=np.int64)),)
    lanes = lane_loops(shape, axis)
    y_scale = np.float32(math.floor(np.float32(1.0) / py.scale))
    p = QSoftmax(lanes, softmax_table(px.scale, lanes.n, px.signed), y_scale, py.zero,
                 py.hi, px.signed)
    return Kernel("ops/qsoftmax.c.j2", p, inputs=[0], inplace=[0])
