"""Cast and CastLike: exact conversions between every numeric ONNX type.

Every conversion rounds once: a source wider than float32 (double, 32/64-bit integers)
reaches the float32-based narrowings of o2c_numeric.h rounded to odd (o2c_quant.h).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..csyntax.cexpr import load
from ..errors import CompileError
from ..ir import DType
from ._util import inp, out
from ..ir.optable import Kernel, op

_E8M0_MODE = {"up": "O2C_E8M0_ROUND_UP", "down": "O2C_E8M0_ROUND_DOWN",
              "nearest": "O2C_E8M0_ROUND_NEAREST"}
_HALF = {DType.FLOAT16: "f16", DType.BFLOAT16: "bf16"}
_PACKED_INT = (DType.INT4, DType.UINT4, DType.INT2, DType.UINT2)
# float to integer goes through int32 unless the result needs more (then wraps)
_VIA = {DType.INT64: "i64", DType.UINT64: "u64", DType.UINT32: "i64"}


def flat(n: int) -> tuple[list[int], list[int]]:
    """Loop extents and element strides for visiting n elements in order."""
    return ([], []) if n == 1 else ([n], [1])


def as_f32(src: DType, v: str) -> str:
    """v, a loaded src element, as a float32 that narrows correctly to any smaller float."""
    if src == DType.DOUBLE:
        return f"o2c_f64_to_f32_odd({v})"
    if src.is_int and src.bits >= 32:     # float32 holds every integer only up to 2^24
        return f"o2c_{'i' if src.is_signed else 'u'}64_to_f32_odd({v})"
    return v if src.compute == "float" else f"(float){v}"


@dataclass(frozen=True)
class Conversion:
    """Parameters of templates/ops/cast.c.j2 for Cast: the element at offset `at` (its
    `strides` per loop over `dims`) is stored as `value`, an expression that may read
    `at`, narrowed by the store with `saturate`, or as it is when `exact` (the value
    already has the output's storage type)."""
    dims: list[int]
    strides: list[int]
    value: str
    saturate: str
    exact: bool
    # the quantization ops: values read once before the loops, as (C type, name, value)
    constants: tuple[tuple[str, str, str], ...] = ()
    # DynamicQuantizeLinear: the uint8 scale and zero point of this many elements of in0
    # are found first (into out1, out2)
    dynamic_range: int | None = None
    # per-axis quantization: where the element's scale and zero point lie, read as `qat`
    param: "ParamIndex | None" = None


@dataclass(frozen=True)
class ParamIndex:
    """The offset `qat` of an element's scale and zero point: `strides` per loop, the
    loop's value divided by `per` (its block size, when above 1) first."""
    strides: list[int]
    per: list[int]


def convert(src: DType, dst: DType, v: str, saturate: str = "1",
            round_mode: str = "up") -> tuple[str, str, bool]:
    """(value to store, saturate, exact) for v, a value loaded from a src tensor."""
    if dst.is_int or dst in _PACKED_INT:
        if src.is_float:   # truncate, then wrap like an integer-to-integer cast
            via = _VIA.get(dst, "i32")
            v = f"o2c_{'f64' if src == DType.DOUBLE else 'f32'}_to_{via}({v})"
        return v, "1", False
    if src == DType.DOUBLE and dst in _HALF:
        return f"o2c_f64_to_{_HALF[dst]}({v})", "1", True
    if dst == DType.FLOAT8E8M0:
        return f"o2c_f32_to_e8m0({as_f32(src, v)}, {saturate}, {_E8M0_MODE[round_mode]})", "1", True
    if dst in (DType.FLOAT, DType.DOUBLE, DType.BOOL):
        return v, "1", False    # C's conversion is ONNX's rule
    return as_f32(src, v), saturate, False


@op("Cast", "CastLike")
def lower_cast(node, ctx):
    # CastLike's second input only gives the type: it is not a parameter
    x, dst = inp(node, ctx, 0), out(node, ctx).dtype
    if x.dtype == dst:
        return Kernel("ops/copy.c.j2", alias=True, inputs=[0])
    if DType.STRING in (x.dtype, dst):
        raise CompileError("Cast from or to string is not supported", node,
                           reason="Cast: string tensors")
    mode = node.attrs.get("round_mode", "up")
    if mode not in _E8M0_MODE:
        raise CompileError(f"unknown round_mode '{mode}'", node, reason="Cast: round_mode")
    dims, steps = flat(x.size)
    value, saturate, exact = convert(x.dtype, dst, load(x, "in0", "at"),
                                     "1" if node.attrs.get("saturate", 1) else "0", mode)
    return Kernel("ops/cast.c.j2", Conversion(dims, steps, value, saturate, exact), inputs=[0])

