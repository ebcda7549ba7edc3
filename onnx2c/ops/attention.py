"""Attention (opset 23-25), and the kernel FlexAttention (flex_attention.py) shares
(templates/ops/attention.c.j2): it takes every query row of every head once: its scores
against all keys, the additive bias (mask, causal frontier, sliding window, padding), a
softmax with the fully-masked-row guard, then the probability-weighted sum of values.

Q, K, V may be 4-D (batch, heads, seq, size) or 3-D with the heads packed in the last
axis; both are walked through (batch, head, position) strides, so no transpose is copied.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import inp, out, wanted
from ..ir.optable import Kernel, op


def view(v, heads: int | None, node) -> tuple[int, int, int, tuple[int, int, int]]:
    """(heads, seq, size, (batch, head, position) strides) of a 4-D tensor, or of a 3-D one
    whose last axis packs `heads` rows of `size` elements."""
    if len(v.shape) == 4:
        _, h, s, d = v.shape
        return h, s, d, (h * s * d, s * d, d)
    if len(v.shape) != 3 or not heads or v.shape[2] % heads:
        raise CompileError(f"'{v.name}' of shape {v.shape} does not split into {heads} heads",
                           node, reason=f"{node.op_type}: bad head layout")
    _, s, hd = v.shape
    return heads, s, hd // heads, (s * hd, hd // heads, hd)


@dataclass(frozen=True)
class KvRows:
    """Key (or value) rows: P past rows (node input `past`, packed: H heads of P rows of D),
    then S new ones (node input `new`), each D elements, of H heads."""
    P: int
    H: int
    S: int
    D: int
    new: int
    past: int
    strides: tuple[int, int]    # of the new rows by (batch, head)
    stride: int                 # distance between new rows
    out: int | None             # the present output's index, if wanted


@dataclass(frozen=True)
class Geometry:
    """Sizes and row layouts: B batches, Hq query heads of Sq rows (D elements; Dv in the
    output), `group` query heads per key/value head, T keys; q_strides, y_strides: the
    element strides of query and output rows by (batch, head, row); `core`: float32
    products (the GEMM core)."""
    B: int
    Hq: int
    group: int
    Sq: int
    T: int
    D: int
    Dv: int
    k: KvRows
    v: KvRows
    q_strides: tuple[int, int, int]
    y_strides: tuple[int, int, int]
    core: bool


@dataclass(frozen=True)
class AttentionMask:
    """attn_mask, `strides` by (batch, head, query, key), broadcast axes 0; keys from
    `short` on count as masked (None: the mask covers every key); `bool`: a boolean mask."""
    strides: tuple[int, int, int, int]
    short: int | None
    bool: bool


@dataclass(frozen=True)
class QkOutput:
    """Output 3: the scores at stage `mode` (qk_matmul_output_mode), `strides` by (batch,
    head, query, key)."""
    mode: int
    strides: tuple[int, int, int, int]


@dataclass(frozen=True)
class Attention(Geometry):
    """Parameters of templates/ops/attention.c.j2: the geometry, then accumulation in
    `acc` with the literal `scale`; `softcap`: a literal or None; a key is disallowed past
    the `causal` frontier or outside the `window` (keys before, after; -1: unbounded)
    around the query's absolute position pos = query row + `offset`; `nonpad`: the valid
    key count is input 6, later keys are disallowed; FlexAttention's score and
    probability modifiers are C expressions over x, reading its constant `tables`."""
    acc: str = "float"
    scale: str = "1.0f"
    softcap: str | None = None
    mask: AttentionMask | None = None
    causal: bool = False
    window: tuple[int, int] = (-1, -1)
    offset: str | None = None
    nonpad: bool = False
    qk: QkOutput | None = None
    score_mod: str | None = None
    prob_mod: str | None = None
    tables: list = field(default_factory=list)


def rows(node, ctx, ik: int, ipast: int, iout: int, heads: int | None) -> KvRows:
    """Where the key (or value) rows live: the first P in the past input, the rest in the
    new input; `out` the present output (4-D, their concatenation) if it is wanted."""
    x, past = inp(node, ctx, ik), inp(node, ctx, ipast)
    h, s, d, st = view(x, heads, node)
    p = past.shape[2] if past is not None else 0
    present = wanted(node, iout)
    return KvRows(p, h, s, d, ik, ipast, st[:2], st[2], iout if present else None)


def geometry(node, ctx, q_heads: int | None, kv_heads: int | None) -> Geometry:
    """Sizes and row layouts of Q (node input 0), K and V (1, 2, with past 4, 5) and Y."""
    q, y = inp(node, ctx, 0), out(node, ctx)
    hq, sq, d, qs = view(q, q_heads, node)
    k = rows(node, ctx, 1, 4, 1, kv_heads)
    v = rows(node, ctx, 2, 5, 2, kv_heads)
    if k.H != v.H or hq % k.H or k.D != d or k.S != v.S:
        raise CompileError(f"Q {q.shape}, K, V shapes do not form an attention", node,
                           reason=f"{node.op_type}: inconsistent shapes")
    _, _, dv, ys = view(y, hq, node)
    return Geometry(q.shape[0], hq, hq // k.H, sq, k.P + k.S, d, dv, k, v, qs, ys,
                    all(inp(node, ctx, i).dtype == DType.FLOAT for i in range(3)))


def kernel(geo: Geometry, scale: float | None, acc: str, **extra) -> Kernel:
    """The attention kernel; extra fields of Attention (mask, causal, window, nonpad, qk
    output, score/prob modifiers) go to the template. Float32 products go to the GEMM core."""
    scale = scale if scale else 1 / math.sqrt(geo.D)
    shape = {f.name: getattr(geo, f.name) for f in fields(Geometry)}
    params = Attention(**dict(shape, core=geo.core and acc == "float"), acc=acc,
                       scale=scalar(scale, acc), **extra)
    # a row of scores, and (without the core) a row of output accumulators
    n = geo.T + (0 if params.core else geo.Dv)
    return Kernel("ops/attention.c.j2", params, scratch=n * (8 if acc == "double" else 4))


def _mask(node, ctx, hq: int, sq: int, t: int) -> AttentionMask | None:
    """Strides of attn_mask broadcast to (batch, q head, query); its last axis may be shorter
    than the keys, the rest counting as masked."""
    m = inp(node, ctx, 3)
    if m is None:
        return None
    if len(m.shape) > 4 or m.shape[-1] > t:
        raise CompileError(f"attn_mask of shape {m.shape} does not fit ({hq}, {sq}, {t})",
                           node, reason="Attention: attn_mask shape")
    shape = (1,) * (4 - len(m.shape)) + tuple(m.shape)
    st = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3]]
    st = [s if n != 1 else 0 for s, n in zip(st, shape[:3])]
    return AttentionMask((*st, 1), shape[3] if shape[3] < t else None, m.dtype == DType.BOOL)


@op("Attention", since=23)
def lower_attention(node, ctx):
    a, q = node.attrs, inp(node, ctx, 0)
    if (inp(node, ctx, 4) is None) != (inp(node, ctx, 5) is None):
        raise CompileError("past_key and past_value must be given together", node,
                           reason="Attention: past_key without past_value")
    rank3 = len(q.shape) == 3
    geo = geometry(node, ctx, a.get("q_num_heads") if rank3 else None,
                   a.get("kv_num_heads") if rank3 else None)
    hq, sq, t, past = geo.Hq, geo.Sq, geo.T, geo.k.P
    acc = "double" if DType.DOUBLE in (q.dtype, a.get("softmax_precision")) else "float"
    qk = None
    if wanted(node, 3):
        qk = QkOutput(a.get("qk_matmul_output_mode", 0), (hq * sq * t, sq * t, t, 1))
    softcap = float(a.get("softcap") or 0.0)
    nonpad = inp(node, ctx, 6) is not None
    causal = bool(a.get("is_causal"))
    window = (a.get("left_window_size", -1), a.get("right_window_size", -1))
    # the query's absolute position counts the cached keys (or, with padding, the keys
    # before its own sequence)
    offset = f"valid - {sq}" if nonpad and not past else str(past)
    return kernel(geo, a.get("scale"), acc,
                  softcap=scalar(softcap, acc) if softcap > 0 else None,
                  mask=_mask(node, ctx, hq, sq, t), causal=causal, window=window,
                  nonpad=nonpad, qk=qk,
                  offset=offset if causal or max(window) >= 0 else None)
