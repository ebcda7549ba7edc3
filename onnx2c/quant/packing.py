"""Constant operands in the layouts the integer kernels stream (runtime_c/o2c_qgemm.h).

The layouts are the same for every target, as the generated C is; the header's comment
describes them and tests/runtime holds the two to each other.
"""
from __future__ import annotations

import math

import numpy as np


# O2C_QTILE (runtime_c/o2c_qlayout.h): the data columns (output positions, or rows of a
# matrix product's A) a column tile of the integer GEMM holds
TILE_COLUMNS = 4


def subtract_zero_point(w: np.ndarray, zero) -> np.ndarray | None:
    """w - zero per row (axis 0) as int8, or None when a difference leaves int8 (a uint8
    weight with an off-centre zero point): the integer kernels take int8 weights."""
    rows = w.shape[0]
    zero = np.broadcast_to(np.asarray(zero, np.int64).reshape(-1), (rows,))
    diff = w.astype(np.int64).reshape(rows, -1) - zero[:, None]
    if diff.size and (diff.min() < -128 or diff.max() > 127):
        return None
    return diff.astype(np.int8).reshape(w.shape)


def row_pairs(w: np.ndarray) -> np.ndarray:
    """(rows, K) int8 as o2c_qgemm.h's row pairs: rows padded to even, K to a multiple
    of 4, and for row pair r and k pair kk the bytes w[2r,2kk] w[2r+1,2kk] w[2r,2kk+1]
    w[2r+1,2kk+1]."""
    rows, k = w.shape
    padded = np.zeros((rows + rows % 2, -(-k // 4) * 4), np.int8)
    padded[:rows, :k] = w
    pairs = padded.reshape(-1, 2, padded.shape[1] // 2, 2)   # (pair, row, kk, k&1)
    return np.ascontiguousarray(pairs.transpose(0, 2, 3, 1)).reshape(-1)


def rows_order(cin: int, k_w: int) -> bool:
    """Whether o2c_qconv.h orders a group's columns as ONNX does, (c, kh, kw), the kernel
    width padded to even (o2c_qconv_order): for an odd channel count no wider than the
    kernel, where padding the width costs no more than padding the channels."""
    return cin % 2 == 1 and (k_w % 2 == 0 or cin <= k_w)


def conv_k(cin: int, k_h: int, k_w: int) -> int:
    """K of a column (o2c_qconv_k): the group's taps, padded as rows_order says."""
    if rows_order(cin, k_w):
        return cin * k_h * (k_w + k_w % 2)
    return k_h * k_w * (cin + cin % 2)


def conv_rows(w: np.ndarray) -> np.ndarray:
    """Conv weights (out_c, cin, k...) as rows in o2c_qconv.h's column order: ONNX's
    (c, kh, kw), the kernel width padded to even with zero weights, for an odd cin no
    wider than the kernel (rows_order); else tap by tap, channels inner, the channel
    count padded to even with zero weights."""
    out_c, cin = w.shape[:2]
    if rows_order(cin, w.shape[-1]):
        k_w = w.shape[-1]
        padded = np.zeros(w.shape[:-1] + (k_w + k_w % 2,), w.dtype)
        padded[..., :k_w] = w
        return padded.reshape(out_c, -1)
    taps = int(np.prod(w.shape[2:], dtype=np.int64))
    padded = np.zeros((out_c, cin + cin % 2, taps), w.dtype)
    padded[:, :cin] = w.reshape(out_c, cin, taps)
    return np.ascontiguousarray(padded.transpose(0, 2, 1)).reshape(out_c, -1)


def groups_row_pairs(w: np.ndarray, groups: int) -> np.ndarray:
    """Conv weights (out_c, in_c / groups, k...) packed group by group (conv_rows)."""
    per_group = w.reshape((groups, w.shape[0] // groups) + w.shape[1:])
    return np.concatenate([row_pairs(conv_rows(g)) for g in per_group])


def row_sums(weights: np.ndarray) -> np.ndarray:
    """Each row's sum (int64): what a data zero point times the row adds to its sums."""
    return weights.reshape(weights.shape[0], -1).astype(np.int64).sum(axis=1)


def fold_zero_point(bias, weights: np.ndarray, zero: int) -> np.ndarray:
    """bias - zero * (the sum of each row of weights): the kernels multiply the 8-bit
    data as stored, so the data's zero point moves into the bias (exact in int32)."""
    rows = weights.shape[0]
    sums = row_sums(weights)
    base = np.zeros(rows, np.int64) if bias is None else \
        np.broadcast_to(np.asarray(bias, np.int64).reshape(-1), (rows,))
    return (base - int(zero) * sums).astype(np.int32)


def fixed_multipliers(scales: np.ndarray) -> np.ndarray:
    """(multiplier, shift) int32 pairs with scale ~= multiplier * 2^-31 * 2^-shift and the
    multiplier in [2^30, 2^31): TFLite's and CMSIS-NN's fixed-point requantization
    (o2c_requant_fixed). shift may be negative (a left shift) for scales >= 1."""
    out = np.zeros((len(scales), 2), np.int32)
    for i, scale in enumerate(np.asarray(scales, np.float64)):
        if not scale > 0:                               # zero, negative or NaN: zero
            continue
        # from 2^30 up every nonzero accumulator saturates, as it does at 2^30: a left
        # shift of 31, the most o2c_requant_fixed's int64 product holds
        mantissa, exponent = math.frexp(min(scale, 2.0 ** 30))
        multiplier = round(mantissa * (1 << 31))
        if multiplier == 1 << 31:
            multiplier //= 2
            exponent += 1
        shift = -exponent
        if shift > 31:                                  # too small to matter: zero
            multiplier, shift = 0, 0
        out[i] = (multiplier, shift)
    return out
