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
from ._util import inp, out
from ..ir.optable import Kernel, op


def lin(*terms) -> str:
    """C sum of (variable, stride) terms in size_t arithmetic, e.g. 'b * 96u + i * 8u'."""
    parts = [v if s == 1 else f"{v} * {s}u" for v, s in terms if s]
    return " + ".join(parts) or "0"


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
    """Key (or value) rows: P past rows, then S new ones, each D elements, of H heads."""
    P: int
    H: int
    S: int
    D: int
    stride: int                 # distance between new rows
    new: str                    # C pointer to row 0 of the new rows of head hk, batch b
    past: str | None            # ... of the past rows (None: no past)
    ptr: str                    # C pointer to row j
    out: int | None             # the present output's index, if wanted


@dataclass(frozen=True)
class Geometry:
    """Sizes and row layouts: B batches, Hq query heads of Sq rows (D elements; Dv in the
    output), `group` query heads per key/value head, T keys; q_row, y_row: C offsets of
    query and output row i of head h, batch b; `core`: float32 products (the GEMM core)."""
    B: int
    Hq: int
    group: int
    Sq: int
    T: int
    D: int
    Dv: int
    k: KvRows
    v: KvRows
    q_row: str
    y_row: str
    core: bool


@dataclass(frozen=True)
class AttentionMask:
    """attn_mask element (b, h, i, j) at offset `idx`; keys from `short` on count as
    masked (None: the mask covers every key); `bool`: a boolean mask."""
    idx: str
    short: int | None
    bool: bool


@dataclass(frozen=True)
class QkOutput:
    """Output 3: the scores at stage `mode` (qk_matmul_output_mode), element at `idx`."""
    mode: int
    idx: str


@dataclass(frozen=True)
class Attention(Geometry):
    """Parameters of templates/ops/attention.c.j2: the geometry, then accumulation in
    `acc` with the literal `scale`; `softcap`: a literal or None; `masked`: C conditions
    under which key j is disallowed, for the query at absolute position pos = i + offset;
    `nonpad`: the valid key count is input 6; FlexAttention's score and probability
    modifiers are C expressions over x, reading its constant `tables`."""
    acc: str = "float"
    scale: str = "1.0f"
    softcap: str | None = None
    mask: AttentionMask | None = None
    masked: list[str] = field(default_factory=list)
    offset: str | None = None
    nonpad: bool = False
    qk: QkOutput | None = None
    score_mod: str | None = None
    prob_mod: str | None = None
    tables: list = field(default_factory=list)


def rows(node, ctx, ik: int, ipast: int, iout: int, heads: int | None) -> KvRows:
    """Where key (or value) row j of head hk in batch b lives: rows j < P in the past input
    (`past`, rows `D` apart), the rest in the new input (`new`, rows `stride` apart); `ptr`
    is row j as one C pointer expression; `out` the present output (4-D, their
    concatenation) if it is wanted."""
    x, past = inp(node, ctx, ik), inp(node, ctx, ipast)
    h, s, d, st = view(x, heads, node)
    p = past.shape[2] if past is not None else 0
    new = f"in{ik} + {lin(('b', st[0]), ('hk', st[1]))}"
    old = f"in{ipast} + {lin(('b', h * p * d), ('hk', p * d))}" if p else None
    ptr = f"{new} + {lin((f'(j - {p}u)' if p else 'j', st[2]))}"
    if p:
        ptr = f"j < {p}u ? {old} + {lin(('j', d))} : {ptr}"
    present = iout < len(node.outputs) and node.outputs[iout] != ""
    return KvRows(p, h, s, d, st[2], new, old, ptr, iout if present else None)


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
    return Geometry(q.shape[0], hq, hq // k.H, sq, k.P + k.S, d, dv, k, v,
                    lin(("b", qs[0]), ("h", qs[1]), ("i", qs[2])),
                    lin(("b", ys[0]), ("h", ys[1]), ("i", ys[2])),
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
    return AttentionMask(lin(("b", st[0]), ("h", st[1]), ("i", st[2]), ("j", 1)),
                         shape[3] if shape[3] < t else None, m.dtype == DType.BOOL)


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
    if len(node.outputs) > 3 and node.outputs[3]:
        qk = QkOutput(a.get("qk_matmul_output_mode", 0),
                      lin(("b", hq * sq * t), ("h", sq * t), ("i", t), ("j", 1)))
    softcap = float(a.get("softcap") or 0.0)
    nonpad = inp(node, ctx, 6) is not None
    left, right = a.get("left_window_size", -1), a.get("right_window_size", -1)
    # a key is disallowed past the causal frontier, outside the window around the query's
    # absolute position `pos` (offset by the cached keys), or in the padding after
    # nonpad_kv_seqlen
    masked = []
    if a.get("is_causal"):
        masked.append("(int64_t)j > pos")
    if left >= 0:
        masked.append(f"pos - (int64_t)j > {left}")
    if right >= 0:
        masked.append(f"(int64_t)j - pos > {right}")
    if nonpad:
        masked.append("(int64_t)j >= valid")
    offset = f"valid - {sq}" if nonpad and not past else str(past)
    return kernel(geo, a.get("scale"), acc,
                  softcap=scalar(softcap, acc) if softcap > 0 else None,
                  mask=_mask(node, ctx, hq, sq, t), masked=masked, nonpad=nonpad, qk=qk,
                  offset=offset if len(masked) > nonpad else None)
