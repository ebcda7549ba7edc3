"""Integer matrix products: the private QGemm (passes/qprepare.py: constant weights,
packed; runtime_c/o2c_qgemm.h), and QLinearMatMul / MatMulInteger whose B is run-time
data (reference loops, over numpy-broadcast batches; o2c_qmatmul.h); the type rules of
the com.microsoft matrix ops.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ..quant import DOMAIN, qrange
from .qconv import tile_bytes
from ._util import broadcast_loops, inp, out, strides

MS = "com.microsoft"


def _product_shape(a, b) -> tuple[int, ...]:
    """numpy matmul's result shape (1-D operands promoted and dropped)."""
    sa = (1,) + tuple(a) if len(a) == 1 else tuple(a)
    sb = tuple(b) + (1,) if len(b) == 1 else tuple(b)
    shape = tuple(np.broadcast_shapes(sa[:-2], sb[:-2])) + (sa[-2], sb[-1])
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b) == 1:
        shape = shape[:-1]
    return shape


@type_rule("MatMulIntegerToFloat", "DynamicQuantizeMatMul", domain=MS)
def _float_product_type(node, inputs):
    return [(DType.FLOAT, _product_shape(inputs[0].shape, inputs[1].shape))]


@type_rule("QGemm", domain=MS)
def _qgemm_type(node, inputs):
    a, b = inputs[0].shape, inputs[3].shape
    m = a[1] if node.attrs.get("transA", 0) else a[0]
    n = b[0] if node.attrs.get("transB", 0) else b[1]
    y_zero = inputs[8] if len(inputs) > 8 else None
    return [(y_zero.dtype if y_zero is not None else DType.FLOAT, (m, n))]


@dataclass(frozen=True)
class QGemm:
    M: int                 # rows of A over every batch
    N: int
    K: int
    a_signed: bool
    a_zero: int
    mode: str              # "requant", "int32", "float"
    fixed: bool
    per_row: bool
    y_zero: int
    lo: int
    hi: int
    bias: bool
    bias_f: bool
    runtime_zero: bool     # A's zero point is in5, the rows' weight sums in6


@op("QGemm", domain=DOMAIN)
def lower_qgemm(node, ctx):
    a, y = inp(node, ctx, 0), out(node, ctx)
    n, k, mode = node.attrs["N"], node.attrs["K"], node.attrs["mode"]
    lo, hi = qrange(y.dtype) if mode == "requant" else (0, 0)
    scale = inp(node, ctx, 3)
    p = QGemm(a.size // k, n, k, a.dtype == DType.INT8, node.attrs["a_zero"], mode,
              node.attrs.get("requant") == "fixed", scale is not None and scale.size > 1,
              node.attrs.get("y_zero", 0), lo, hi, inp(node, ctx, 2) is not None,
              inp(node, ctx, 4) is not None, inp(node, ctx, 5) is not None)
    # a run-time zero point: the bias it makes, one int32 per row, before the tile
    return Kernel("ops/qgemm.c.j2", p, scratch=(4 * n if p.runtime_zero else 0) + tile_bytes(k))


@dataclass(frozen=True)
class QDynamicGemm:
    M: int                 # rows of A over every batch
    N: int
    K: int
    per_row: bool          # a scale per column of B
    bias: bool


