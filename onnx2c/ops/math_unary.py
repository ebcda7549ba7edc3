"""Unary math and activation functions, all through the elementwise template."""
from __future__ import annotations

import math

from ..csyntax.literals import scalar
from ._elementwise import elementwise
from ._util import inp, out, require_float
from ..ir.optable import op, type_rule

# body templates: {f} is the math-function suffix ('f' for float compute, '' for double),
# {c} the compute type; x is the input value a0
_FLOAT_FUNCS = {
    "Sqrt": "sqrt{f}(a0)", "Exp": "exp{f}(a0)", "Log": "log{f}(a0)", "Erf": "erf{f}(a0)",
    "Sin": "sin{f}(a0)", "Cos": "cos{f}(a0)", "Tan": "tan{f}(a0)", "Asin": "asin{f}(a0)",
    "Acos": "acos{f}(a0)", "Atan": "atan{f}(a0)", "Sinh": "sinh{f}(a0)", "Cosh": "cosh{f}(a0)",
    "Tanh": "tanh{f}(a0)", "Asinh": "asinh{f}(a0)", "Acosh": "acosh{f}(a0)",
    "Atanh": "atanh{f}(a0)", "Floor": "floor{f}(a0)", "Ceil": "ceil{f}(a0)",
    "Round": "o2c_round_even{f}(a0)", "Reciprocal": "({c})1 / a0",
    "Sigmoid": "({c})1 / (({c})1 + exp{f}(-a0))",
    "Softsign": "a0 / (({c})1 + fabs{f}(a0))",
    "Softplus": "a0 > 0 ? a0 + log1p{f}(exp{f}(-a0)) : log1p{f}(exp{f}(a0))",
    "Mish": "a0 * tanh{f}(a0 > 0 ? a0 + log1p{f}(exp{f}(-a0)) : log1p{f}(exp{f}(a0)))",
    "HardSwish": "a0 * fmax{f}(({c})0, fmin{f}(({c})1, a0 / ({c})6 + ({c})0.5))",
}

# ops defined for integers as well; {c} is the compute type
_ANY_TYPE = {
    "Neg": "-a0",
    "Relu": "a0 > 0 ? a0 : ({c})0",
    "Sign": "a0 > 0 ? ({c})1 : (a0 < 0 ? ({c})-1 : a0)",
    "Not": "!a0",
    "BitwiseNot": "~a0",
}


def _fmt(expr: str, y) -> str:
    return expr.format(f="" if y.dtype.compute == "double" else "f", c=y.dtype.compute)


@op(*_FLOAT_FUNCS)
def lower_float_unary(node, ctx):
    x = inp(node, ctx, 0)
    require_float(node, x)
    return elementwise(node, ctx, _fmt(_FLOAT_FUNCS[node.op_type], out(node, ctx)))


def _negated(y) -> str:
    """-a0 in y's compute type; for 32- and 64-bit integers through unsigned arithmetic, so
    that the most negative value wraps to itself as in onnxruntime rather than overflow."""
    if y.dtype.is_int and y.dtype.bits >= 32:
        return f"({y.dtype.compute})(0u - (uint{y.dtype.bits}_t)a0)"
    return "-a0"


@op(*_ANY_TYPE)
def lower_any_unary(node, ctx):
    y = out(node, ctx)
    expr = _negated(y) if node.op_type == "Neg" else _fmt(_ANY_TYPE[node.op_type], y)
    return elementwise(node, ctx, expr)


