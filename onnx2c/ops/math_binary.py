"""Binary, variadic and ternary elementwise ops with numpy broadcasting."""
from __future__ import annotations

from ..csyntax.literals import scalar
from ..ir import DType
from ._elementwise import elementwise
from ._util import inp, out
from ..ir.optable import op

_ARITH = {"Add": "a0 + a1", "Sub": "a0 - a1", "Mul": "a0 * a1"}
_COMPARE = {"Equal": "a0 == a1", "Less": "a0 < a1", "Greater": "a0 > a1",
            "LessOrEqual": "a0 <= a1", "GreaterOrEqual": "a0 >= a1",
            "And": "a0 && a1", "Or": "a0 || a1", "Xor": "!a0 != !a1",
            "BitwiseAnd": "a0 & a1", "BitwiseOr": "a0 | a1", "BitwiseXor": "a0 ^ a1"}


def _int_helper(dt: DType) -> str:
    return "i64" if dt.is_signed else "u64"


@op(*_ARITH)
def lower_arith(node, ctx):
    y = out(node, ctx)
    expr = _ARITH[node.op_type]
    if y.dtype.is_int and y.dtype.bits >= 32:
        # wrap like onnxruntime instead of signed-overflow UB: compute in unsigned
        u = "uint64_t" if y.dtype.bits == 64 else "uint32_t"
        expr = f"({y.dtype.compute})(({u})a0 {expr[3]} ({u})a1)"
    return elementwise(node, ctx, expr)


@op(*(t for t in _COMPARE if t != "Equal"))
@op("Equal", strings=True)
def lower_compare(node, ctx):
    if inp(node, ctx, 0).dtype == DType.STRING:     # only Equal takes strings
        from .strings import lower_string_equal
        return lower_string_equal(node, ctx)
    return elementwise(node, ctx, _COMPARE[node.op_type])


@op("Div")
def lower_div(node, ctx):
    y = out(node, ctx)
    if y.dtype.is_int:
        h = _int_helper(y.dtype)
        return elementwise(node, ctx, f"({y.dtype.compute})o2c_div_{h}(a0, a1)")
    return elementwise(node, ctx, "a0 / a1")


@op("Mod")
def lower_mod(node, ctx):
    y = out(node, ctx)
    fmod = node.attrs.get("fmod", 0)
    if y.dtype.is_float:
        f = "" if y.dtype.compute == "double" else "f"
        expr = f"fmod{f}(a0, a1)" if fmod else f"({y.dtype.compute})o2c_mod_float(a0, a1)"
    elif fmod:   # C's % truncates like fmod
        expr = f"a1 == 0 ? 0 : ({y.dtype.compute})(a0 % a1)" if not y.dtype.is_signed else \
            f"({y.dtype.compute})(a1 == 0 || a1 == -1 ? 0 : a0 % a1)"
    else:
        expr = f"({y.dtype.compute})o2c_mod_{_int_helper(y.dtype)}(a0, a1)"
    return elementwise(node, ctx, expr)


@op("Pow")
def lower_pow(node, ctx):
    y, e = out(node, ctx), inp(node, ctx, 1)
    if y.dtype in (DType.FLOAT, DType.DOUBLE) and e.data is not None and e.size == 1 and \
            float(e.data.reshape(-1)[0]) in (2.0, 3.0):
        # onnxruntime multiplies for a scalar exponent of 2 or 3 (and so do we: libm's
        # pow costs more than the rest of a LayerNorm)
        cube = float(e.data.reshape(-1)[0]) == 3.0
        return elementwise(node, ctx, "a0 * a0 * a0" if cube else "a0 * a0", inputs=[0])
    if y.dtype.compute == "float" and e.dtype.compute == "float":
        return elementwise(node, ctx, "powf(a0, a1)")
    if y.dtype.is_int:      # exact and wrapping; a float power converted without UB
        expr = "o2c_pow_i64((int64_t)a0, (int64_t)a1)" if e.dtype.is_int else \
            "o2c_f64_to_i64(pow((double)a0, (double)a1))"
        return elementwise(node, ctx, f"({y.dtype.compute}){expr}")
    return elementwise(node, ctx, f"({y.dtype.compute})pow((double)a0, (double)a1)")


@op("BitShift")
def lower_bitshift(node, ctx):
    y = out(node, ctx)
    bits, c = y.dtype.bits, y.dtype.compute
    u = "uint64_t" if bits == 64 else "uint32_t"
    # the amount counts as unsigned; shifting by the width or more is UB in C, ONNX wants
    # all bits shifted out (sign-filled for a right shift of a negative value)
    if node.attrs["direction"] == "LEFT":
        expr = f"({u})a1 >= {bits}u ? 0 : ({c})(({u})a0 << a1)"
    else:
        fill = f"(a0 < 0 ? ({c})-1 : 0)" if y.dtype.is_signed else "0"
        expr = f"({u})a1 >= {bits}u ? {fill} : ({c})(a0 >> a1)"
    return elementwise(node, ctx, expr)


def _fold(node, ctx, combine: str) -> list[str]:
    """Variadic op steps: r = a0, then r = combine(r, aj) for each further input."""
    present = [i for i in range(len(node.inputs)) if inp(node, ctx, i) is not None]
    return [f"a{present[0]}"] + [combine.format(b=f'a{i}') for i in present[1:]]


@op("Max", "Min")
def lower_maxmin(node, ctx):
    y = out(node, ctx)
    cmp = ">" if node.op_type == "Max" else "<"
    nan = " || {b} != {b}" if y.dtype.is_float else ""   # NaN wins, like numpy
    return elementwise(node, ctx, _fold(node, ctx, "({b} " + cmp + " r" + nan + ") ? {b} : r"))


@op("Sum", "Mean")
def lower_sum(node, ctx):
    y = out(node, ctx)
    body = _fold(node, ctx, "r + {b}")
    if node.op_type == "Mean":
        n = sum(1 for i in node.inputs if i)
        body.append(f"r / {scalar(n, y.dtype.compute)}")
    return elementwise(node, ctx, body)


@op("Where")
def lower_where(node, ctx):
    return elementwise(node, ctx, "a0 ? a1 : a2")


@op("PRelu")
def lower_prelu(node, ctx):
    x, slope = inp(node, ctx, 0), inp(node, ctx, 1)
    shapes = {}
    if node.version < 7 and len(slope.shape) == 1 and len(x.shape) > 2 and slope.size > 1:
        # before opset 7 a 1-D slope holds one value per channel (axis 1)
        shapes[1] = (slope.size,) + (1,) * (len(x.shape) - 2)
    return elementwise(node, ctx, "a0 < 0 ? a0 * a1 : a0", shapes=shapes)


@op("Clip")
def lower_clip(node, ctx):
    y = out(node, ctx)
    body = ["a0"]
    if node.version < 11:
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        for v, cmp in ((lo, "<"), (hi, ">")):
            if v is not None:
                lit = scalar(v, y.dtype.compute)
                body.append(f"r {cmp} {lit} ? {lit} : r")
        return elementwise(node, ctx, body, inputs=[0])
    for i, cmp in ((1, "<"), (2, ">")):
        if inp(node, ctx, i) is not None:
            body.append(f"r {cmp} a{i} ? a{i} : r")
    return elementwise(node, ctx, body)
