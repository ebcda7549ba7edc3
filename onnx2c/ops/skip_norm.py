"""com.microsoft SkipLayerNormalization and SkipSimplifiedLayerNormalization, which
onnxruntime's transformer optimizer writes for BERT- and Llama-style models: a residual
add (input + skip + bias) followed by LayerNorm or RMSNorm over the last axis.

onnxruntime's CPU kernel sums in double and divides by the root, which the template
follows; its mean and inv_std_var outputs have shape (..., 1), and the simplified op's
mean is written as zero, as there.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ._util import inp, wanted

MS = "com.microsoft"
_OPS = ("SkipLayerNormalization", "SkipSimplifiedLayerNormalization")


@dataclass(frozen=True)
class SkipNorm:
    """templates/ops/skip_norm.c.j2: `rows` rows of `hidden` elements; the skip's row is
    the row modulo skip_rows (a skip of shape (S, H) is shared by every batch); beta and
    bias name their input (in3, in4), or are None."""
    rows: int
    hidden: int
    skip_rows: int
    epsilon: str                # a double literal
    centered: bool              # LayerNorm (False: RMSNorm, no mean subtracted)
    beta: str | None
    bias: str | None
    mean_out: bool              # which optional outputs are wanted
    inv_std_out: bool
    sum_out: bool


@type_rule(*_OPS, domain=MS)
def _skip_norm_types(node, inputs):
    x = inputs[0]
    stats = (DType.FLOAT, tuple(x.shape[:-1]) + (1,))
    return [(x.dtype, x.shape), stats, stats, (x.dtype, x.shape)][:len(node.outputs)]


@op(*_OPS, domain=MS)
def lower_skip_norm(node, ctx):
    x, skip, gamma = (inp(node, ctx, k) for k in range(3))
    centered = node.op_type == "SkipLayerNormalization"
    beta, bias = (inp(node, ctx, 3), inp(node, ctx, 4)) if centered else (None, inp(node, ctx, 3))
    if x.dtype != DType.FLOAT or len(x.shape) not in (2, 3):
        raise CompileError(f"{node.op_type} is supported for float inputs of rank 2 or 3, "
                           f"not {x.dtype.onnx_name} {list(x.shape)}", node,
                           reason=f"{node.op_type}: input")
    if x.size == 0:
        raise CompileError(f"{node.op_type} of an empty tensor", node,
                           reason=f"{node.op_type}: empty")
    hidden = x.shape[-1]
    trailing = tuple(skip.shape)
    while len(trailing) > 1 and trailing[0] == 1 and len(trailing) > len(x.shape) - 1:
        trailing = trailing[1:]
    if tuple(x.shape[-len(trailing):]) != trailing:
        raise CompileError(f"skip of shape {list(skip.shape)} does not match input "
                           f"{list(x.shape)}: it must be the input's shape or its last "
                           "two dimensions", node, reason=f"{node.op_type}: skip shape")
    for name, v in (("gamma", gamma), ("beta", beta), ("bias", bias)):
        if v is not None and (v.dtype != DType.FLOAT or v.size != hidden):
            raise CompileError(f"{name} must hold {hidden} floats, not {list(v.shape)} "
                               f"{v.dtype.onnx_name}", node,
                               reason=f"{node.op_type}: {name} shape")
    bias_index = 4 if centered else 3
    params = SkipNorm(
        rows=prod(x.shape[:-1]), hidden=hidden, skip_rows=skip.size // hidden,
        epsilon=scalar(node.attrs.get("epsilon", 1e-12), "double"), centered=centered,
        beta="in3" if beta is not None else None,
        bias=f"in{bias_index}" if bias is not None else None,
        mean_out=wanted(node, 1), inv_std_out=wanted(node, 2), sum_out=wanted(node, 3))
    return Kernel("ops/skip_norm.c.j2", params)