@op("Abs")
def lower_abs(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    expr = _fmt("fabs{f}(a0)", y) if x.dtype.is_float else \
        f"a0 < 0 ? {_negated(y)} : a0" if x.dtype.is_signed else "a0"
    return elementwise(node, ctx, expr)


_PARAM_FUNCS = {
    # attributes appear as {name}; they become literals of the compute type
    "LeakyRelu": "a0 >= 0 ? a0 : {alpha} * a0",
    "Elu": "a0 >= 0 ? a0 : {alpha} * (exp{f}(a0) - ({c})1)",
    "Selu": "a0 > 0 ? {gamma} * a0 : {gamma} * ({alpha} * exp{f}(a0) - {alpha})",
    "Celu": "fmax{f}(({c})0, a0) + fmin{f}(({c})0, {alpha} * (exp{f}(a0 / {alpha}) - ({c})1))",
    "HardSigmoid": "fmax{f}(({c})0, fmin{f}(({c})1, {alpha} * a0 + {beta}))",
    "ThresholdedRelu": "a0 > {alpha} ? a0 : ({c})0",
    "Shrink": "a0 < -{lambd} ? a0 + {bias} : (a0 > {lambd} ? a0 - {bias} : ({c})0)",
    "Swish": "a0 / (({c})1 + exp{f}(-{alpha} * a0))",
}


@op(*_PARAM_FUNCS)
def lower_param_unary(node, ctx):
    y = out(node, ctx)
    compute = y.dtype.compute if y.dtype.is_float else "double"
    lits = {k: f"({scalar(float(v), compute)})" for k, v in node.attrs.items()
            if isinstance(v, (int, float))}
    expr = _fmt(_PARAM_FUNCS[node.op_type].replace("{f}", "{{f}}").replace("{c}", "{{c}}")
                .format(**lits), y)
    return elementwise(node, ctx, f"({y.dtype.compute})({expr})")


def _gelu(x: str, y, tanh: bool) -> str:
    """Gelu of the C value x in y's compute type: exact (erf) or the tanh approximation."""
    if tanh:
        k = scalar(math.sqrt(2 / math.pi), y.dtype.compute)
        expr = "({c})0.5 * {x} * (({c})1 + tanh{f}(" + k + \
            " * ({x} + ({c})0.044715 * {x} * {x} * {x})))"
    else:
        expr = "({c})0.5 * {x} * (({c})1 + erf{f}({x} * ({c})" + f"{1 / math.sqrt(2)!r}))"
    return expr.format(x=x, f="" if y.dtype.compute == "double" else "f", c=y.dtype.compute)


@op("Gelu")
def lower_gelu(node, ctx):
    tanh = node.attrs.get("approximate", "none") == "tanh"
    return elementwise(node, ctx, _gelu("a0", out(node, ctx), tanh))


@op("FastGelu", "BiasGelu", domain="com.microsoft")
def lower_bias_gelu(node, ctx):
    """onnxruntime's contrib Gelu of x (+ a bias broadcast over the last axis): FastGelu
    the tanh approximation, BiasGelu the exact one."""
    y = out(node, ctx)
    require_float(node, y)
    biased = len(node.inputs) > 1 and bool(node.inputs[1])
    return elementwise(node, ctx, ["a0 + a1" if biased else "a0",
                                   _gelu("r", y, node.op_type == "FastGelu")])


@op("IsNaN")
def lower_isnan(node, ctx):
    return elementwise(node, ctx, "isnan(a0) ? 1 : 0")


@op("IsInf")
def lower_isinf(node, ctx):
    neg, pos = node.attrs.get("detect_negative", 1), node.attrs.get("detect_positive", 1)
    cond = " || ".join(c for c, on in (("a0 == -INFINITY", neg), ("a0 == INFINITY", pos)) if on)
    return elementwise(node, ctx, f"({cond or '0'}) ? 1 : 0")


@type_rule("QuickGelu", "FastGelu", "BiasGelu", domain="com.microsoft")
def _same_as_input(node, inputs):
    return [(inputs[0].dtype, inputs[0].shape)]


@op("QuickGelu", domain="com.microsoft")
def lower_quick_gelu(node, ctx):
    """onnxruntime's contrib activation x * Sigmoid(alpha * x)."""
    y = out(node, ctx)
    require_float(node, y)
    alpha = scalar(float(node.attrs.get("alpha", 1.702)), y.dtype.compute)
    expr = "a0 * (({c})1 / (({c})1 + exp{f}(-(%s * a0))))" % alpha
    return elementwise(node, ctx, _fmt(expr, y))