@op("QDynamicGemm", domain=DOMAIN)
def lower_qdynamic_gemm(node, ctx):
    a, n, k = inp(node, ctx, 0), node.attrs["N"], node.attrs["K"]
    m = a.size // k
    p = QDynamicGemm(m, n, k, inp(node, ctx, 3).size > 1, inp(node, ctx, 4) is not None)
    # o2c_qdynamic_project_bytes: A quantized, a multiplier and a bias per column, a tile
    return Kernel("ops/qdynamic_gemm.c.j2", p, scratch=-(-m * k // 4) * 4 + 8 * n + tile_bytes(k))


@op("DynamicQuantizeMatMul", domain=MS)
def lower_dynamic_quantize_matmul(node, ctx):
    raise CompileError("DynamicQuantizeMatMul needs constant B, scales and zero points", node,
                       reason="DynamicQuantizeMatMul: run-time B")


@dataclass(frozen=True)
class QMatMulRef:
    batch: list[int]       # broadcast batch loops
    a_batch: list[int]     # element strides of the batch's A, B, Y per batch loop
    b_batch: list[int]
    y_batch: list[int]
    M: int
    N: int
    K: int
    a_signed: bool
    b_signed: bool
    mode: str              # "int32" (MatMulInteger), "requant" (QLinearMatMul), "float"
    inputs: dict           # role -> input index: b, a_zero, b_zero, and the scales
    b_zeros: int           # values in B's zero point (1 or N), 0 if omitted
    b_scales: int
    lo: int
    hi: int
    b_params: list[int]    # strides per batch loop of the batch's per-column scales
    b_zero_batch: list[int]  # ... of its zero points
    bias: bool             # MatMulIntegerToFloat's float bias, per column
    b_kstride: int         # B's element (k, n) at k * b_kstride + n * b_nstride
    b_nstride: int
    alpha: float           # QGemm's: the scale is (alpha * a_scale) * b_scale


# where each operand is: MatMulInteger, QLinearMatMul, com.microsoft MatMulIntegerToFloat
_ROLES = {"MatMulInteger": dict(b=1, a_zero=2, b_zero=3),
          "QLinearMatMul": dict(b=3, a_zero=2, b_zero=5, a_scale=1, b_scale=4, y_scale=6,
                                y_zero=7),
          "MatMulIntegerToFloat": dict(b=1, a_zero=4, b_zero=5, a_scale=2, b_scale=3,
                                       bias=6),
          "QGemm": dict(b=3, a_zero=2, b_zero=5, a_scale=1, b_scale=4, bias_i=6, y_scale=7,
                        y_zero=8)}
_MODES = {"MatMulInteger": "int32", "QLinearMatMul": "requant", "MatMulIntegerToFloat": "float",
          "QGemm": "requant"}


@op("QLinearMatMul", since=10)
@op("MatMulInteger", since=10)
@op("MatMulIntegerToFloat", domain=MS)
@op("QGemm", domain=MS)
def lower_qlinear_matmul(node, ctx):
    """The reference loops; com.microsoft QGemm here is one whose B passes/qprepare.py
    could not pack (uint8 weights off their zero point by more than int8 holds)."""
    roles, mode = _ROLES[node.op_type], _MODES[node.op_type]
    given = lambda role: role in roles and inp(node, ctx, roles[role]) is not None
    a, b, y = inp(node, ctx, 0), inp(node, ctx, roles["b"]), out(node, ctx)
    trans_b = bool(node.attrs.get("transB", 0))
    if node.attrs.get("transA", 0):
        raise CompileError("QGemm with transA is not supported", node, reason="QGemm: transA")
    if mode == "requant" and not given("y_scale"):
        mode = "float"          # QGemm without y_scale: float output
    sa = (1,) + a.shape if len(a.shape) == 1 else a.shape
    sb = b.shape + (1,) if len(b.shape) == 1 else b.shape
    sb = sb[::-1] if trans_b else sb
    m, k, n = sa[-2], sa[-1], sb[-1]
    if given("a_zero") and inp(node, ctx, roles["a_zero"]).size != 1:
        raise CompileError("a per-row zero point of A is not supported", node,
                           reason=f"{node.op_type}: per-row zero point")
    if mode == "float" and inp(node, ctx, roles["a_scale"]).size != 1:
        raise CompileError("a per-row scale of A is not supported", node,
                           reason=f"{node.op_type}: per-row scale")
    batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    dims, (ba, bb) = broadcast_loops(batch, [sa[:-2], sb[:-2]])
    lo, hi = qrange(y.dtype) if mode == "requant" else (0, 0)
    b_scales = inp(node, ctx, roles["b_scale"]).size if "b_scale" in roles else 1
    zeros = inp(node, ctx, roles["b_zero"]).size if given("b_zero") else 0
    # per-column parameters may also vary with B's batch: (batch..., 1, N)
    per_batch = lambda count: [s * n if count > n else 0 for s in bb]
    p = QMatMulRef(dims, [s * m * k for s in ba], [s * k * n for s in bb],
                   [s * m * n for s in strides(dims)], m, n, k,
                   a.dtype == DType.INT8, b.dtype == DType.INT8, mode,
                   {r: i for r, i in roles.items() if given(r)}, min(zeros, n),
                   min(b_scales, n), lo, hi, per_batch(b_scales), per_batch(zeros),
                   given("bias"), 1 if trans_b else n, k if trans_b else 1,
                   float(node.attrs.get("alpha", 1.0)))
    return Kernel("ops/qmatmul_ref.c.j2", p, scratch=0 if mode == "int32" else 4 * n)
