"""Tensor generators and broadcasts: Expand, Tile, ConstantOfShape, EyeLike, Range, Trilu
and OneHot.

Output shapes are static; a shape-deciding input (Expand's shape, Tile's repeats, OneHot's
depth, Range's bounds, ...) that only exists at run time is read and checked against
them, so a disagreeing value returns O2C_ERR_VALUE."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ._strided import Moves, literal, packed_bits
from ._util import c_dims, inp, norm_axis, out, runtime, strides
from ..ir.optable import Kernel, op


@op("Expand", since=8)
def lower_expand(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    shape = (1,) * (len(y.shape) - len(x.shape)) + tuple(x.shape)
    src = [0 if d == 1 else s for d, s in zip(shape, strides(shape))]
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), src)
    if runtime(node, ctx, 1):
        m.checks.append(f"o2c_expand_ok(in1, {inp(node, ctx, 1).size}u, {c_dims(x.shape)}, "
                        f"{len(x.shape)}u, {c_dims(y.shape)}, {len(y.shape)}u)")
    return m.kernel(inputs=[0, 1] if m.checks else [0])


@op("Tile", since=6)
def lower_tile(node, ctx):
    # each axis becomes two loops, (repeat, element), so every copy is a plain run
    x, y = inp(node, ctx, 0), out(node, ctx)
    dims, dst, src = [], [], []
    for d, yd, xs, ys in zip(x.shape, y.shape, strides(x.shape), strides(y.shape)):
        dims += [yd // d if d else 0, d]
        dst += [d * ys, ys]
        src += [0, xs]
    m = Moves(y.dtype)
    m.move("out0", "in0", dims, dst, src)
    if runtime(node, ctx, 1):
        m.checks.append(f"o2c_tile_ok(in1, {c_dims(x.shape)}, {c_dims(y.shape)}, "
                        f"{len(y.shape)}u)")
    return m.kernel(inputs=[0, 1] if m.checks else [0])


@op("ConstantOfShape", since=9)
def lower_constant_of_shape(node, ctx):
    y = out(node, ctx)
    v = node.attrs.get("value")
    m = Moves(y.dtype)
    m.fill("out0", literal(0 if v is None else np.asarray(v).reshape(-1)[0], y.dtype),
           y.shape, strides(y.shape))
    if runtime(node, ctx, 0):
        m.checks.append(f"o2c_dims_equal(in0, {c_dims(y.shape)}, {len(y.shape)}u)")
    return m.kernel(inputs=[0] if m.checks else [])


@op("EyeLike", since=9)
def lower_eyelike(node, ctx):
    y = out(node, ctx)
    n, cols = y.shape
    k = node.attrs.get("k", 0)
    first, stop = max(0, -k), min(n, cols - k)
    m = Moves(y.dtype)
    m.fill("out0", literal(0, y.dtype), y.shape, strides(y.shape))
    m.fill("out0", literal(1, y.dtype), [max(0, stop - first)], [cols + 1],
           base=first * cols + first + k)
    return m.kernel(inputs=[])


@op("Range", since=11)
def lower_range(node, ctx):
    # constant bounds are normally folded away; run-time ones must give the static length
    delta = inp(node, ctx, 2)
    if delta is not None and delta.data is not None and not delta.data.reshape(-1)[:1].any():
        raise CompileError("delta is 0, so the range never reaches its limit", node,
                           reason="Range: delta 0")
    return Kernel("ops/range.c.j2")


@dataclass(frozen=True)
class Trilu:
    """templates/ops/trilu.c.j2: `rows` rows of `cols` elements, `height` rows per matrix;
    keep the upper triangle (else the lower), above the diagonal k = in1[0] if given."""
    rows: int
    height: int
    cols: int
    upper: int
    bits: int                   # element bits of a packed type (0: whole bytes)


@op("Trilu", since=14)
def lower_trilu(node, ctx):
    x = inp(node, ctx, 0)
    height, cols = x.shape[-2:]
    if x.size == 0:
        return Moves(x.dtype).kernel()
    return Kernel("ops/trilu.c.j2", Trilu(x.size // cols, height, cols,
                                          node.attrs.get("upper", 1), packed_bits(x.dtype)),
                  inplace=[0])     # each element only reads its own position


@dataclass(frozen=True)
class OneHot:
    """templates/ops/onehot.c.j2: `outer` x `inner` indices, each a one-hot run of `depth`
    elements along the axis; `check`: compare the run-time depth input with depth."""
    depth: int
    inner: int
    outer: int
    bits: int                   # element bits of a packed type (0: whole bytes)
    check: bool


@op("OneHot", since=9)
def lower_onehot(node, ctx):
    idx, y = inp(node, ctx, 0), out(node, ctx)
    axis = norm_axis(node.attrs.get("axis", -1), len(y.shape), node)
    depth = y.shape[axis]     # the depth input must agree, which a run-time one is checked for
    inner = int(np.prod(idx.shape[axis:], dtype=np.int64))
    if y.size == 0:
        return Moves(y.dtype).kernel(inputs=[0, 2])
    return Kernel("ops/onehot.c.j2", OneHot(depth, inner, idx.size // inner, packed_bits(y.dtype),
                                            runtime(node, ctx, 1)),
                  inputs=[0, 1, 2] if runtime(node, ctx, 1) else [0, 2])
