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
