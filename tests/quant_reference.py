"""Exact integer references for the quantized operators, written from the ONNX specs and
onnxruntime's documented requantization, in int64 so nothing saturates or wraps.

onnxruntime is not enough as the only oracle here: its u8 x s8 kernels add pairs of
products in 16 bits (pmaddubsw) on x86 CPUs without VNNI and saturate, so its results
depend on the machine. These functions are what a correct kernel computes on any CPU.
"""
from __future__ import annotations

import numpy as np


def matmul_integer(a, b, a_zero=0, b_zero=0) -> np.ndarray:
    """MatMulInteger: (a - a_zero) @ (b - b_zero) as int32; b_zero per column allowed."""
    a = np.asarray(a, np.int64) - np.asarray(a_zero, np.int64)
    b = np.asarray(b, np.int64) - np.asarray(b_zero, np.int64)
    return np.matmul(a, b).astype(np.int32)


def conv_integer(x, w, x_zero=0, w_zero=0, pads=None, strides=None, dilations=None,
                 group: int = 1) -> np.ndarray:
    """ConvInteger over N-D images (NC...): int32 sums of (x - x_zero) * (w - w_zero);
    w_zero may hold one value per output channel."""
    x = np.asarray(x, np.int64) - np.asarray(x_zero, np.int64)
    w = np.asarray(w, np.int64)
    w = w - np.asarray(w_zero, np.int64).reshape((-1,) + (1,) * (w.ndim - 1))
    rank = x.ndim - 2
    pads = list(pads or [0] * 2 * rank)
    strides = list(strides or [1] * rank)
    dilations = list(dilations or [1] * rank)
    x = np.pad(x, [(0, 0), (0, 0)] + [(pads[a], pads[a + rank]) for a in range(rank)])
    kernel = w.shape[2:]
    out_sizes = [(x.shape[2 + a] - (kernel[a] - 1) * dilations[a] - 1) // strides[a] + 1
                 for a in range(rank)]
    cin_g, cout_g = w.shape[1], w.shape[0] // group
    y = np.zeros((x.shape[0], w.shape[0], *out_sizes), np.int64)
    for oc in range(w.shape[0]):
        xg = x[:, (oc // cout_g) * cin_g:(oc // cout_g + 1) * cin_g]
        for tap in np.ndindex(*kernel):
            window = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                           for t, d, o, s in zip(tap, dilations, out_sizes, strides))
            patch = xg[(slice(None), slice(None)) + window]
            y[:, oc] += np.einsum("nc...,c->n...", patch, w[(oc, slice(None)) + tap])
    return y.astype(np.int32)


def requantize(acc, scale, y_zero, dtype) -> np.ndarray:
    """onnxruntime's requantization of an int32 accumulator (bias included): float32(acc)
    times the float32 scale, rounded half to even, plus the zero point, saturated to the
    output type. scale broadcasts like acc (per channel: shape (C, 1, ...))."""
    info = np.iinfo(dtype)
    scaled = np.asarray(acc, np.int32).astype(np.float32) * np.asarray(scale, np.float32)
    q = np.rint(scaled).astype(np.int64) + np.int64(y_zero)
    return np.clip(q, info.min, info.max).astype(dtype)


def qlinear_conv(x, x_scale, x_zero, w, w_scale, w_zero, y_scale, y_zero, bias=None,
                 **conv_attrs) -> np.ndarray:
    """QLinearConv as onnxruntime computes it: the scale per output channel is
    (x_scale * w_scale) / y_scale in float32, in that order."""
    acc = conv_integer(x, w, x_zero, w_zero, **conv_attrs).astype(np.int64)
    if bias is not None:
        acc += np.asarray(bias, np.int64).reshape((1, -1) + (1,) * (acc.ndim - 2))
    scale = (np.float32(x_scale) * np.asarray(w_scale, np.float32)) / np.float32(y_scale)
    scale = np.asarray(scale, np.float32).reshape((1, -1) + (1,) * (acc.ndim - 2)) \
        if np.ndim(scale) else scale
    return requantize(acc.astype(np.int32), scale, y_zero, np.asarray(y_zero).dtype)


def saturate(q, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.asarray(q, np.int64), info.min, info.max).astype(dtype)


def quantize(x, scale, zero, dtype) -> np.ndarray:
    """QuantizeLinear: x / scale in float32, rounded half to even, plus the zero point."""
    q = np.rint(np.asarray(x, np.float32) / np.float32(scale)).astype(np.int64)
    return saturate(q + int(zero), dtype)


def qlinear_matmul(a, sa, za, b, sb, zb, sy, zy) -> np.ndarray:
    """QLinearMatMul: scale per column (a_scale * b_scale[n]) / y_scale in float32."""
    acc = np.matmul(np.asarray(a, np.int64) - np.int64(za),
                    np.asarray(b, np.int64) - np.asarray(zb, np.int64))
    scale = (np.float32(sa) * np.asarray(sb, np.float32)) / np.float32(sy)
    return requantize(acc.astype(np.int32), scale, zy, np.asarray(zy).dtype)


def qgemm(a, sa, za, b, sb, zb, c=None, sy=None, zy=None, alpha=1.0, trans_b=False):
    """com.microsoft QGemm: int32 bias added to the sums; requantized with
    ((alpha * a_scale) * b_scale) / y_scale, or scaled to float without y."""
    b = np.asarray(b).T if trans_b else np.asarray(b)
    acc = (np.asarray(a, np.int64) - np.int64(za)) @ (b.astype(np.int64) -
                                                      np.asarray(zb, np.int64))
    if c is not None:
        acc = acc + np.asarray(c, np.int64)
    scale = (np.float32(alpha) * np.float32(sa)) * np.asarray(sb, np.float32)
    if sy is None:
        return acc.astype(np.int32).astype(np.float32) * scale
    return requantize(acc.astype(np.int32), scale / np.float32(sy), zy, np.asarray(zy).dtype)


def _fma32(a, b, c) -> np.ndarray:
    """a * b + c rounded once to float32, through float64 - exact here, since a is an
    8-bit integer and b a float32 (asserted)."""
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    s = a * b + c
    assert np.all(s - c == a * b), "float64 did not hold the sum exactly"
    return s.astype(np.float32)


def qlinear_add(a, sa, za, b, sb, zb, sc, zc, scalar: str | None = None) -> np.ndarray:
    """QLinearAdd as onnxruntime's AVX2 kernel: a * (sa / sc) + (b * (sb / sc) + fixed),
    each step a fused multiply-add, fixed = zc - (ra * za + rb * zb) with the first product
    fused into the sum (that kernel's C++ is compiled with FMA); with `scalar` ("a" or "b")
    that operand is folded into the fixed part first (a broadcast span)."""
    ra, rb = np.float32(sa) / np.float32(sc), np.float32(sb) / np.float32(sc)
    fixed = np.float32(zc) - _fma32(ra, np.float32(za), rb * np.float32(zb))
    af, bf = np.asarray(a, np.float32), np.asarray(b, np.float32)
    if scalar == "b":
        v = _fma32(af, ra, fixed + bf * rb)
    elif scalar == "a":
        v = _fma32(bf, rb, fixed + af * ra)
    else:
        v = _fma32(af, ra, _fma32(bf, rb, fixed))
    return saturate(np.rint(v), np.asarray(zc).dtype)


def qlinear_mul(a, sa, za, b, sb, zb, sc, zc) -> np.ndarray:
    """QLinearMul: the exact integer product times (sa * sb) / sc, plus zc, in float32."""
    prod = (np.asarray(a, np.int64) - int(za)) * (np.asarray(b, np.int64) - int(zb))
    ratio = (np.float32(sa) * np.float32(sb)) / np.float32(sc)
    v = prod.astype(np.float32) * ratio + np.float32(zc)
    return saturate(np.rint(v), np.asarray(zc).dtype)


def lookup(fn, x, sx, zx, sy, zy) -> np.ndarray:
    """The lookup-table ops: x dequantized in float32, fn, quantized again."""
    dq = np.float32(sx) * (np.asarray(x, np.int64) - int(zx)).astype(np.float32)
    return quantize(fn(dq), sy, zy, np.asarray(zy).dtype)


def qlinear_global_average_pool(x, sx, zx, sy, zy) -> np.ndarray:
    """Integer sum over each plane minus zx * count, requantized with
    x_scale / (y_scale * count)."""
    x = np.asarray(x)
    count = int(np.prod(x.shape[2:]))
    acc = x.reshape(x.shape[:2] + (-1,)).astype(np.int64).sum(-1) - int(zx) * count
    scale = np.float32(sx) / (np.float32(sy) * np.float32(count))
    y = requantize(acc.astype(np.int32), scale, zy, np.asarray(zy).dtype)
    return y.reshape(x.shape[:2] + (1,) * (x.ndim - 2))


def qlinear_softmax(x, sx, zx, sy, zy, lane: int, signed: bool) -> np.ndarray:
    """QLinearSoftmax over the last axis with onnxruntime's float table of exp values
    (computed in double, stored as float32), summed in order."""
    import math
    shift = max(0.0, math.log(float(np.finfo(np.float32).max) / lane) - 5) / float(sx)
    table = np.zeros(256, np.float32)
    for i in range(256):
        table[(i - 128) & 0xFF if signed else i] = np.float32(
            math.exp((i - 255 + shift) * float(sx)))
    x = np.asarray(x)
    flat, out = x.reshape(-1, x.shape[-1]).astype(np.int64), []
    top_byte, y_scale = (127 if signed else 255), np.float32(math.floor(np.float32(1) / sy))
    hi = np.iinfo(np.asarray(zy).dtype).max
    for row in flat:
        idx = (top_byte - row.max() + row) & 0xFF
        total = np.float32(0)
        for k in idx:
            total = np.float32(total + table[k])
        q = np.rint((table[idx] * y_scale) / total).astype(np.int64) + int(zy)
        out.append(np.minimum(q, hi))
    return np.array(out).reshape(x.shape).astype(np.asarray(zy).dtype)
