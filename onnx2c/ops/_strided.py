"""Data movement as a list of strided steps, the one lowering behind Transpose, Concat,
Split, Slice, Expand, Tile, Pad, EyeLike, ConstantOfShape and Dropout.

A step is a loop nest over `dims` that either copies src to dst or stores one value into
dst; each operand's element offset is affine in the loop variables (base + sum i_k *
stride_k, strides may be negative or zero). Unit axes are dropped and axes every operand
walks contiguously are fused, so a contiguous innermost run becomes one memcpy/memset.
"""
from __future__ import annotations

from dataclasses import dataclass

import re
from math import prod

import numpy as np

from ..csyntax.literals import scalar, storage_array
from ..ir import DType
from ..ir.optable import Kernel


def _merge(dims, stride_lists):
    out_dims, out_strs = [], [[] for _ in stride_lists]
    for k, d in enumerate(dims):
        if d == 1:
            continue
        if out_dims and all(s[-1] == t[k] * d for s, t in zip(out_strs, stride_lists)):
            out_dims[-1] *= d
            for s, t in zip(out_strs, stride_lists):
                s[-1] = t[k]
            continue
        out_dims.append(d)
        for s, t in zip(out_strs, stride_lists):
            s.append(t[k])
    return out_dims, out_strs


@dataclass(frozen=True)
class Affine:
    """An element offset base + sum(i_k * strides[k]) over a loop nest i0, i1, ...
    (strides may be negative or zero); the template spells it with `offset`."""
    base: int
    strides: list[int]


def packed_bits(dtype: DType) -> int:
    """Element width for the templates' raw get/put of 4/2-bit types; 0 when byte-sized."""
    return dtype.bits if dtype.is_packed else 0


def literal(value, dtype: DType) -> str:
    """C constant holding the raw storage of one element of dtype (packed: its code)."""
    raw = storage_array(np.asarray([value]).astype(dtype.np), dtype)
    code = int(raw[0]) & ((1 << dtype.bits) - 1) if dtype.is_packed else raw[0]
    return scalar(code, "uint8_t" if dtype.is_packed else dtype.ctype)


_ZEROS = {scalar(0, c) for c in ("float", "double", "int64_t", "uint64_t", "int32_t", "uint32_t",
                                  "uint16_t", "uint8_t")}


@dataclass(frozen=True)
class Move:
    """One step of templates/ops/strided_copy.c.j2: loops over `dims`, then moves `run`
    contiguous elements (one when 0) from `src` to `dst` at the offsets `offs` (dst
    first), or fills them with `value` (`byte`: the same as a memset byte, if any)."""
    dims: list[int]
    run: int
    bits: int                   # element bits of a packed type (0: whole bytes)
    offs: list[Affine]
    dst: str
    src: str | None
    value: str | None = None
    byte: str | None = None


@dataclass(frozen=True)
class StridedCopy:
    """Parameters of templates/ops/strided_copy.c.j2."""
    steps: list[Move]
    used: set[str]              # the C names the steps and checks read or write
    checks: list[str]           # C conditions on run-time inputs, else O2C_ERR_VALUE


class Moves:
    """Builder for ops/strided_copy.c.j2."""

    def __init__(self, dtype: DType):
        self.dtype = dtype
        self.steps: list[Move] = []
        self.checks: list[str] = []    # C conditions on run-time inputs, else O2C_ERR_VALUE

    def _step(self, dtype, dims, stride_lists, bases, **kw):
        dtype = dtype or self.dtype
        if prod(dims) == 0:
            return
        dims, strs = _merge(list(dims), [list(s) for s in stride_lists])
        bits = packed_bits(dtype)
        # innermost axis contiguous for every operand: one memcpy/memset per outer index
        run = dims[-1] if dims and not bits and all(s[-1] == 1 for s in strs) else 0
        outer = dims[:-1] if run else dims
        offs = [Affine(b, s[:len(outer)]) for b, s in zip(bases, strs)]
        self.steps.append(Move(outer, run, bits, offs, **kw))

    def move(self, dst: str, src: str, dims, dst_strides, src_strides, dst_base=0, src_base=0):
        self._step(None, dims, [dst_strides, src_strides], [dst_base, src_base],
                   dst=dst, src=src)

    def fill(self, dst: str, value: str, dims, dst_strides, base=0, dtype: DType | None = None):
        """value: a C expression of dst's storage type (packed: the element code)."""
        dtype = dtype or self.dtype
        # memset can store a literal zero, or any literal into 1-byte elements
        byte = "0" if value in _ZEROS else \
            (value if dtype.bits == 8 and re.fullmatch(r"-?\d+", value) else None)
        self._step(dtype, dims, [dst_strides], [base], dst=dst, src=None, value=value,
                   byte=byte)

    def kernel(self, inputs: list[int] | None = None) -> Kernel:
        used = {name for s in self.steps for name in (s.dst, s.src) if name}
        used |= {n for s in self.steps if not s.src for n in re.findall(r"\w+", s.value)}
        used |= {n for c in self.checks for n in re.findall(r"\w+", c)}
        return Kernel("ops/strided_copy.c.j2", StridedCopy(self.steps, used, self.checks), inputs=inputs)
