"""MatMul and Gemm: one batched matrix-product template (the integer forms: ops/qmatmul.py).

Float32 products, and the fused MatMul/Gemm of domain onnx2c, go to the kernel library
(matmul_f32.py); every other dtype (float16, bfloat16, double, 32/64-bit integers,
quantized 8-bit) uses the template's reference loop, whose accumulation and epilogue an
`Accum` describes. conv.py shares `Accum` and `requant`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..csyntax.cexpr import load
from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import broadcast_loops, inp, out, strides
from .epilogue import DOMAIN
from .matmul_f32 import as_matrices, lower_matmul_f32
from ..ir.optable import Kernel, op


@dataclass
class Accum:
    """`acc = init`, `acc += (acc)(a - za) * (acc)(b - zb)` over the reduction, then
    `result` is stored.

    All four are C expressions in the template's loop variables ('' = no zero point)."""
    acc: str
    za: str = ""
    zb: str = ""
    result: str = "acc"
    init: str = "0"


def plain_accum(y) -> Accum:
    if y.dtype.is_float:
        return Accum(y.dtype.compute)
    # unsigned arithmetic wraps like onnxruntime instead of signed-overflow UB
    return Accum("uint64_t" if y.dtype.bits == 64 else "uint32_t")


def qparam(node, ctx, i: int, idx: str) -> str:
    """Element idx of the optional quantization parameter input i (0 when omitted)."""
    v = inp(node, ctx, i)
    return load(v, f"in{i}", idx) if v is not None else "0"


def requant(node, y, scale: str, zero_point: str) -> str:
    """onnxruntime's requantization: float(acc) * scale, round half to even, + zp, saturate."""
    sat = {DType.UINT8: "o2c_sat_u8", DType.INT8: "o2c_sat_i8"}.get(y.dtype)
    if sat is None:
        raise CompileError(f"{node.op_type} to {y.dtype.onnx_name} is not supported", node,
                           reason=f"{node.op_type}: dtype {y.dtype.onnx_name}")
    return f"{sat}(o2c_add_sat_i32(o2c_round_half_even_f((float)acc * ({scale})), {zero_point}))"


@dataclass(frozen=True)
class Addend:
    """Gemm's beta * C: C's element (i, j) at i * strides[0] + j * strides[1] of input 2,
    times `scale` (a C literal) unless None."""
    strides: tuple[int, int]
    scale: str | None


@dataclass(frozen=True)
class BatchedProduct:
    """templates/ops/matmul.c.j2: Y[b] = op(A[b]) op(B[b]) (M x K times K x N) over the
    batch loops, for the types without a kernel of their own (integers, double, halves)."""
    batch: list[int]            # batch loop extents (broadcast)
    M: int
    N: int
    K: int
    a: int                      # which inputs are A and B
    b: int
    acc: Accum                  # accumulator type, start, update and result
    a_batch: list[int]          # element strides of the batch's A, B, Y per batch loop
    b_batch: list[int]
    y_batch: list[int]
    a_strides: tuple[int, int]  # A[i][k] at i * a_strides[0] + k * a_strides[1]
    b_strides: tuple[int, int]  # B[k][j] at k * b_strides[0] + j * b_strides[1]
    addend: Addend | None = None


def batched(node, ctx, ia: int, ib: int, acc: Accum, trans=(0, 0), alpha: float = 1.0,
            addend: Addend | None = None, inputs: list[int] | None = None) -> Kernel:
    """Kernel for Y = alpha * op(A) op(B) + addend over numpy-broadcast batch dimensions."""
    a, b, y = inp(node, ctx, ia), inp(node, ctx, ib), out(node, ctx)
    sa, sb, lda, ldb = as_matrices(a, b, trans)
    m, k, n = sa[-2], sa[-1], sb[-1]
    if sb[-2] != k:
        raise CompileError(f"inner dimensions of {a.shape} and {b.shape} do not match", node,
                           reason=f"{node.op_type}: shape mismatch")
    batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    dims, (ba, bb) = broadcast_loops(batch, [sa[:-2], sb[:-2]])
    a_i, a_k = (1, lda) if trans[0] else (lda, 1)
    b_k, b_j = (1, ldb) if trans[1] else (ldb, 1)
    result = acc.result if alpha == 1 else f"{scalar(alpha, y.dtype.compute)} * {acc.result}"
    params = BatchedProduct(
        batch=dims, M=m, N=n, K=k, a=ia, b=ib,
        acc=replace(acc, result=result),
        a_batch=[s * m * k for s in ba], b_batch=[s * k * n for s in bb],
        y_batch=[s * m * n for s in strides(dims)],
        a_strides=(a_i, a_k), b_strides=(b_k, b_j), addend=addend)
    return Kernel("ops/matmul.c.j2", params, inputs=inputs)


@op("MatMul")
def lower_matmul(node, ctx):
    if out(node, ctx).dtype == DType.FLOAT:
        return lower_matmul_f32(node, ctx)
    return batched(node, ctx, 0, 1, plain_accum(out(node, ctx)))


@op("MatMul", domain=DOMAIN)
def lower_fused_matmul(node, ctx):
    # passes/fold_transpose.py: an operand read transposed instead of a Transpose node
    trans = (bool(node.attrs.get("transA", 0)), bool(node.attrs.get("transB", 0)))
    return lower_matmul_f32(node, ctx, trans=trans)


def _gemm_f32(node):
    return dict(trans=(bool(node.attrs["transA"]), bool(node.attrs["transB"])),
                alpha=float(node.attrs["alpha"]), beta=float(node.attrs["beta"]))


@op("Gemm", domain=DOMAIN)
def lower_fused_gemm(node, ctx):
    return lower_matmul_f32(node, ctx, **_gemm_f32(node))


@op("Gemm")
def lower_gemm(node, ctx):
    y, c = out(node, ctx), inp(node, ctx, 2)
    if y.dtype == DType.FLOAT:
        return lower_matmul_f32(node, ctx, **_gemm_f32(node))
    alpha, beta = float(node.attrs["alpha"]), float(node.attrs["beta"])
    if y.dtype.is_int and (alpha != 1 or beta != 1):
        raise CompileError("integer Gemm with alpha or beta other than 1 is not supported",
                           node, reason="Gemm: integer alpha/beta")
    addend = None
    if c is not None and beta != 0:
        cm, cn = (1,) * (2 - len(c.shape)) + tuple(c.shape)   # C broadcasts to M x N
        addend = Addend((cn if cm > 1 else 0, 1 if cn > 1 else 0),
                        scalar(beta, y.dtype.compute) if beta != 1 else None)
    trans = (node.attrs["transA"], node.attrs["transB"])
    return batched(node, ctx, 0, 1, plain_accum(y), trans, alpha, addend,
                   inputs=[0, 1, 2] if addend else [0, 1])
