"""The position and gating pieces of a transformer block: RotaryEmbedding (opset 23) and
SwiGLU (opset 28)."""
from __future__ import annotations

from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._elementwise import elementwise
from ._util import inp, out
from .attention import view
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class Rotary:
    """templates/ops/rotary.c.j2: B x H x S tokens of D elements, the first `rot` of
    which rotate in `half` pairs (interleaved or split halves); `row_strides`: the
    element strides of a token's row by (batch, head, position); `positions`: the cache
    rows when position ids index them (None: no ids)."""
    B: int
    H: int
    S: int
    D: int
    half: int
    rot: int
    interleaved: bool
    row_strides: tuple[int, int, int]
    positions: int | None


@op("RotaryEmbedding", since=23)
def lower_rotary(node, ctx):
    x, cos, pos = inp(node, ctx, 0), inp(node, ctx, 1), inp(node, ctx, 3)
    heads, seq, size, st = view(x, node.attrs.get("num_heads"), node)
    rot = node.attrs.get("rotary_embedding_dim") or size
    half = rot // 2
    if rot % 2 or rot > size or cos.shape[-1] != half:
        raise CompileError(f"rotary_embedding_dim {rot} does not fit head size {size} and a "
                           f"cache of {cos.shape[-1]} columns", node,
                           reason="RotaryEmbedding: rotary dim")
    # the cache row of token (b, s): its position id's, or (b, s) itself without ids
    params = Rotary(x.shape[0], heads, seq, size, half, rot, bool(node.attrs.get("interleaved")),
                    st,
                    cos.shape[0] if pos is not None else None)
    return Kernel("ops/rotary.c.j2", params, inplace=[0])


@op("SwiGLU", since=28)
def lower_swiglu(node, ctx):
    a, b, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    if a.shape != b.shape or not y.dtype.is_float:
        raise CompileError("SwiGLU needs float inputs of one shape (it does not broadcast)",
                           node, reason="SwiGLU: shapes")
    c = y.dtype.compute
    alpha = scalar(float(node.attrs.get("alpha", 1.0)), c)
    f = "" if c == "double" else "f"
    return elementwise(node, ctx, f"a0 / (({c})1 + exp{f}(-{alpha} * a0)) * a1")
