"""QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked) and DynamicQuantizeLinear."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..csyntax.cexpr import compute, load
from ..errors import CompileError
from ..ir import DType
from ._util import inp, norm_axis, out
from .cast import Conversion, ParamIndex, as_f32, flat
from ..ir.optable import Kernel, op, type_rule

_SAT = {DType.INT8: "i8", DType.UINT8: "u8", DType.INT16: "i16", DType.UINT16: "u16",
        DType.INT4: "i4", DType.UINT4: "u4", DType.INT2: "i2", DType.UINT2: "u2"}
_HALF = {DType.FLOAT16: "f16", DType.BFLOAT16: "bf16"}
_PRECISION = (DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16, DType.INT32,
              DType.FLOAT8E8M0)
_FLOATS = (DType.FLOAT8E4M3FN, DType.FLOAT8E4M3FNUZ, DType.FLOAT8E5M2, DType.FLOAT8E5M2FNUZ,
           DType.FLOAT4E2M1)


def _layout(node, ctx) -> tuple[list[int], list[int], ParamIndex | None]:
    """Loop extents, x's element strides per loop, and where the scale and zero point
    lie (None: one for the tensor)."""
    x, scale, zero = inp(node, ctx, 0), inp(node, ctx, 1), inp(node, ctx, 2)
    if zero is not None and zero.shape != scale.shape and not zero.size == scale.size == 1:
        raise CompileError(f"zero point shape {list(zero.shape)} differs from scale shape "
                           f"{list(scale.shape)}", node, reason="quantization zero point shape")
    if scale.size == 1:
        dims, steps = flat(x.size)
        return dims, steps, None
    shape = x.shape
    axis = norm_axis(node.attrs.get("axis", 1), len(shape), node)
    block = node.attrs.get("block_size", 0)
    outer, d, inner = prod(shape[:axis]), shape[axis], prod(shape[axis + 1:])
    if block:   # the reference accepts any scale extent whose blocks cover the axis
        ok = len(scale.shape) == len(shape) and scale.shape[axis] * block >= d and \
            all(s == n for k, (s, n) in enumerate(zip(scale.shape, shape)) if k != axis)
    else:
        ok = tuple(scale.shape) == (d,)
    if not ok:
        raise CompileError(f"scale shape {scale.shape} does not fit input {shape} on axis "
                           f"{axis} with block_size {block}", node,
                           reason="quantization scale shape")
    # loops over (outer, axis, inner); a loop of one iteration is left out
    loops = [k for k, n in enumerate((outer, d, inner)) if n != 1]
    pick = lambda three: [three[k] for k in loops]
    dims, steps = pick((outer, d, inner)), pick((d * inner, inner, 1))
    if not block:
        return dims, steps, ParamIndex(pick((0, 1, 0)), pick((1, 1, 1)))
    nb = scale.shape[axis]
    return dims, steps, ParamIndex(pick((nb * inner, inner, 1)), pick((1, block, 1)))


def _params(node, ctx, param: ParamIndex | None) -> tuple[list[tuple[str, str, str]], str, str | None]:
    """Constants to read before the loops (C type, name, value), and the C expressions
    of scale and zero point."""
    constants, exprs = [], []
    for k, name in ((1, "s"), (2, "zp")):
        v = inp(node, ctx, k)
        e = load(v, f"in{k}", "qat" if param else "0") if v is not None else None
        if e is not None and param is None:   # per-tensor: read once, not once per element
            c = compute(v)     # zero points of unsigned types fit int32 and stay signed
            constants.append(("int32_t" if c == "uint32_t" else c, name, e))
            e = name
        exprs.append(e)
    return constants, exprs[0], exprs[1]


def _as(c: str, v, expr: str) -> str:
    """expr, an element of v, converted to the C type c."""
    return expr if v.dtype.compute == c else f"({c}){expr}"


def _round(half: str, expr: str) -> str:
    """A float expression rounded to float16 or bfloat16 (half = f16 or bf16)."""
    return f"o2c_{half}_to_f32(o2c_f32_to_{half}({expr}))"


def _quantize(y: DType, q: str, zp: str | None, saturate: str, double: bool) -> tuple[str, str]:
    """(value to store, saturate) for quotient q (float, or double if `double`) plus zero
    point zp."""
    if y in (DType.INT8, DType.UINT8) and not double:      # the int8 models' inputs
        lo, hi = (-128, 127) if y == DType.INT8 else (0, 255)
        return f"o2c_quantize8({q}, {zp or 0}, {lo}, {hi})", "1"
    if y in _SAT:
        r = f"o2c_round_half_even_{'d' if double else 'f'}({q})"
        if zp is not None:
            r = f"o2c_add_sat_i32({r}, {zp})"
        return f"o2c_sat_{_SAT[y]}({r})", "1"
    q = q if zp is None else f"{q} + {zp}"
    return (f"o2c_f64_to_f32_odd({q})" if double else q), saturate


@type_rule("QuantizeLinear", domain="com.microsoft")
def _quantize_type(node, inputs):
    zero = inputs[2] if len(inputs) > 2 else None
    return [(zero.dtype if zero is not None else DType.UINT8, inputs[0].shape)]


@type_rule("DequantizeLinear", domain="com.microsoft")
def _dequantize_type(node, inputs):
    return [(inputs[1].dtype, inputs[0].shape)]


@dataclass(frozen=True)
class Quantize8:
    """float32 to int8/uint8 by one float32 scale (o2c_quantize8_n): the int8 models'
    inputs."""
    n: int
    has_zero: bool
    lo: int
    hi: int


def _quantize8(node, ctx) -> Kernel | None:
    x, scale, zero = (inp(node, ctx, k) for k in range(3))
    y = out(node, ctx).dtype
    if y not in (DType.INT8, DType.UINT8) or x.dtype != DType.FLOAT or x.size == 0 or \
            scale.dtype != DType.FLOAT or scale.size != 1 or \
            node.attrs.get("precision") not in (None, 0, DType.FLOAT.value):
        return None
    lo, hi = (-128, 127) if y == DType.INT8 else (0, 255)
    return Kernel("ops/quantize8.c.j2", Quantize8(x.size, zero is not None, lo, hi))


@op("QuantizeLinear", domain="com.microsoft")
@op("QuantizeLinear", since=10)
def lower_quantize(node, ctx):
    x, scale, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx).dtype
    fast = _quantize8(node, ctx)
    if fast is not None:
        return fast
    if y not in _SAT and y not in _FLOATS:
        raise CompileError(f"QuantizeLinear to {y.onnx_name} is not supported", node,
                           reason=f"QuantizeLinear: dtype {y.onnx_name}")
    dims, steps, param = _layout(node, ctx)
    constants, s, zp = _params(node, ctx, param)
    # x / scale is computed in `precision`, by default the scale's type (int32: double):
    # operands and quotient are rounded to it, as onnxruntime does
    prec = DType(node.attrs.get("precision") or scale.dtype)
    if prec not in _PRECISION:
        raise CompileError(f"QuantizeLinear in {prec.onnx_name} precision is not supported",
                           node, reason="QuantizeLinear: precision")
    double = prec in (DType.DOUBLE, DType.INT32)
    half = _HALF.get(prec)

    def operand(v, e: str) -> str:
        if half is None:
            return _as("double" if double else "float", v, e)
        return e if v.dtype == prec else _round(half, as_f32(v.dtype, e))

    q = f"{operand(x, load(x, 'in0', 'at'))} / {operand(scale, s)}"
    q = _round(half, q) if half else q
    sat = "1" if node.attrs.get("saturate", 1) else "0"
    value, saturate = _quantize(y, q, zp, sat, double)
    return Kernel("ops/cast.c.j2", Conversion(dims, steps, value, saturate, False,
                                              tuple(constants), param=param))


@op("DequantizeLinear", domain="com.microsoft")
@op("DequantizeLinear", since=10)
def lower_dequantize(node, ctx):
    x, scale, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    dims, steps, param = _layout(node, ctx)
    constants, s, zp = _params(node, ctx, param)
    v = load(x, "in0", "at")
    if zp is not None:
        # integer differences are exact in int32, or int64 for int32 inputs
        v = f"({'(int64_t)' if x.dtype.bits >= 32 else ''}{v} - {zp})"
    c = y.dtype.compute
    v = v if x.dtype.compute == c else f"({c}){v}"
    return Kernel("ops/cast.c.j2", Conversion(dims, steps, f"{v} * {_as(c, scale, s)}", "1",
                                              False, tuple(constants), param=param))


@op("DynamicQuantizeLinear", since=11)
def lower_dynamic_quantize(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    dims, steps = flat(x.size)
    value, saturate = _quantize(y.dtype, "in0[at] / s", "zp", "1", False)
    constants = (("float", "s", "out1[0]"), ("int32_t", "zp", "out2[0]"))
    return Kernel("ops/cast.c.j2", Conversion(dims, steps, value, saturate, False, constants,
                                              dynamic_range=x.size))
