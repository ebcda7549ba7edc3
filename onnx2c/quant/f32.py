"""Exact float32 arithmetic at compile time, to reproduce onnxruntime's constants and
lookup tables bit for bit.

numpy's float32 operations are IEEE single precision with round-to-nearest-even, so
`np.float32(a) * np.float32(b)` is exactly what onnxruntime's C++ computes. What numpy
lacks is a fused multiply-add, which onnxruntime's AVX2/FMA3 and NEON kernels use; fma()
below rounds the exact a * b + c once, via rational arithmetic.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np


def round_to_f32(value: Fraction) -> np.float32:
    """value rounded to the nearest float32, ties to even (no overflow handling needed:
    callers stay far inside the float32 range)."""
    if value == 0:
        return np.float32(0.0)
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    ulp = Fraction(2) ** (max(exponent, -126) - 23)     # float32's spacing at value
    steps = magnitude / ulp
    whole = steps.numerator // steps.denominator
    rest = steps - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    result = np.float32(float(whole * ulp))              # exact: a float32 value
    return -result if value < 0 else result


def fma(a, b, c) -> np.ndarray:
    """Elementwise a * b + c rounded once to float32 (a, b, c broadcast)."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float32) for v in (a, b, c)))
    out = np.empty(a.shape, np.float32)
    for i in np.ndindex(a.shape):
        out[i] = round_to_f32(Fraction(float(a[i])) * Fraction(float(b[i])) +
                              Fraction(float(c[i])))
    return out


def quantize(values, scale, zero_point: int, lo: int, hi: int) -> np.ndarray:
    """onnxruntime's MlasQuantizeLinear: values / scale (float32 division), clamped to
    [lo - zero, hi - zero], rounded half to even, plus the zero point."""
    scaled = np.asarray(values, np.float32) / np.float32(scale)
    clamped = np.clip(scaled, np.float32(lo - zero_point), np.float32(hi - zero_point))
    return (np.rint(clamped).astype(np.int64) + zero_point).astype(np.int64)


def dequantize_all(dtype_np, scale, zero_point: int) -> np.ndarray:
    """The 256 values of an 8-bit type, in byte order (0..255 as stored), dequantized
    as onnxruntime's lookup-table builders do: scale * (x - zero) in float32."""
    codes = np.arange(256, dtype=np.uint8).view(dtype_np).astype(np.int64)
    return np.float32(scale) * (codes - zero_point).astype(np.float32)


# MLAS's logistic: a rational approximation on [-18, 18] (the polynomial Eigen uses),
# evaluated with fused multiply-adds by onnxruntime's FMA3 and NEON kernels
_ALPHA = [4.37031012579801e-11, 1.15627324459942e-07, 6.08574864600143e-05,
          8.51377133304701e-03, 2.48287947061529e-01]
_BETA = [6.10247389755681e-13, 5.76102136993427e-09, 6.29106785017040e-06,
         1.70198817374094e-03, 1.16817656904453e-01, 9.93151921023180e-01]


def logistic(x) -> np.ndarray:
    """onnxruntime's float32 Sigmoid (MlasComputeLogistic), bit for bit."""
    x = np.clip(np.asarray(x, np.float32), np.float32(-18.0), np.float32(18.0))
    x2 = x * x
    alpha = [np.float32(v) for v in _ALPHA]
    beta = [np.float32(v) for v in _BETA]
    p = fma(x2, alpha[0], alpha[1])
    for coefficient in alpha[2:]:
        p = fma(p, x2, coefficient)
    p = p * x
    q = fma(x2, beta[0], beta[1])
    for coefficient in beta[2:]:
        q = fma(q, x2, coefficient)
    return np.clip(p / q + np.float32(0.5), np.float32(0.0), np.float32(1.0))


def dequantize(x: np.ndarray, scale: np.ndarray, zero: np.ndarray | None,
               axis: int = 1) -> np.ndarray:
    """DequantizeLinear as onnxruntime computes it: (x - zero) converted to float32, times
    the float32 scale; per tensor or along `axis`."""
    x = np.asarray(x)
    scale = np.asarray(scale, np.float32)
    zero = np.zeros_like(scale, np.int64) if zero is None else np.asarray(zero, np.int64)
    if scale.size > 1:
        shape = [1] * x.ndim
        shape[axis % x.ndim] = scale.size
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return (x.astype(np.int64) - zero).astype(np.float32) * scale
