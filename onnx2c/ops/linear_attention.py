"""The recurrent-state ops of linear-attention models (Gated DeltaNet, Mamba): LinearAttention
and CausalConvWithState (opset 27). Both carry a state across calls through a past input
and a present output; both compute in float, as the reference does."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import inp
from ..ir.optable import Kernel, op

_RULES = {"linear": (False, False), "gated": (True, False), "delta": (False, True),
          "gated_delta": (True, True)}


@dataclass(frozen=True)
class LinearAttention:
    """templates/ops/linear_attention.c.j2: B batches of T tokens, Hq query heads sharing
    Hkv key/value heads of dk and dv elements; `scale`: a float literal; `past`: a state
    input is given; decay: key elements per decay entry (None: no decay); beta: beta's
    entries per token (None: no beta)."""
    B: int
    T: int
    Hq: int
    Hkv: int
    dk: int
    dv: int
    scale: str
    past: bool
    decay: int | None
    beta: int | None


@dataclass(frozen=True)
class CausalConv:
    """templates/ops/causal_conv.c.j2: B x C x L input, a depthwise kernel of K taps,
    then SiLU if `silu`; `bias`, `past`: those inputs are given."""
    B: int
    C: int
    L: int
    K: int
    silu: bool
    bias: bool
    past: bool


@op("LinearAttention", since=27)
def lower_linear_attention(node, ctx):
    a = node.attrs
    q, k, v, decay, beta = (inp(node, ctx, i) for i in (0, 1, 2, 4, 5))
    hq, hkv = a.get("q_num_heads"), a.get("kv_num_heads")
    rule = a.get("update_rule", "gated_delta")
    if rule not in _RULES or not hq or not hkv or hq % hkv:
        raise CompileError(f"update_rule '{rule}' with {hq} query and {hkv} key/value heads "
                           "is not a linear attention", node, reason="LinearAttention: attributes")
    gated, delta = _RULES[rule]
    if gated != (decay is not None) or delta != (beta is not None):
        raise CompileError(f"update_rule '{rule}' {'needs' if gated else 'forbids'} decay and "
                           f"{'needs' if delta else 'forbids'} beta", node,
                           reason="LinearAttention: decay/beta inputs")
    b, t, dk = q.shape[0], q.shape[1], q.shape[2] // hq
    dv = v.shape[2] // hkv
    if k.shape[2] != hkv * dk:
        raise CompileError(f"key of shape {k.shape} does not hold {hkv} heads of {dk}", node,
                           reason="LinearAttention: shapes")
    scale = a.get("scale") or 1 / math.sqrt(dk)
    # decay is per key dimension or per head, beta per head or shared by all heads
    params = LinearAttention(b, t, hq, hkv, dk, dv, scalar(scale, "float"),
                             inp(node, ctx, 3) is not None,
                             None if decay is None else decay.shape[2] // hkv,
                             None if beta is None else beta.shape[2])
    return Kernel("ops/linear_attention.c.j2", params, scratch=(dk * dv + dv) * 4)


@op("CausalConvWithState", since=27)
def lower_causal_conv(node, ctx):
    x, w = inp(node, ctx, 0), inp(node, ctx, 1)
    act = node.attrs.get("activation", "none")
    if len(x.shape) != 3 or w.shape != (x.shape[1], 1, w.shape[2]) or \
            act not in ("none", "silu", "swish"):
        raise CompileError(f"input {x.shape}, weight {w.shape}, activation '{act}' are not a "
                           "depthwise causal convolution", node,
                           reason="CausalConvWithState: shapes")
    k = w.shape[2]
    used = [i for i in range(4) if inp(node, ctx, i) is not None and (i != 3 or k > 1)]
    params = CausalConv(x.shape[0], x.shape[1], x.shape[2], k, act != "none", 2 in used,
                        3 in used)
    return Kernel("ops/causal_conv.c.j2", params, inputs=used)
