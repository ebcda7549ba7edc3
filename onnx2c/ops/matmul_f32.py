"""Float32 MatMul and Gemm (and their fused forms) on runtime_c/o2c_gemm.h.

A constant right operand (fully-connected layers, projections) is packed at compile time
into 16-column panels (alpha folded in) and every row of A, over all batch dimensions, goes
through o2c_gemm_packed_b_f32 in one call. Anything else is the generic o2c_gemm_f32 per
broadcast batch matrix. Gemm's beta * C becomes a per-column (or per-row) bias when C is
a constant vector, otherwise it is written to Y first and accumulated into.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ._util import broadcast_loops, inp, strides
from .epilogue import Epilogue, epilogue_of
from .packing import pack_b
from ..ir.optable import Kernel


@dataclass(frozen=True)
class MatMulF32:
    packed: bool            # B packed at compile time: one o2c_gemm_packed_b_f32 call
    M: int
    N: int
    K: int
    trans_a: bool
    trans_b: bool
    lda: int
    ldb: int
    alpha: float            # generic path only (packed B has it folded in)
    batch: tuple[int, ...]            # generic path: broadcast batch loop extents
    batch_strides: tuple[tuple[int, ...], ...]   # per loop: A, B, Y element strides
    bias: str               # "" | "col" | "row": input 2 (or its packed form) as the bias
    prefill: tuple[int, int] | None   # C's element strides along (i, j): Y = beta * C first
    beta: float
    epilogue: Epilogue


def as_matrices(a, b, trans):
    """Shapes of A and B as stacks of matrices (1-D: a row, a column) and their strides."""
    sa = (1,) + a.shape if len(a.shape) == 1 else a.shape
    sb = b.shape + (1,) if len(b.shape) == 1 else b.shape
    lda, ldb = sa[-1], sb[-1]
    if trans[0]:
        sa = sa[:-2] + (sa[-1], sa[-2])
    if trans[1]:
        sb = sb[:-2] + (sb[-1], sb[-2])
    return sa, sb, lda, ldb


def _c_term(node, ctx, m: int, n: int, beta: float):
    """(bias kind, packed bias, prefill strides) for Gemm's beta * C."""
    c = inp(node, ctx, 2)
    if c is None or beta == 0:
        return "", None, None
    cm, cn = (1,) * (2 - len(c.shape)) + tuple(c.shape)
    if c.is_const and cm == 1:
        return "col", np.broadcast_to(beta * c.data.reshape(-1), (n,)).astype(np.float32), None
    if c.is_const and cn == 1:
        return "row", np.broadcast_to(beta * c.data.reshape(-1), (m,)).astype(np.float32), None
    if cm == 1 and beta == 1:
        return "col" if cn == n else "", None, None if cn == n else (0, 0)
    return "", None, (cn if cm > 1 else 0, 1 if cn > 1 else 0)


def lower_matmul_f32(node, ctx, trans=(False, False), alpha: float = 1.0,
                     beta: float = 0.0) -> Kernel:
    a, b = inp(node, ctx, 0), inp(node, ctx, 1)
    sa, sb, lda, ldb = as_matrices(a, b, trans)
    m, k, n = sa[-2], sa[-1], sb[-1]
    if sb[-2] != k:
        raise CompileError(f"inner dimensions of {a.shape} and {b.shape} do not match", node,
                           reason=f"{node.op_type}: shape mismatch")
    ep = epilogue_of(node, ctx)
    bias, bias_data, prefill = _c_term(node, ctx, m, n, beta)
    packed = {}
    if b.is_const and len(sb) == 2 and not trans[0]:
        mat = b.data.reshape(sb[::-1] if trans[1] else sb)
        packed[1] = pack_b((mat.T if trans[1] else mat) * np.float32(alpha)).reshape(-1)
        rows = int(np.prod(sa[:-1]))
        params = MatMulF32(True, rows, n, k, False, False, lda, n, 1.0, (), (), bias, prefill,
                           beta, ep)
    else:
        batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
        dims, (ba, bb) = broadcast_loops(batch, [sa[:-2], sb[:-2]])
        ys = strides(dims)
        per = tuple((sa_ * m * k, sb_ * k * n, sy * m * n) for sa_, sb_, sy in zip(ba, bb, ys))
        params = MatMulF32(False, m, n, k, bool(trans[0]), bool(trans[1]), lda, ldb, alpha,
                           tuple(dims), per, bias, prefill, beta, ep)
    if bias_data is not None:
        packed[2] = bias_data
    used = [0, 1] + ([2] if bias or prefill else [])
    inplace = []
    if ep.residual is not None:
        used.append(ep.residual)
        inplace.append(ep.residual)
    return Kernel("ops/matmul_f32.c.j2", params, packed=packed, inplace=inplace, inputs=used)
