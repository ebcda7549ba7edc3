"""com.microsoft QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu and QLinearConcat:
8-bit elementwise ops with onnxruntime's arithmetic (runtime_c/o2c_qelementwise.h), and
their type rules (ONNX shape inference does not know the com.microsoft domain).

The lookup-table ops compute their 256-entry table at compile time exactly as
onnxruntime's kernel builds it (dequantize every byte, the float op, MlasQuantizeLinear),
so the table is a constant of the function.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import DType
from ..ir.optable import Kernel, op, type_rule
from ..quant import f32
from ._qparams import QParam, output_param, qparam
from ._util import broadcast_loops, inp, norm_axis, out, strides

MS = "com.microsoft"


@type_rule("QLinearAdd", "QLinearMul", domain=MS)
def _binary_type(node, inputs):
    return [(inputs[0].dtype, tuple(np.broadcast_shapes(inputs[0].shape, inputs[3].shape)))]


@type_rule("QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", domain=MS)
def _same_type(node, inputs):
    return [(inputs[0].dtype, inputs[0].shape)]


@type_rule("QLinearConcat", domain=MS)
def _concat_type(node, inputs):
    parts = inputs[2::3]
    axis = node.attrs["axis"] % len(parts[0].shape)
    shape = list(parts[0].shape)
    shape[axis] = sum(p.shape[axis] for p in parts)
    return [(parts[0].dtype, tuple(shape))]


@dataclass(frozen=True)
class QBinary:
    """Loops over the broadcast output (their extents and each operand's element strides
    per loop) and the arithmetic's constants."""
    dims: list[int]
    a_strides: list[int]
    b_strides: list[int]
    out_strides: list[int]
    kind: str                  # "add", "add_a_scalar", "add_b_scalar" or "mul"
    a_zero: int                # subtracted before a product (mul)
    b_zero: int
    ratio_a: np.float32        # add: scale_a / scale_c; mul: scale_a * scale_b / scale_c
    ratio_b: np.float32        # add: scale_b / scale_c
    fixed: np.float32          # add: zero_c - (ratio_a * zero_a + ratio_b * zero_b); mul: zero_c
    lo: int
    hi: int


def _span_kind(dims, a_strides, b_strides) -> str:
    """onnxruntime's broadcast loop hands its kernel spans of the innermost dimension; an
    operand that does not advance along it is a scalar for the span (another formula)."""
    if not dims or (a_strides[-1] and b_strides[-1]):
        return "add"
    return "add_a_scalar" if not a_strides[-1] else "add_b_scalar"


@op("QLinearAdd", "QLinearMul", domain=MS)
def lower_qlinear_binary(node, ctx):
    a, b, y = inp(node, ctx, 0), inp(node, ctx, 3), out(node, ctx)
    pa, pb = qparam(node, ctx, 1, 2, a.dtype), qparam(node, ctx, 4, 5, b.dtype)
    py = output_param(node, ctx, 6, 7)
    dims, (sa, sb) = broadcast_loops(y.shape, [a.shape, b.shape])
    if node.op_type == "QLinearMul":
        ratio = np.float32(pa.scale * pb.scale) / py.scale
        kind, ratio_b, fixed = "mul", np.float32(0), np.float32(py.zero)
    else:
        ratio, ratio_b = pa.scale / py.scale, pb.scale / py.scale
        # onnxruntime's AVX2 kernel is built with FMA: its compiler fuses the first
        # product of the fixed part with the sum (measured over every input pair)
        fixed = np.float32(py.zero) - f32.fma(ratio, np.float32(pa.zero),
                                              ratio_b * np.float32(pb.zero))[()]
        kind = _span_kind(dims, sa, sb)
    p = QBinary(dims, sa, sb, strides(dims), kind,
                pa.zero, pb.zero, np.float32(ratio), np.float32(ratio_b), np.float32(fixed),
                py.lo, py.hi)
    same = [i for i in (0, 3) if inp(node, ctx, i).shape == y.shape]
    return Kernel("ops/qbinary.c.j2", p, inputs=[0, 3], inplace=same)


@dataclass(frozen=True)
class QLookup:
    """y = table[x] over n elements: one table, or one per Concat input (None: copy)."""
    tables: list
    size: int


def lookup_table(x: QParam, y: QParam, dtype: DType, fn) -> np.ndarray:
    """onnxruntime's QlinearBuildLookupTable: each of the 256 byte values dequantized,
    mapped by fn (float32 in, float32 out), and quantized again; indexed by the byte."""
    values = fn(f32.dequantize_all(dtype.np, x.scale, x.zero))
    return f32.quantize(values, y.scale, y.zero, y.lo, y.hi).astype(dtype.np)


def _leaky_relu(alpha: np.float32):
    return lambda v: np.where(v >= 0, v, alpha * v).astype(np.float32)


@op("QLinearSigmoid", "QLinearLeakyRelu", domain=MS)
def lower_qlinear_lookup(node, ctx):
    x = inp(node, ctx, 0)
    px, py = qparam(node, ctx, 1, 2, x.dtype), output_param(node, ctx, 3, 4)
    fn = f32.logistic if node.op_type == "QLinearSigmoid" else \
        _leaky_relu(np.float32(node.attrs.get("alpha", 0.01)))
    table = lookup_table(px, py, x.dtype, fn)
    return Kernel("ops/qlookup.c.j2", QLookup([table], x.size), inputs=[0], inplace=[0])


@dataclass(frozen=True)
class QConcat:
    """Each input's blocks of block[k] elements, interleaved `outer` times; table[k] None
    when input k is copied as is (same scale and zero point as the output)."""
    outer: int
    blocks: list[int]
    tables: list
    inputs: list[int]


@op("QLinearConcat", domain=MS)
def lower_qlinear_concat(node, ctx):
    y = out(node, ctx)
    py = output_param(node, ctx, 0, 1)
    axis = norm_axis(node.attrs["axis"], len(y.shape), node)
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    idxs, blocks, tables = [], [], []
    for k in range(2, len(node.inputs), 3):
        x = inp(node, ctx, k)
        px = qparam(node, ctx, k + 1, k + 2, x.dtype)
        same = px.scale.tobytes() == py.scale.tobytes() and px.zero == py.zero
        idxs.append(k)
        blocks.append(int(np.prod(x.shape[axis:], dtype=np.int64)))
        tables.append(None if same else lookup_table(px, py, x.dtype, lambda v: v))
    return Kernel("ops/qconcat.c.j2", QConcat(outer, blocks, tables, idxs), inputs=idxs)
